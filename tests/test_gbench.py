"""The Google Benchmark shim and the two bench programs: a benchmark
registered from C runs, sees its arguments and reports its counter in the
JSON; both bench programs run in a smoke mode and their JSON and CSV parse."""
import csv
import json
import os
import subprocess
import sys
import tempfile

from checks import check, report

BUILD = sys.argv[1]


def run(prog, out, extra=()):
    p = subprocess.run([os.path.join(BUILD, prog), f"--pb_out={out}", "--benchmark_min_time=0.001", *extra],
                       capture_output=True, text=True, timeout=600)
    return p


def load(out, prog):
    with open(os.path.join(out, prog + ".json")) as f:
        data = json.load(f)
    with open(os.path.join(out, prog + ".csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    return data, rows


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "probe")
    p = run("tests/gbench_probe", out)
    check(p.returncode == 1, f"probe: exit {p.returncode} (a benchmark failed on purpose: 1 expected)\n{p.stderr}")
    data, rows = load(out, "gbench_probe")
    bench = {b["name"]: b for b in data["benchmarks"]}
    check("probe/sum/10/3/real_time" in bench and "probe/sum/100/3/real_time" in bench, f"names: {list(bench)}")
    s = bench.get("probe/sum/100/3/real_time", {})
    check(s.get("n_seen") == 100 and s.get("m_seen") == 3, f"arguments seen: {s}")
    check(s.get("user_calls_positive") == 1 and s.get("label") == "from C", f"user data and label: {s}")
    check(s.get("items_per_second", 0) > 0, "items processed")
    f = bench.get("probe/fails", {})
    check(f.get("error_occurred") is True and f.get("error_message") == "failed on purpose", f"error: {f}")
    metrics = {(r["benchmark"], r["metric"]) for r in rows}
    check(("probe/sum/100/3/real_time", "n_seen") in metrics and ("probe/sum/10/3/real_time", "real_time") in metrics,
          "tidy CSV rows")
    derived = [r for r in rows if r["run_type"] == "derived"]
    check(len(derived) == 1 and float(derived[0]["value"]) > 0, f"derived row: {derived}")
    check(os.path.isfile(os.path.join(out, "machine.csv")), "machine.csv")

    # the bench programs, smoke mode
    out = os.path.join(tmp, "bench")
    p = run("matrix", out)
    check(p.returncode == 0, f"matrix: exit {p.returncode}\n{p.stderr[-2000:]}")
    data, rows = load(out, "matrix")
    names = [b["name"] for b in data["benchmarks"]]
    check(len(names) >= 4 * 9, f"matrix: {len(names)} benchmarks")
    for b in data["benchmarks"]:
        check(not b.get("error_occurred"), f"matrix: {b['name']}: {b.get('error_message')}")
        check(b.get("speedup", 0) > 0 and 0 < b.get("efficiency", 0) <= 1.5 and "busy_cores" in b,
              f"matrix: {b['name']} counters {b}")
    p = run("overhead", out, ["--benchmark_filter=^(bare/(pthread|fork|pipe|futex)|backend|pool)"])
    check(p.returncode == 0, f"overhead: exit {p.returncode}\n{p.stderr[-2000:]}")
    data, rows = load(out, "overhead")
    derived = {r["benchmark"]: float(r["value"]) for r in rows if r["run_type"] == "derived" and r["value"]}
    check(derived.get("pthread backend, 1 task / pthread_create+join", 0) > 0,
          f"overhead ratios: {derived}")
    check(set(os.listdir(out)) >= {"matrix.json", "matrix.csv", "overhead.json", "overhead.csv", "machine.csv"},
          f"files: {os.listdir(out)}")

report("gbench")
