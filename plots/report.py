#!/usr/bin/python3
"""The summary of a result set as Markdown, the machine described at the
top; or the comparison of two result sets (two machines, or before and
after a change).

usage: plots/report.py RESULT_SET                writes RESULT_SET/report.md
       plots/report.py BASE --compare OTHER      writes OTHER/compare.md and compare.png

Each median comes with its 95% confidence interval, distribution-free, from
order statistics (plots/stats.py; "n too small" below 6 repetitions).
Outliers: hyperfine's rule, a repetition whose modified z-score
|x - median| / MAD is above 14.826 (MAD unscaled; the machine epsilon when it
is 0), flagged, never dropped; a warning follows the table when a
configuration has outliers or a first repetition much slower than the rest.
Comparison: per configuration the ratio of medians OTHER / BASE, each side's
interval and a two-sided Mann-Whitney U test of the wall times; a difference
is called only when both agree: the two intervals do not overlap AND
p < 0.05. Otherwise the row says "no difference shown"."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resultset import ResultSet, ResultSetError  # noqa: E402
from stats import first_much_slower, intervals_overlap, mann_whitney_p, median, median_ci, outliers  # noqa: E402,F401

MIN_REPS_FOR_TEST = 4   # the U test's p-value is shown from here; a call needs the intervals too (6)
ALPHA = 0.05            # the U test's level, matching the intervals' 95%


def time_unit(s):
    """(scale, name) of the unit a person reads s in: 1.602 s, 812.3 ms, 431.0 us."""
    if s >= 1:
        return 1, "s"
    if s >= 1e-3:
        return 1e3, "ms"
    return 1e6, "us"


def fmt_time(s):
    scale, name = time_unit(s)
    return f"{s * scale:.4g} {name}"


def fmt_interval(ci, like):
    """"[lo, hi] unit" in the unit of `like` (the median), or "n too small"."""
    if ci is None:
        return "n too small"
    scale, name = time_unit(like)
    return f"[{ci[0] * scale:.4g}, {ci[1] * scale:.4g}] {name}"


def key_of(r):
    return (r["workload"], r["params"], r["backend"], r["workers"], r.get("ipc", "arena"), r.get("pin", "none"))


def label_of(key):
    wl, params, backend, workers, ipc, pin = key
    return f"{wl}:{params} {backend}{'/pipe' if ipc == 'pipe' else ''} W={workers}"


def summarize(rs):
    """One dict per configuration, in run order."""
    rows = []
    serial = {}
    for runs in rs.configs().values():
        if runs[0]["backend"] == "serial":
            serial[(runs[0]["workload"], runs[0]["params"])] = median([float(r["wall_s"]) for r in runs])
    for runs in rs.configs().values():
        runs = sorted(runs, key=lambda r: int(r["rep"]))   # repetition order: the first is rep 1
        walls = [float(r["wall_s"]) for r in runs]
        m = median(walls)
        base = serial.get((runs[0]["workload"], runs[0]["params"]))
        rows.append({
            "key": key_of(runs[0]), "runs": runs, "walls": walls, "median": m, "ci": median_ci(walls),
            "min": min(walls), "max": max(walls), "outliers": outliers(walls),
            "first_slow": first_much_slower(walls), "speedup": base / m if base and m > 0 else None,
            "efficiency": median([float(r["ideal_s"]) for r in runs]) / m if m > 0 else None,
            "busy": median([float(r["busy_cores"]) for r in runs]),
            "ok": sum(r["ok"] == "1" for r in runs),
        })
    return rows


def warning_lines(rows):
    """hyperfine's two warnings, one per configuration at most: a first
    repetition much slower than the rest, else outliers."""
    out = []
    for r in rows:
        if r["first_slow"]:
            out.append(f"- **Warning** {label_of(r['key'])}: the first repetition was significantly slower than "
                       f"the rest ({fmt_time(r['walls'][0])}, median {fmt_time(r['median'])}): caches, page tables "
                       "or an idle CPU were not warm yet. Consider more `--warmup` repetitions, or re-run on a quiet "
                       "machine in case it was a random outlier.")
        elif r["outliers"]:
            reps = ", ".join(r["runs"][i]["rep"] for i in r["outliers"])
            out.append(f"- **Warning** {label_of(r['key'])}: statistical outliers were detected (repetition "
                       f"{reps} of {len(r['walls'])}). Consider re-running on a quiet machine without interference "
                       "from other programs; `--warmup` may help.")
    return out


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
    out.append("| workload | backend | W | reps | median | 95% CI | min | max | outliers | speedup | efficiency "
               "| busy cores | checks |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        wl, params, backend, workers, ipc, pin = r["key"]
        b = backend + ("/pipe" if ipc == "pipe" else "") + (f" @{pin}" if pin not in ("", "none") else "")
        n = len(r["walls"])
        out.append(f"| {wl}:{params} | {b} | {workers} | {n} | {fmt_time(r['median'])} | "
                   f"{fmt_interval(r['ci'], r['median'])} | {fmt_time(r['min'])} | "
                   f"{fmt_time(r['max'])} | {len(r['outliers']) or ''} | "
                   f"{'%.2fx' % r['speedup'] if r['speedup'] else '-'} | "
                   f"{'%.0f%%' % (100 * r['efficiency']) if r['efficiency'] is not None else '-'} | "
                   f"{r['busy']:.2f} | {r['ok']}/{n}{'' if r['ok'] == n else ' FAIL'} |")
    out += ["", "95% CI: a distribution-free 95% confidence interval for the median, [x_(k), x_(n+1-k)] of the "
            "sorted repetitions, k from the binomial distribution (\"n too small\" below 6 repetitions). "
            "speedup: serial median / this median, same workload and parameters. efficiency: the makespan "
            "ideal / median. outliers: repetitions whose modified z-score |x - median| / MAD is above 14.826 "
            "(hyperfine's rule), kept in every figure."]
    warnings = warning_lines(rows)
    if warnings:
        out += [""] + warnings
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


def difference(x, y):
    """The comparison's call on two summarized configurations (base x, other
    y): (p-value text, verdict). "differs" needs both tests: intervals that
    do not overlap AND a U test with p < ALPHA."""
    n = min(len(x["walls"]), len(y["walls"]))
    if n < MIN_REPS_FOR_TEST:
        return f"too few repetitions (need {MIN_REPS_FOR_TEST} a side)", "no difference shown (n too small)"
    p = mann_whitney_p(x["walls"], y["walls"])
    if x["ci"] is None or y["ci"] is None:
        return f"{p:.3g}", "no difference shown (n too small for an interval)"
    if p < ALPHA and not intervals_overlap(x["ci"], y["ci"]):
        return f"{p:.3g}", "differs: other " + ("faster" if y["median"] < x["median"] else "slower")
    return f"{p:.3g}", "no difference shown"


def compare(base, other):
    a = {r["key"]: r for r in summarize(base)}
    b = {r["key"]: r for r in summarize(other)}
    common = [k for k in b if k in a]
    out = [f"# parbench comparison: {os.path.basename(os.path.normpath(other.folder))} against "
           f"{os.path.basename(os.path.normpath(base.folder))}", "", "Base:"] + machine_lines(base) + ["", "Other:"] + \
        machine_lines(other) + [""]
    out.append("| workload | backend | W | base median | base 95% CI | other median | other 95% CI | ratio "
               "| p (U test) | difference |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    ratios = []
    for k in common:
        x, y = a[k], b[k]
        ratio = y["median"] / x["median"] if x["median"] > 0 else float("nan")
        ratios.append((k, ratio, y["min"] / x["max"] if x["max"] else ratio, y["max"] / x["min"] if x["min"] else ratio))
        p, verdict = difference(x, y)
        wl, params, backend, workers, ipc, pin = k
        out.append(f"| {wl}:{params} | {backend}{'/pipe' if ipc == 'pipe' else ''} | {workers} | "
                   f"{fmt_time(x['median'])} | {fmt_interval(x['ci'], x['median'])} | {fmt_time(y['median'])} | "
                   f"{fmt_interval(y['ci'], y['median'])} | {ratio:.3f} | {p} | {verdict} |")
    only = len(a) + len(b) - 2 * len(common)
    out += ["", "ratio: other median / base median (below 1: other is faster). 95% CI: distribution-free interval "
            "for each median (order statistics). difference: called only when the two tests agree, the "
            f"intervals do not overlap AND the two-sided Mann-Whitney U test gives p < {ALPHA}; otherwise "
            "\"no difference shown\" (which is not a proof of equality)."]
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
