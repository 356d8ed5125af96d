"""bench/forkjoin in its smoke mode (PB_FORKJOIN_QUICK=1: tiny counts, figures
not meant to be read): every construct runs under every runtime, wait policy
and W, each outer repetition verified by the workers' own counts (a miscount
is a benchmark error, which fails this test); every median lies within its
95% interval; every derived row says MET or NOT MET on its line and carries
goal and met in the CSV; and `parbench plot` draws the output folder alone.
No timing is judged here: the goals are the benchmark's, read in its real run."""
import csv
import re
import os
import subprocess
import sys
import tempfile

from checks import check, report, skip

BUILD = sys.argv[1]
FORKJOIN = os.path.join(BUILD, "forkjoin")
PARBENCH = os.path.join(BUILD, "parbench")

listing = subprocess.run([PARBENCH, "list"], capture_output=True, text=True).stdout
runtimes = ["thread-pool", "process-pool"] + (["openmp"] if "openmp" in subprocess.run([PARBENCH, "list", "--names", "backends"],
                                                                             capture_output=True, text=True).stdout.split()
                                                 else [])
pus = len(os.sched_getaffinity(0))
widths = sorted({1, min(2, pus), pus})

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "fj")
    p = subprocess.run([FORKJOIN, f"--pb_out={out}"], capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, PB_FORKJOIN_QUICK="1"))
    check(p.returncode == 0, f"forkjoin: exit {p.returncode}\n{p.stderr[-2000:]}")
    if "openmp is not measured here" in p.stdout:   # not built, or a ThreadSanitizer build: forkjoin says why
        skip("forkjoin's OpenMP side: " + p.stdout.split("openmp is not measured here", 1)[1].split("\n")[0])
        runtimes = [r for r in runtimes if r != "openmp"]
    with open(os.path.join(out, "forkjoin.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    check(os.path.isfile(os.path.join(out, "forkjoin.json")), "no JSON")
    errors = {r["benchmark"]: r["error"] for r in rows if r["error"]}
    check(not errors, f"benchmarks that failed (a miscounted repetition among them?): {errors}")

    metrics = {}
    for r in rows:
        if r["run_type"] == "iteration":
            name = r["benchmark"].split("/iterations:")[0]
            metrics.setdefault(name, {})[r["metric"]] = float(r["value"])
    for construct in ("PARALLEL", "BARRIER", "FOR"):
        for runtime in runtimes:
            for policy in ("active", "passive", "adaptive"):
                points = [f"{w}" for w in widths] if construct != "FOR" else \
                    [f"{widths[-1]}/{c}" for c in (1, 2, 4, 8, 16, 32, 64, 128)]
                for pt in points:
                    name = f"{construct}/{runtime}/{policy}/{pt}"
                    m = metrics.get(name)
                    check(m is not None and "overhead_ns" in m and m.get("inner", 0) >= 1, f"{name}: not measured")
                    if m and "overhead_lo_ns" in m:
                        check(m["overhead_lo_ns"] <= m["overhead_ns"] <= m["overhead_hi_ns"],
                              f"{name}: median outside its interval {m}")
    for runtime in runtimes[:2]:
        for policy in ("active", "passive", "adaptive"):
            check(f"BATCH/{runtime}/{policy}/{widths[-1]}" in metrics, f"BATCH {runtime} {policy}")
            check(f"IDLE/{runtime}/{policy}/rested/{widths[-1]}" in metrics, f"IDLE {runtime} {policy}")

    derived = [r for r in rows if r["run_type"] == "derived"]
    # pools against each other, batches, idle: 15; against openmp (when built): 20 more
    want = 15 + (20 if "openmp" in runtimes else 0)
    shown = [r for r in derived if r["goal"] == ""]
    # the lean batches of empty tasks are shown beside their goals, one per runtime and policy, never judged
    check(all("(dispatch alone)" in r["benchmark"] and r["met"] == "" for r in shown),
          f"derived rows without a goal that are not the dispatch-alone batches: {shown}")
    derived = [r for r in derived if r["goal"] != ""]
    check(len(derived) >= want, f"{len(derived)} derived rows with a goal, {want} expected")
    for r in shown:
        line = [ln for ln in p.stdout.splitlines() if ln.strip().startswith(r["benchmark"])]
        check(line and line[0].rstrip().endswith("(shown)"), f"{r['benchmark']}: the line does not say (shown)")
    for r in derived:
        check(r["goal"][:2] in ("<=", ">=") and r["met"] in ("0", "1"), f"derived row without a goal: {r}")
        line = [ln for ln in p.stdout.splitlines() if ln.strip().startswith(r["benchmark"])]
        verdict = "MET" if r["met"] == "1" else "NOT MET"
        said = re.search(r"(NOT MET|MET)$", line[0].rstrip()) if line else None   # "NOT MET" also ends in "MET"
        check(said is not None and said.group(1) == verdict, f"{r['benchmark']}: the line does not say {verdict}")
        # an unresolved goal (no number) has a row with an empty value, met 0
        check((r["value"] == "") == ("unresolved" in (line[0] if line else "")) and (r["value"] != "" or r["met"] == "0"),
              f"{r['benchmark']}: value {r['value']!r} against its line")
    check("NOT MET:" in p.stdout or all(r["met"] == "1" for r in derived), "the closing lines list what was not met")

    # the output folder alone is a picture
    d = subprocess.run([PARBENCH, "plot", out], capture_output=True, text=True, timeout=300)
    check(d.returncode == 0 and os.path.isfile(os.path.join(out, "forkjoin.png")),
          f"parbench plot of the bench output: {d.returncode} {d.stderr}")

report("forkjoin")
