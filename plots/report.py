#!/usr/bin/python3
"""The summary of a result set as Markdown, the machine described at the
top; or the comparison of two result sets (two machines, or before and
after a change).

usage: plots/report.py RESULT_SET                writes RESULT_SET/report.md
       plots/report.py BASE --compare OTHER      writes OTHER/compare.md and compare.png

Outliers: a repetition whose modified z-score |0.6745 (x - median) / MAD|
exceeds 14.826 is flagged (hyperfine's rule and threshold), never dropped.
Comparison: per configuration the ratio of medians OTHER / BASE, the spread
of each side ((max - min) / median), and a two-sided Mann-Whitney U test of
the wall times; with fewer than 4 repetitions on a side there is not enough
to test, and the row says so."""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resultset import ResultSet, ResultSetError, median  # noqa: E402

MIN_REPS_FOR_TEST = 4
OUTLIER_Z = 14.826   # hyperfine's threshold on the modified z-score


def fmt_time(s):
    if s >= 1:
        return f"{s:.4g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.4g} ms"
    return f"{s * 1e6:.4g} us"


def outliers(values):
    m = median(values)
    mad = median([abs(v - m) for v in values])
    if mad == 0:
        return 0
    return sum(1 for v in values if abs(0.6745 * (v - m) / mad) > OUTLIER_Z)


def key_of(r):
    return (r["workload"], r["params"], r["backend"], r["workers"], r.get("ipc", "arena"), r.get("pin", "none"))


def summarize(rs):
    """One dict per configuration, in run order."""
    rows = []
    serial = {}
    for runs in rs.configs().values():
        if runs[0]["backend"] == "serial":
            serial[(runs[0]["workload"], runs[0]["params"])] = median([float(r["wall_s"]) for r in runs])
    for runs in rs.configs().values():
        walls = [float(r["wall_s"]) for r in runs]
        m = median(walls)
        base = serial.get((runs[0]["workload"], runs[0]["params"]))
        rows.append({
            "key": key_of(runs[0]), "runs": runs, "walls": walls, "median": m, "min": min(walls), "max": max(walls),
            "outliers": outliers(walls), "speedup": base / m if base and m > 0 else None,
            "efficiency": median([float(r["ideal_s"]) for r in runs]) / m if m > 0 else None,
            "busy": median([float(r["busy_cores"]) for r in runs]),
            "ok": sum(r["ok"] == "1" for r in runs),
        })
    return rows


def machine_lines(rs):
    m = rs.machine
    get = m.get
    return [
        f"- **{get('host', '?')}**: {get('cpu_model', '?')}, {get('packages', '?')} package(s), "
        f"{get('cores', '?')} cores, {get('pus', '?')} PUs ({get('allowed_pus', '?')} usable: {get('allowed_cpuset', '?')}), "
        f"{get('memory_mib', '?')} MiB",
        f"- {get('os', '?')}, kernel {get('kernel', '?')}; governor {get('governor', '?')}, SMT {get('smt_active', '?')}, "
        f"hypervisor {get('hypervisor', '?')}, load at start {get('loadavg_at_start', '?')}",
        f"- parbench {get('parbench_version', '?')} ({get('git_revision', '?')}), {get('compiler', '?')} "
        f"{get('cflags', '')}; started {get('started_utc', '?')}",
        f"- command: `{get('command', '?')}`",
    ]


def report(rs):
    rows = summarize(rs)
    out = [f"# parbench report: {os.path.basename(os.path.normpath(rs.folder))}", ""]
    out += machine_lines(rs) + [""]
    out.append("| workload | backend | W | reps | median | min | max | outliers | speedup | efficiency | busy cores | checks |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    flagged = 0
    for r in rows:
        wl, params, backend, workers, ipc, pin = r["key"]
        b = backend + ("/pipe" if ipc == "pipe" else "") + (f" @{pin}" if pin not in ("", "none") else "")
        n = len(r["walls"])
        flagged += r["outliers"]
        out.append(f"| {wl}:{params} | {b} | {workers} | {n} | {fmt_time(r['median'])} | {fmt_time(r['min'])} | "
                   f"{fmt_time(r['max'])} | {r['outliers'] or ''} | "
                   f"{'%.2fx' % r['speedup'] if r['speedup'] else '-'} | "
                   f"{'%.0f%%' % (100 * r['efficiency']) if r['efficiency'] is not None else '-'} | "
                   f"{r['busy']:.2f} | {r['ok']}/{n}{'' if r['ok'] == n else ' FAIL'} |")
    out += ["", "speedup: serial median / this median, same workload and parameters. efficiency: the makespan "
            "ideal / median. outliers: repetitions with a modified z-score above 14.826 (kept in every figure)."]
    if flagged:
        out.append(f"{flagged} repetition(s) flagged as outliers: look at them in runs.csv before trusting a median.")
    for r in rs.not_run:
        out.append(f"- could not run: {r['workload']}:{r['params']} {r['backend']} W={r['workers']}: {r['note']}")
    if rs.measures:
        out += ["", "## What the demos measured", "",
                "| demo | case | metric | value | expected | run |", "| --- | --- | --- | ---: | ---: | ---: |"]
        for m in rs.measures:
            v = float(m["value"])
            value = f"{int(v) if v.is_integer() else f'{v:.6g}'} {m['unit']}"
            expected = m["expected"]
            mark = "" if expected == "" or float(expected) == float(m["value"]) else " DIFFERS"
            out.append(f"| {m['demo']} | {m['case']} | {m['metric']} | {value} | {expected}{mark} | {m['run_id']} |")
    return "\n".join(out) + "\n"


# ---- Mann-Whitney U ----------------------------------------------------------

def mann_whitney_p(a, b):
    """Two-sided p-value of the U test: exact (by counting) for small samples
    without ties, the normal approximation with a tie correction otherwise."""
    n1, n2 = len(a), len(b)
    allv = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks, i = {}, 0
    values = [v for v, _ in allv]
    rank = [0.0] * len(allv)
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and values[j + 1] == values[i]:
            j += 1
        for k in range(i, j + 1):
            rank[k] = (i + j) / 2 + 1
        i = j + 1
    r1 = sum(rank[k] for k, (_, g) in enumerate(allv) if g == 0)
    u1 = r1 - n1 * (n1 + 1) / 2
    u = min(u1, n1 * n2 - u1)
    ties = len(set(values)) != len(values)
    if n1 + n2 <= 20 and not ties:
        # number of arrangements with U <= u, by the recurrence over the largest value
        from functools import lru_cache

        @lru_cache(maxsize=None)
        def count(m, n, target):
            if target < 0:
                return 0
            if m == 0 or n == 0:
                return 1 if target == 0 else 0
            return count(m - 1, n, target - n) + count(m, n - 1, target)
        total = math.comb(n1 + n2, n1)
        le = sum(count(n1, n2, t) for t in range(int(u) + 1))
        return min(1.0, 2 * le / total)
    mu = n1 * n2 / 2
    tie_sum = 0
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        t = j - i + 1
        tie_sum += t ** 3 - t
        i = j + 1
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_sum / (n * (n - 1))))
    if sigma == 0:
        return 1.0
    z = (abs(u - mu) - 0.5) / sigma
    return min(1.0, math.erfc(z / math.sqrt(2)))


def compare(base, other):
    a = {r["key"]: r for r in summarize(base)}
    b = {r["key"]: r for r in summarize(other)}
    common = [k for k in b if k in a]
    out = [f"# parbench comparison: {os.path.basename(os.path.normpath(other.folder))} against "
           f"{os.path.basename(os.path.normpath(base.folder))}", "", "Base:"] + machine_lines(base) + ["", "Other:"] + \
        machine_lines(other) + [""]
    out.append("| workload | backend | W | base median | other median | ratio | base spread | other spread | p (U test) |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    ratios = []
    for k in common:
        x, y = a[k], b[k]
        ratio = y["median"] / x["median"] if x["median"] > 0 else float("nan")
        ratios.append((k, ratio, y["min"] / x["max"] if x["max"] else ratio, y["max"] / x["min"] if x["min"] else ratio))
        if min(len(x["walls"]), len(y["walls"])) < MIN_REPS_FOR_TEST:
            p = f"too few repetitions (need {MIN_REPS_FOR_TEST} a side)"
        else:
            pv = mann_whitney_p(x["walls"], y["walls"])
            p = f"{pv:.3g}" + (" (differs)" if pv < 0.05 else "")
        spread = lambda r: (r["max"] - r["min"]) / r["median"] * 100 if r["median"] else 0  # noqa: E731
        wl, params, backend, workers, ipc, pin = k
        out.append(f"| {wl}:{params} | {backend}{'/pipe' if ipc == 'pipe' else ''} | {workers} | "
                   f"{fmt_time(x['median'])} | {fmt_time(y['median'])} | {ratio:.3f} | {spread(x):.1f}% | "
                   f"{spread(y):.1f}% | {p} |")
    only = len(a) + len(b) - 2 * len(common)
    out += ["", "ratio: other median / base median (below 1: other is faster). spread: (max - min) / median."]
    if only:
        out.append(f"{only} configuration(s) appear on one side only and are left out.")
    return "\n".join(out) + "\n", ratios


def write_whole(path, text):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".part")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def plot_compare(folder, ratios):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    if not ratios:
        return None
    labels = [f"{k[0]}:{k[1]} {k[2]}{'/pipe' if k[4] == 'pipe' else ''} W={k[3]}" for k, *_ in ratios]
    fig, ax = plt.subplots(figsize=(9, 0.3 * len(ratios) + 1.5))
    y = range(len(ratios))
    mid = [r for _, r, _, _ in ratios]
    lo = [max(r - l, 0) for _, r, l, _ in ratios]
    hi = [max(h - r, 0) for _, r, _, h in ratios]
    ax.errorbar(mid, list(y), xerr=[lo, hi], fmt="o", color="#1f77b4", ecolor="#999999", capsize=2)
    ax.axvline(1.0, color="k", linestyle="--")
    ax.set_yticks(list(y))
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("other median / base median (bars: other min / base max to other max / base min)")
    ax.set_title("Comparison of two result sets, per configuration", fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    path = os.path.join(folder, "compare.png")
    tmp = os.path.join(folder, ".compare.png.part")
    fig.savefig(tmp, dpi=110, format="png", bbox_inches="tight")
    os.replace(tmp, path)
    plt.close(fig)
    return path


def main(argv):
    args = argv[1:]
    if not args or args[0] in ("-h", "--help") or len(args) not in (1, 3) or (len(args) == 3 and args[1] != "--compare"):
        print(__doc__)
        return 0 if args and args[0] in ("-h", "--help") else 2
    try:
        base = ResultSet(args[0])
        if len(args) == 3:
            other = ResultSet(args[2])
            text, ratios = compare(base, other)
            write_whole(os.path.join(other.folder, "compare.md"), text)
            picture = plot_compare(other.folder, ratios)
            print(text)
            print(f"written: {os.path.join(other.folder, 'compare.md')}" + (f", {picture}" if picture else ""))
            return 0
        text = report(base)
        write_whole(os.path.join(base.folder, "report.md"), text)
        print(text)
        print(f"written: {os.path.join(base.folder, 'report.md')}")
        return 0
    except ResultSetError as e:
        print(f"report: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
