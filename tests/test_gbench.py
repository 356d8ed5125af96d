"""The Google Benchmark shim and the bench programs: a benchmark registered
from C runs, sees its arguments and reports its counter in the JSON; derived
rows say MET or NOT MET and carry `goal` and `met` in the CSV and the JSON
(the probe's goals are exact counts, never timings); Google Benchmark's own
flags do what its documentation says (--benchmark_out, --benchmark_out_format,
--benchmark_format=json keeping stdout pure JSON, --benchmark_list_tests and
--help writing nothing); refused flags (the bench table of docs/bad-input.md)
exit 2 and write nothing; --pb_out never overwrites; overhead's pairs and
goals, and its picture."""
import csv
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

from checks import check, report

BUILD, SOURCE = sys.argv[1], sys.argv[2]
PROBE = os.path.join(BUILD, "tests/gbench_probe")
FAST = "--benchmark_min_time=0.001"


def run(prog, *args, cwd=None):
    return subprocess.run([os.path.join(BUILD, prog) if not os.path.isabs(prog) else prog, *args],
                          capture_output=True, text=True, timeout=600, cwd=cwd)


def load(out, prog):
    with open(os.path.join(out, prog + ".json")) as f:
        data = json.load(f)
    with open(os.path.join(out, prog + ".csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    return data, rows


def listing(d):
    """Every file and folder under d, relative."""
    out = []
    for root, dirs, files in os.walk(d):
        out += [os.path.relpath(os.path.join(root, n), d) for n in dirs + files]
    return sorted(out)


def goal_holds(value, goal):
    limit = float(goal[2:])
    return value <= limit if goal.startswith("<=") else value >= limit


with tempfile.TemporaryDirectory() as tmp:
    # ---- the probe: runs, counters, errors, derived rows with goals -------
    out = os.path.join(tmp, "probe")
    p = run(PROBE, f"--pb_out={out}", FAST)
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
    check(list(rows[0].keys())[-2:] == ["goal", "met"], f"CSV columns: {list(rows[0].keys())}")
    check(all(r["goal"] == "" and r["met"] == "" for r in rows if r["run_type"] != "derived"),
          "runs carry no goal")
    derived = {r["benchmark"]: r for r in rows if r["run_type"] == "derived"}
    check(set(derived) == {"probe/goal met", "probe/goal not met", "probe/derived"}, f"derived rows: {derived}")
    met, missed, shown = (derived.get(k, {}) for k in ("probe/goal met", "probe/goal not met", "probe/derived"))
    check(met.get("goal") == "<=10" and met.get("met") == "1" and float(met.get("value", 0)) == 10,
          f"goal met: {met}")
    check(missed.get("goal") == ">=10.5" and missed.get("met") == "0" and float(missed.get("value", 0)) == 10,
          f"goal not met: {missed}")
    check(shown.get("goal") == "" and shown.get("met") == "" and float(shown.get("value", 0)) > 0, f"shown: {shown}")
    jm, jx, js = (bench.get(k, {}) for k in ("probe/goal met", "probe/goal not met", "probe/derived"))
    check(jm.get("ratio") == 10 and jm.get("goal_max") == 10 and jm.get("met") == 1 and jm.get("label", "").endswith(": MET"),
          f"JSON goal met: {jm}")
    check(jx.get("goal_min") == 10.5 and jx.get("met") == 0 and jx.get("label", "").endswith("NOT MET"),
          f"JSON goal not met: {jx}")
    check("met" not in js and "sum_time_ratio" in js, f"JSON shown row: {js}")
    check(re.search(r"probe/goal met .* goal <=10 +MET$", p.stdout, re.M) is not None, f"MET line:\n{p.stdout}")
    check(re.search(r"probe/goal not met .* goal >=10.5 +NOT MET$", p.stdout, re.M) is not None,
          f"NOT MET line:\n{p.stdout}")
    check("2 goal(s): 1 MET, 1 NOT MET" in p.stdout and "NOT MET: probe/goal not met: 10.000 x, goal >=10.5" in p.stdout,
          f"closing lines:\n{p.stdout}")
    check(os.path.isfile(os.path.join(out, "machine.csv")), "machine.csv")

    # ---- flags that write nothing ------------------------------------------
    empty = os.path.join(tmp, "cwd")
    os.mkdir(empty)
    p = run(PROBE, "--help", cwd=empty)
    check(p.returncode == 0 and "--pb_out=DIR" in p.stdout and "--benchmark_out=<filename>" in p.stdout,
          f"--help: exit {p.returncode}\n{p.stdout}")
    check(listing(empty) == [], f"--help wrote {listing(empty)}")
    p = run(PROBE, "--benchmark_list_tests", cwd=empty)
    check(p.returncode == 0 and "probe/sum/10/3/real_time" in p.stdout, f"list: {p.returncode}\n{p.stdout}")
    check(listing(empty) == [], f"--benchmark_list_tests wrote {listing(empty)}")
    for bad, says in ((["--pb_out=new", "--bogus"], "--bogus"), (["--pb_out=new", "--benchmark_format=xml"], "xml"),
                      (["--benchmark_out_format=yaml"], "yaml"), (["--pb_out"], "--pb_out"), (["--pb_out="], "--pb_out"),
                      (["--pb_out=new", "--benchmark_filter=nothing-matches"], "nothing-matches")):
        p = run(PROBE, *bad, FAST, cwd=empty)
        check(p.returncode == 2 and says in p.stderr, f"{bad}: exit {p.returncode} (2 expected), says:\n{p.stderr}")
        check(listing(empty) == [], f"{bad} wrote {listing(empty)}")

    # the bench programs' table of docs/bad-input.md, each row as it is written there
    rows = []
    with open(os.path.join(SOURCE, "docs", "bad-input.md"), encoding="utf-8") as fh:
        for line in fh:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 3 and cells[1].startswith("`overhead"):
                rows.append((shlex.split(cells[1].strip("`"))[1:], cells[2].strip("`")))
    check(len(rows) >= 10, f"docs/bad-input.md: {len(rows)} bench rows read")
    for args, says in rows:
        with tempfile.TemporaryDirectory() as cwd:
            os.mkdir(os.path.join(cwd, "existing"))
            open(os.path.join(cwd, "afile"), "w").close()
            p = run("overhead", *args, cwd=cwd)
            what = "overhead " + " ".join(args)
            check(p.returncode == 2, f"{what}: exit {p.returncode}, expected 2")
            check(says in p.stderr, f"{what}: stderr {p.stderr!r} lacks {says!r}")
            check(p.stdout == "", f"{what}: printed on stdout: {p.stdout!r}")
            check(listing(cwd) == ["afile", "existing"], f"{what}: wrote {listing(cwd)}")

    # ---- --pb_out: a new folder, or a result set without this program's files
    before = {n: os.path.getmtime(os.path.join(out, n)) for n in os.listdir(out)}
    p = run(PROBE, f"--pb_out={out}", FAST, "--benchmark_filter=probe/sum")
    check(p.returncode == 2 and out in p.stderr and "already holds" in p.stderr,
          f"--pb_out into a folder with its results: exit {p.returncode}\n{p.stderr}")
    check({n: os.path.getmtime(os.path.join(out, n)) for n in os.listdir(out)} == before, "nothing overwritten")
    stranger = os.path.join(tmp, "stranger")
    os.mkdir(stranger)
    p = run(PROBE, f"--pb_out={stranger}", FAST, "--benchmark_filter=probe/sum")
    check(p.returncode == 2 and stranger in p.stderr and os.listdir(stranger) == [],
          f"--pb_out into a folder that is not a result set: exit {p.returncode}\n{p.stderr}")
    resultset = os.path.join(tmp, "set")
    os.mkdir(resultset)
    with open(os.path.join(resultset, "machine.csv"), "w") as fh:
        fh.write("key,value\nhost,kept\n")
    p = run(PROBE, f"--pb_out={resultset}", FAST, "--benchmark_filter=probe/sum")
    check(p.returncode == 0 and os.path.isfile(os.path.join(resultset, "gbench_probe.csv")),
          f"--pb_out into a result set: exit {p.returncode}\n{p.stderr}")
    with open(os.path.join(resultset, "machine.csv")) as fh:
        check(fh.read() == "key,value\nhost,kept\n", "the set's machine.csv is kept")

    # ---- Google Benchmark's file flags --------------------------------------
    gb = os.path.join(tmp, "gb.json")
    p = run(PROBE, f"--benchmark_out={gb}", FAST, "--benchmark_filter=probe/sum", cwd=empty)
    check(p.returncode == 0, f"--benchmark_out: exit {p.returncode}\n{p.stderr}")
    check(listing(empty) == [], f"--benchmark_out without --pb_out made {listing(empty)} (only FILE expected)")
    try:
        with open(gb) as fh:
            names = {b["name"]: b for b in json.load(fh)["benchmarks"]}
    except (OSError, ValueError) as e:
        names = {}
        check(False, f"--benchmark_out: {e}")
    check("probe/sum/100/3/real_time" in names and names.get("probe/goal not met", {}).get("met") == 0,
          f"--benchmark_out's JSON: {list(names)}")
    gbcsv, both = os.path.join(tmp, "gb.csv"), os.path.join(tmp, "both")
    p = run(PROBE, f"--benchmark_out={gbcsv}", "--benchmark_out_format=csv", f"--pb_out={both}", FAST,
            "--benchmark_filter=probe/sum")
    check(p.returncode == 0, f"--benchmark_out_format=csv: exit {p.returncode}\n{p.stderr}")
    text = open(gbcsv).read() if os.path.isfile(gbcsv) else ""
    # Google Benchmark writes its context (host, caches, load) before the CSV header, as it does itself
    check("\nname,iterations,real_time" in text and '\n"probe/sum/10/3/real_time",' in text, f"CSV out:\n{text}")
    check(os.path.isfile(os.path.join(both, "gbench_probe.json")) and os.path.isfile(os.path.join(both, "gbench_probe.csv")),
          "--pb_out beside --benchmark_out")
    gbtxt = os.path.join(tmp, "gb.txt")
    p = run(PROBE, f"--benchmark_out={gbtxt}", "--benchmark_out_format=console", FAST, "--benchmark_filter=probe/sum",
            cwd=empty)
    text = open(gbtxt).read() if os.path.isfile(gbtxt) else ""
    check(p.returncode == 0 and "probe/sum/10/3/real_time" in text and "NOT MET" in text, f"console out:\n{text}")
    p = run(PROBE, "--benchmark_format=json", f"--pb_out={os.path.join(tmp, 'json')}", FAST,
            "--benchmark_filter=probe/sum")
    try:
        names = [b["name"] for b in json.loads(p.stdout)["benchmarks"]]
    except ValueError as e:
        names = []
        check(False, f"--benchmark_format=json: stdout is not JSON ({e}):\n{p.stdout[:2000]}")
    check(p.returncode == 0 and "probe/sum/10/3/real_time" in names, f"--benchmark_format=json: {names}")
    check("goal >=10.5" in p.stderr and "NOT MET" in p.stderr, f"goal table on stderr:\n{p.stderr}")

    # ---- the bench programs, smoke mode -------------------------------------
    out = os.path.join(tmp, "bench")
    p = run("matrix", f"--pb_out={out}", FAST)
    check(p.returncode == 0, f"matrix: exit {p.returncode}\n{p.stderr[-2000:]}")
    data, rows = load(out, "matrix")
    names = [b["name"] for b in data["benchmarks"]]
    check(len(names) >= 4 * 9, f"matrix: {len(names)} benchmarks")
    for b in data["benchmarks"]:
        check(not b.get("error_occurred"), f"matrix: {b['name']}: {b.get('error_message')}")
        # efficiency = ideal / wall of the same runs: the ideal is a lower bound made of the tasks' own clocks
        # inside each run, so it never exceeds 1; 1e-6 absorbs the counters' float arithmetic, nothing else
        check(b.get("speedup", 0) > 0 and 0 < b.get("efficiency", 0) <= 1 + 1e-6 and "busy_cores" in b,
              f"matrix: {b['name']} counters {b}")

    # overhead into a result set of `parbench run`, then its picture
    rs = os.path.join(tmp, "run")
    p = run("parbench", "run", "-q", "-w", "counter:n=1,tasks=1", "-b", "serial", "-r", "1", "--out", rs)
    check(p.returncode == 0, f"parbench run: {p.returncode}\n{p.stderr}")
    p = run("overhead", f"--pb_out={rs}", FAST, "--benchmark_filter=^(bare/(pthread|fork)|at_once|batch|idle|pool)")
    check(p.returncode == 0, f"overhead: exit {p.returncode}\n{p.stderr[-2000:]}")
    data, rows = load(rs, "overhead")
    pus = len(os.sched_getaffinity(0))
    goals = [r for r in rows if r["run_type"] == "derived" and r["goal"]]
    check(len(goals) == 2 * len({1, pus, 64}) + 3, f"overhead: {len(goals)} goals: {[r['benchmark'] for r in goals]}")
    for r in goals:
        if r["value"] == "":   # an unresolved goal: no number, NOT MET, said so on its line
            check(r["met"] == "0" and re.search(re.escape(r["benchmark"]) + r" +unresolved goal .*NOT MET$", p.stdout,
                                                re.M) is not None, f"overhead: unresolved {r}")
            continue
        v = float(r["value"])
        check(r["met"] == ("1" if goal_holds(v, r["goal"]) else "0"), f"overhead: met of {r}")
        line = re.search(re.escape(r["benchmark"]) + r" +[0-9.]+ x +goal " + re.escape(r["goal"]) + r" +(MET|NOT MET)$",
                         p.stdout, re.M)
        check(line is not None and (line.group(1) == "MET") == (r["met"] == "1"), f"overhead: line of {r['benchmark']}")
    pairs = [b for b in data["benchmarks"] if "bare_us" in b]
    check(len(pairs) == len(goals), f"overhead: {len(pairs)} pairs for {len(goals)} goals")
    for b in pairs:
        check(b["parbench_us"] > 0 and b["bare_us"] > 0 and b["rounds"] >= 1
              and abs(b["ratio"] - b["parbench_us"] / b["bare_us"]) <= 1e-6 * b["ratio"], f"overhead pair: {b}")
    check(sum(1 for r in goals if r["met"] == "0") == len(re.findall(r"^  NOT MET: ", p.stdout, re.M)),
          "overhead: the closing lines list every goal not met")
    p = run("parbench", "plot", rs)
    check(p.returncode == 0 and os.path.isfile(os.path.join(rs, "overhead.png")),
          f"parbench plot with overhead.csv: {p.returncode}\n{p.stderr}")

report("gbench")
