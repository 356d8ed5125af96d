"""Intervals, outliers and the comparison rule where people read them: the
summary of `parbench run` and report.md show each median's 95% interval as
computed here, independently, from runs.csv; report.md flags hyperfine's
outliers and warns about them and about a slow first repetition; --compare
calls a difference only when the intervals do not overlap AND the U test
gives p < 0.05. Synthetic result sets hold values chosen for each case."""
import csv
import math
import os
import subprocess
import sys
import tempfile

from checks import check, report

PARBENCH, SOURCE = sys.argv[1], sys.argv[2]
REPORT = os.path.join(SOURCE, "plots", "report.py")
PY = "/usr/bin/python3"
os.environ["PARBENCH_EXE"] = PARBENCH   # report.py run alone reads the columns' types from this parbench


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def interval(walls):
    """The median's 95% interval from the definition, not from plots/stats.py:
    k the largest rank with 1 - 2 P(Bin(n, 1/2) <= k - 1) >= 0.95."""
    n, s = len(walls), sorted(walls)
    k = 0
    while 40 * sum(math.comb(n, i) for i in range(k + 1)) <= 2 ** n:
        k += 1
    return (s[k - 1], s[n - k]) if k else None


def shown(ci, median):
    """How the summary writes an interval: [lo, hi] in the median's unit, 4 digits."""
    if ci is None:
        return "n too small"
    scale = 1 if median >= 1 else 1e3 if median >= 1e-3 else 1e6
    return f"[{ci[0] * scale:.4g}, {ci[1] * scale:.4g}]"


def walls_by_config(folder):
    with open(os.path.join(folder, "runs.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for r in sorted(rows, key=lambda r: (int(r["config_id"]), int(r["rep"]))):
        out.setdefault(int(r["config_id"]), []).append(float(r["wall_s"]))
    return [out[k] for k in sorted(out)]


COLUMNS = ["run_id", "config_id", "workload", "params", "backend", "workers", "tasks", "pin", "ipc", "rep",
           "wall_s", "ideal_s", "busy_cores", "ok", "pus"]


def make_set(folder, configs):
    """configs: [(backend, walls)], one workload; a result set report.py reads."""
    os.makedirs(folder)
    with open(os.path.join(folder, "runs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        run_id = 0
        for cid, (backend, walls) in enumerate(configs, 1):
            for rep, wall in enumerate(walls, 1):
                run_id += 1
                w.writerow([run_id, cid, "counter", "n=1000,tasks=2", backend, 2, 2, "none", "arena", rep,
                            f"{wall:.9f}", f"{wall / 2:.9f}", "1.0", 1, 2])
    return folder


def md_rows(text):
    return [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
            if line.startswith("| ") and "---" not in line]


with tempfile.TemporaryDirectory() as tmp:
    # ---- the summary and report.md of a real run ----------------------------
    out = os.path.join(tmp, "real")
    p = run([PARBENCH, "run", "--out", out, "-w", "counter:n=1e6,tasks=2", "-b", "serial,pthread,fork,process-pool",
             "-n", "2", "-r", "7", "--warmup", "0", "--sample-hz", "50"])
    check(p.returncode == 0, f"parbench run: {p.stderr}")
    walls = walls_by_config(out)
    check(len(walls) == 4 and all(len(w) == 7 for w in walls), f"4 configurations of 7 runs: {walls}")
    lines = p.stdout.splitlines()
    table = [l for l in lines if l.startswith("counter:")]
    check(len(table) == 4, f"4 summary rows: {p.stdout}")
    check("95% CI" in lines[0] and "spread" in lines[0], f"summary header: {lines[0]}")
    check(all(len(l) <= 120 for l in lines), f"summary wider than 120 columns: {max(map(len, lines))}")
    check(table and table[0].startswith("counter:n=1e6,tasks=2 "), "large round numbers shown as typed (1e6)")
    for row, w in zip(table, walls):
        med = sorted(w)[3]
        check(shown(interval(w), med) in row, f"summary interval {shown(interval(w), med)} not in: {row}")
    p = run([PARBENCH, "report", out])
    check(p.returncode == 0, f"parbench report: {p.stderr}")
    rows = md_rows(open(os.path.join(out, "report.md")).read())
    check(rows[0][5] == "95% CI", f"report header: {rows[0]}")
    for row, w in zip(rows[1:], walls):
        med = sorted(w)[3]
        unit = "s" if med >= 1 else "ms" if med >= 1e-3 else "us"
        check(row[5] == f"{shown(interval(w), med)} {unit}", f"report interval {row[5]}, expected {shown(interval(w), med)}")
    # the summary with fewer than 6 repetitions says so
    p = run([PARBENCH, "run", "--out", os.path.join(tmp, "few"), "-w", "counter:n=1e5,tasks=2", "-b", "serial",
             "-r", "5", "--warmup", "0"])
    check(p.returncode == 0 and "n too small" in p.stdout, f"5 repetitions: n too small: {p.stdout}")

    # ---- report.md: outliers and warnings -----------------------------------
    base = [1.00, 1.01, 0.99, 1.02, 0.98, 1.00, 1.01, 0.99]
    slow_first = [2.0] + base[1:]
    mad_zero = [1.0] * 7 + [1.5]
    mid_outlier = base[:3] + [1.5] + base[4:]   # 1.5 is 0.5 / 0.01 = 50 MADs out; 0.6745 x 50 > 14.826 too
    twenty = [1.00, 1.20, 0.99, 1.01, 1.00, 1.00, 0.99, 1.01]   # 1.20: 20 MADs; the old rule said 13.5
    s1 = make_set(os.path.join(tmp, "s1"), [("serial", base), ("pthread", slow_first), ("fork", mad_zero),
                                            ("thread-pool", mid_outlier), ("process-pool", twenty)])
    p = run([PY, REPORT, s1])
    check(p.returncode == 0, f"report: {p.stderr}")
    text = open(os.path.join(s1, "report.md")).read()
    rows = {r[1]: r for r in md_rows(text)[1:]}
    want = {"serial": "", "pthread": "1", "fork": "1", "thread-pool": "1", "process-pool": "1"}
    for b, n in want.items():
        check(rows[b][8] == n, f"{b}: outliers '{rows[b][8]}', expected '{n}'")
    warn = [l for l in text.splitlines() if "Warning" in l]
    check(len(warn) == 4, f"one warning per configuration with outliers: {warn}")
    check(any("pthread" in l and "first repetition was significantly slower" in l and "2 s" in l for l in warn),
          f"slow first repetition: {warn}")
    check(any(" fork " in l and "outliers were detected (repetition 8 of 8)" in l for l in warn), f"MAD 0: {warn}")
    check(any("thread-pool" in l and "(repetition 4 of 8)" in l for l in warn), f"outlier at 4: {warn}")
    check(any("process-pool" in l and "(repetition 2 of 8)" in l for l in warn), f"outlier at 2: {warn}")
    check(not any(" serial " in l for l in warn), "no warning without outliers")
    check(rows["serial"][5] == f"{shown(interval(base), 1.0)} s", f"interval of serial: {rows['serial'][5]}")

    # ---- compare: both tests must agree --------------------------------------
    near = [1.0 + 0.01 * i for i in range(8)]
    low_with_outlier = [1.0, 1.1, 1.2, 1.3, 1.4, 1.45, 1.48, 5.0]
    mid = [1.5, 1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2]
    a = make_set(os.path.join(tmp, "a"), [("serial", near), ("pthread", low_with_outlier), ("fork", near),
                                          ("thread-pool", near[:5])])
    b = make_set(os.path.join(tmp, "b"), [("serial", [x * 1.2 for x in near]), ("pthread", mid),
                                          ("fork", list(reversed(near))), ("thread-pool", [x * 2 for x in near[:5]])])
    p = run([PY, REPORT, a, "--compare", b])
    check(p.returncode == 0, f"compare: {p.stderr}")
    rows = {r[1]: r for r in md_rows(open(os.path.join(b, "compare.md")).read())[1:]}
    check(rows["serial"][-1] == "differs: other slower", f"separated: {rows['serial']}")
    # U test alone says different (p = 0.0104), the intervals [1, 5] and [1.5, 2.2] overlap
    check(float(rows["pthread"][8]) < 0.05 and rows["pthread"][-1] == "no difference shown",
          f"U test without the intervals: {rows['pthread']}")
    check(rows["fork"][-1] == "no difference shown (under 3%)", f"the same values: {rows['fork']}")
    # Holm over the tested rows: the smallest p times their number, never below the raw p
    tested = [r for r in rows.values() if r[8] != "-"]
    check(all(float(r[9]) >= float(r[8]) for r in tested), f"Holm never lowers a p: {tested}")
    check(min(float(r[9]) for r in tested) == min(1.0, len(tested) * min(float(r[8]) for r in tested))
          or abs(min(float(r[9]) for r in tested) - len(tested) * min(float(r[8]) for r in tested)) < 1e-3,
          f"Holm's smallest: {tested}")
    check(rows["thread-pool"][-1].startswith("no difference shown (n too small"), f"5 a side: {rows['thread-pool']}")
    check(rows["serial"][4] == f"{shown(interval(near), 1.035)} s", f"base interval in compare: {rows['serial'][4]}")

    # the rule itself, on configurations made up to disagree
    sys.path.insert(0, os.path.join(SOURCE, "plots"))
    from report import difference, holm  # noqa: E402
    from stats import mann_whitney_p  # noqa: E402

    def side(walls, ci):
        return {"walls": walls, "ci": ci, "median": sorted(walls)[len(walls) // 2]}

    def call(x, y, rows_tested=1):
        return difference(x, y, min(1.0, rows_tested * mann_whitney_p(x["walls"], y["walls"])))
    lo, hi = [1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]
    mixed_a, mixed_b = [1, 3, 5, 7, 9, 11], [2, 4, 6, 8, 10, 12]
    check(call(side(lo, (1, 6)), side(hi, (7, 12))) == "differs: other slower", "both agree")
    check(call(side(hi, (7, 12)), side(lo, (1, 6))) == "differs: other faster", "both agree, faster")
    check(call(side(mixed_a, (1, 2)), side(mixed_b, (3, 4))) == "no difference shown",
          "intervals apart, U test not: no difference")
    check(call(side(lo, (1, 8)), side(hi, (7, 12))) == "no difference shown",
          "U test apart, intervals not: no difference")
    check(call(side(lo, None), side(hi, (7, 12))).startswith("no difference shown (n too small"),
          "no interval: no difference")
    # p = 0.0022 for 6 v 6 apart: called on its own, not once Holm multiplies it by 30 rows
    check(call(side(lo, (1, 6)), side(hi, (7, 12)), rows_tested=30) == "no difference shown",
          "Holm over 30 rows: no difference")
    # 2% apart with separate intervals and a tiny p: under the 3% effect, not called
    near_a, near_b = [100 + i * 0.01 for i in range(8)], [102 + i * 0.01 for i in range(8)]
    check(call(side(near_a, (100.01, 100.06)), side(near_b, (102.01, 102.06))) == "no difference shown (under 3%)",
          "under the effect size: no difference")
    check(holm([0.01, 0.04, None, 0.03]) == [0.03, 0.06, None, 0.06], f"Holm: {holm([0.01, 0.04, None, 0.03])}")

report("report_stats")
