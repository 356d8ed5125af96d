#!/usr/bin/python3
"""The summary of a result set as Markdown, the machine described at the
top; or the comparison of two result sets (two machines, or before and
after a change).

usage: plots/report.py RESULT_SET                writes RESULT_SET/report.md, report.html, trace.json
       plots/report.py BASE --compare OTHER      writes OTHER/compare.md, compare.png, compare.html

report.html and compare.html are whole pages that need nothing else: the
pictures are inside them (PNG data URIs), no script, no font or style
from the network; they open offline in any browser. report.html holds every
picture `parbench plot` draws and links to trace.json (parbench trace).

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
import base64
import html
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resultset import VARIANT_KEYS, ResultSet, ResultSetError, backend_label, config_key, config_label  # noqa: E402
import trace_events  # noqa: E402  (the timeline report.html links to)
from stats import first_much_slower, intervals_overlap, mann_whitney_p, median, median_ci, outliers  # noqa: E402,F401

MIN_REPS_FOR_TEST = 4   # the U test's p-value is shown from here; a call needs the intervals too (6)
ALPHA = 0.05            # the U test's level, matching the intervals' 95%, over the rows after Holm's correction
MIN_EFFECT = 0.03       # a difference is called only when the medians differ by at least 3%: the spread that
                        # bench/reproducibility allows the same command's speedups between invocations


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


def label_of(row):
    return config_label(row["runs"][0])


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
            "key": config_key(runs[0]), "runs": runs, "walls": walls, "median": m, "ci": median_ci(walls),
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
            out.append(f"- **Warning** {label_of(r)}: the first repetition was significantly slower than "
                       f"the rest ({fmt_time(r['walls'][0])}, median {fmt_time(r['median'])}): caches, page tables "
                       "or an idle CPU were not warm yet. Consider more `--warmup` repetitions, or re-run on a quiet "
                       "machine in case it was a random outlier.")
        elif r["outliers"]:
            reps = ", ".join(r["runs"][i]["rep"] for i in r["outliers"])
            out.append(f"- **Warning** {label_of(r)}: statistical outliers were detected (repetition "
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
    if not rows:
        out += ["No run of the runner is in this set: it holds what the demos measured themselves (below)."]
        return "\n".join(out + measures_lines(rs)) + "\n"
    out.append("| workload | backend | W | reps | median | 95% CI | min | max | outliers | speedup | efficiency "
               "| busy cores | checks |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        first = r["runs"][0]
        b = backend_label(first)
        workers = first["workers"] + ("*" if first.get("oversubscribed") == "1" else "")
        n = len(r["walls"])
        out.append(f"| {first['workload']}:{first['params']} | {b} | {workers} | {n} | {fmt_time(r['median'])} | "
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
    out += measures_lines(rs)
    return "\n".join(out) + "\n"


def measures_lines(rs):
    """The demos' own measurements as a Markdown section ([] when none)."""
    out = []
    if rs.measures:
        out += ["", "## What the demos measured", "",
                "| demo | case | metric | value | expected | run |", "| --- | --- | --- | ---: | ---: | ---: |"]
        for m in rs.measures:
            v = float(m["value"])
            value = f"{int(v) if v.is_integer() else f'{v:.6g}'} {m['unit']}"
            expected = m["expected"]
            mark = "" if expected == "" or float(expected) == float(m["value"]) else " DIFFERS"
            out.append(f"| {m['demo']} | {m['case']} | {m['metric']} | {value} | {expected}{mark} | {m['run_id']} |")
    return out


def holm(pvalues):
    """Holm's step-down adjustment of p-values (None stays None): the k-th
    smallest of m is multiplied by m - k + 1, kept monotone, capped at 1."""
    tested = sorted((p, i) for i, p in enumerate(pvalues) if p is not None)
    m = len(tested)
    out = [None] * len(pvalues)
    running = 0.0
    for k, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (m - k) * p))
        out[i] = running
    return out


def expected_failure(row):
    """A configuration whose failures were asked for (a fault injected)."""
    return "fault=" in row["runs"][0]["params"]


def difference(x, y, p_holm):
    """The comparison's call on two summarized configurations (base x, other
    y) given the Holm-adjusted p-value: "differs" needs all three: intervals
    that do not overlap, a medians' ratio off 1 by MIN_EFFECT or more, and
    p_holm < ALPHA."""
    n = min(len(x["walls"]), len(y["walls"]))
    if n < MIN_REPS_FOR_TEST:
        return "no difference shown (n too small)"
    if x["ci"] is None or y["ci"] is None:
        return "no difference shown (n too small for an interval)"
    ratio = y["median"] / x["median"] if x["median"] > 0 else float("nan")
    if abs(ratio - 1) < MIN_EFFECT:
        return "no difference shown (under 3%)"
    if p_holm < ALPHA and not intervals_overlap(x["ci"], y["ci"]):
        return "differs: other " + ("faster" if y["median"] < x["median"] else "slower")
    return "no difference shown"


def pair_up(a_rows, b_rows):
    """Pairs (x, y, differing): exact twins first; then, for what is left, a
    configuration of the same workload, parameters, backend and W on each
    side that differs only in ipc, pin, gil or wait (one candidate each)."""
    a = {r["key"]: r for r in a_rows}
    b = {r["key"]: r for r in b_rows}
    pairs = [(a[k], b[k], "") for k in b if k in a]
    left_a = [r for k, r in a.items() if k not in b]
    left_b = [r for k, r in b.items() if k not in a]
    for y in list(left_b):
        cands = [x for x in left_a if x["key"][:4] == y["key"][:4]]
        twins = [z for z in left_b if z["key"][:4] == y["key"][:4]]
        if len(cands) == 1 and len(twins) == 1:
            x = cands[0]
            diff = ", ".join(f"{name}: {va or '-'} -> {vb or '-'}" for name, va, vb in
                             zip(VARIANT_KEYS, x["key"][4:], y["key"][4:]) if va != vb)
            pairs.append((x, y, diff))
            left_a.remove(x)
            left_b.remove(y)
    return pairs, len(left_a) + len(left_b)


def compare(base, other):
    pairs, only = pair_up(summarize(base), summarize(other))
    out = [f"# parbench comparison: {os.path.basename(os.path.normpath(other.folder))} against "
           f"{os.path.basename(os.path.normpath(base.folder))}", "", "Base:"] + machine_lines(base) + ["", "Other:"] + \
        machine_lines(other) + [""]
    out.append("| workload | backend | W | base median | base 95% CI | other median | other 95% CI | ratio "
               "| p (U test) | p (Holm) | difference |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    pvalues = []
    for x, y, _ in pairs:
        n = min(len(x["walls"]), len(y["walls"]))
        pvalues.append(mann_whitney_p(x["walls"], y["walls"]) if n >= MIN_REPS_FOR_TEST else None)
    adjusted = holm(pvalues)
    ratios = []
    for (x, y, diff), p, ph in zip(pairs, pvalues, adjusted):
        ratio = y["median"] / x["median"] if x["median"] > 0 else float("nan")
        ratios.append((y["key"], ratio, y["min"] / x["max"] if x["max"] else ratio,
                       y["max"] / x["min"] if x["min"] else ratio, label_of(y) if not diff else
                       f"{label_of(y)} ({diff})"))
        if expected_failure(x) or expected_failure(y):
            verdict = "expected failures (fault injected): times not compared"
        else:
            verdict = difference(x, y, ph) if ph is not None else \
                f"no difference shown (too few repetitions: need {MIN_REPS_FOR_TEST} a side)"
        first = y["runs"][0]
        backend = backend_label(first) if not diff else f"{backend_label(x['runs'][0])} vs {backend_label(first)}"
        out.append(f"| {first['workload']}:{first['params']} | {backend}{' (' + diff + ')' if diff else ''} | "
                   f"{first['workers']} | {fmt_time(x['median'])} | {fmt_interval(x['ci'], x['median'])} | "
                   f"{fmt_time(y['median'])} | {fmt_interval(y['ci'], y['median'])} | {ratio:.3f} | "
                   f"{'%.3g' % p if p is not None else '-'} | {'%.3g' % ph if ph is not None else '-'} | {verdict} |")
    out += ["", "ratio: other median / base median (below 1: other is faster). 95% CI: distribution-free interval "
            "for each median (order statistics). A configuration is paired with its exact twin, or, when it has "
            "none, with the one configuration of the same workload, backend and W that differs only in ipc, pin, "
            "gil or wait (the row names what differs). difference: called only when the intervals do not overlap, "
            f"the medians differ by at least {MIN_EFFECT:.0%}, AND the two-sided Mann-Whitney U test gives "
            f"p < {ALPHA} after Holm's correction over the {sum(p is not None for p in pvalues)} tested rows; "
            "otherwise \"no difference shown\" (which is not a proof of equality). Runs with a fault injected fail "
            "on purpose and are not compared."]
    if only:
        out.append(f"{only} configuration(s) have no counterpart on the other side and are left out.")
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
    labels = [label for *_, label in ratios]
    fig, ax = plt.subplots(figsize=(9, 0.3 * len(ratios) + 1.5))
    y = range(len(ratios))
    mid = [r for _, r, _, _, _ in ratios]
    lo = [max(r - l, 0) for _, r, l, _, _ in ratios]
    hi = [max(h - r, 0) for _, r, _, h, _ in ratios]
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


PAGE_STYLE = """
body { font: 14px/1.45 sans-serif; margin: 24px auto; max-width: 1500px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 12.5px; } td, th { padding: 3px 8px; border-bottom: 1px solid #e4e4e4; }
th { background: #f2f2f2; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.fail td { background: #fde2e2; } .warn { color: #8a5a00; } .note { color: #555; font-size: 12.5px; }
figure { margin: 18px 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 12.5px; } code { background: #f4f4f4; padding: 0 3px; }
"""


def esc(text):
    return html.escape(str(text), quote=True)


def page(title, body):
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{esc(title)}</title>"
            f"<style>{PAGE_STYLE}</style></head>\n<body>\n<h1>{esc(title)}</h1>\n" + "\n".join(body) +
            "\n</body></html>\n")


def html_table(header, rows, numeric=(), row_class=None):
    out = ["<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"]
    for i, r in enumerate(rows):
        cls = f' class="{row_class(i)}"' if row_class and row_class(i) else ""
        out.append(f"<tr{cls}>" + "".join(f'<td{" class=n" if j in numeric else ""}>{esc(v)}</td>'
                                           for j, v in enumerate(r)) + "</tr>")
    return "\n".join(out + ["</table>"])


def machine_html(rs):
    # the Markdown lines, their `code` and **bold** marks dropped
    return "<ul>" + "".join(f"<li>{esc(line[2:].replace('**', '').replace('`', ''))}</li>"
                            for line in machine_lines(rs)) + "</ul>"


def png_uri(png):
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def figure_html(name, png, caption):
    return (f'<figure id="{esc(name)}"><img alt="{esc(name)}" src="{png_uri(png)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


CAPTIONS = {
    "wall": "Wall time per configuration: median, bars from min to max.",
    "speedup": "Speedup against serial and efficiency (ideal / wall) against workers; dashed: the makespan ideal.",
    "cpu": "What each CPU did in the first repetition: parbench's tasks from tasks.csv (exact), and under "
           "each CPU the rest of the machine (samples.csv busy minus the tasks).",
    "tasks": "Which task ran on which worker, and when (first repetition).",
    "overhead": "The bench programs' cost per task, bare system calls in grey.",
}


def pictures(rs):
    """Every picture plot.py draws for the set, as (name, PNG bytes), drawn here in memory."""
    import plot
    out = []

    def keep(fig, name):
        buf = io.BytesIO()
        fig.savefig(buf, dpi=100, bbox_inches="tight", format="png")
        out.append((name, buf.getvalue()))
    plot.draw(rs, keep)
    return out


def report_html(rs, rows, trace_name):
    name = os.path.basename(os.path.normpath(rs.folder))
    body = ["<h2>Machine</h2>", machine_html(rs), "<h2>Summary</h2>"]
    table = []
    for r in rows:
        first = r["runs"][0]
        n = len(r["walls"])
        table.append([f"{first['workload']}:{first['params']}", backend_label(first),
                      first["workers"] + ("*" if first.get("oversubscribed") == "1" else ""), n, fmt_time(r["median"]),
                      fmt_interval(r["ci"], r["median"]), fmt_time(r["min"]), fmt_time(r["max"]),
                      ", ".join(f"rep {r['runs'][i]['rep']}" for i in r["outliers"]),
                      "%.2fx" % r["speedup"] if r["speedup"] else "-",
                      "%.0f%%" % (100 * r["efficiency"]) if r["efficiency"] is not None else "-",
                      f"{r['busy']:.2f}", f"{r['ok']}/{n}" + ("" if r["ok"] == n else " FAIL")])
    body.append(html_table(["workload", "backend", "W", "reps", "median", "95% CI", "min", "max", "outliers",
                            "speedup", "efficiency", "busy cores", "checks"], table,
                           numeric={2, 3, 4, 5, 6, 7, 9, 10, 11},
                           row_class=lambda i: "fail" if rows[i]["ok"] != len(rows[i]["walls"]) else ""))
    body.append('<p class="note">95% CI: a distribution-free 95% confidence interval for the median, '
                "[x_(k), x_(n+1-k)] of the sorted repetitions, k from the binomial distribution (\"n too small\" "
                "below 6 repetitions). speedup: serial median / this median, same workload and parameters. "
                "efficiency: the makespan ideal / median. outliers: repetitions whose modified z-score "
                "|x - median| / MAD is above 14.826 (hyperfine's rule), kept in every figure.</p>")
    warnings = warning_lines(rows)
    notes = [w[2:].replace("**", "").replace("`", "") for w in warnings]
    notes += [f"could not run: {r['workload']}:{r['params']} {r['backend']} W={r['workers']}: {r['note']}"
              for r in rs.not_run]
    if notes:
        body.append("<ul>" + "".join(f'<li class="warn">{esc(n)}</li>' for n in notes) + "</ul>")
    if trace_name:
        body += ["<h2>Timeline</h2>",
             f'<p><a href="{esc(trace_name)}">{esc(trace_name)}</a>: every task of every repetition on its '
             "worker, the phases spawn, work and join, and each CPU's busy fraction, in Chrome's Trace Event "
             'Format. Open it in Perfetto (<a href="https://ui.perfetto.dev">ui.perfetto.dev</a>, "Open trace '
             'file"; the page keeps working offline once your browser has loaded it) or in Chromium\'s '
             "<code>chrome://tracing</code>. <code>parbench trace SET --config ID</code> writes one "
             "configuration alone.</p>"]
    if rs.measures:
        body.append("<h2>What the demos measured</h2>")
        mrows = []
        for m in rs.measures:
            v = float(m["value"])
            differs = m["expected"] != "" and float(m["expected"]) != v
            mrows.append([m["demo"], m["case"], m["metric"],
                          f"{int(v) if v.is_integer() else f'{v:.6g}'} {m['unit']}",
                          m["expected"] + (" DIFFERS" if differs else ""), m["run_id"]])
        body.append(html_table(["demo", "case", "metric", "value", "expected", "run"], mrows, numeric={3, 4, 5}))
    body.append("<h2>Pictures</h2>")
    for pname, png in pictures(rs):
        body.append(figure_html(pname, png, CAPTIONS.get(pname.split("_")[0], pname)))
    return page(f"parbench report: {name}", body)


def compare_html(base, other, text_rows, picture):
    body = ["<h2>Base: " + esc(os.path.basename(os.path.normpath(base.folder))) + "</h2>", machine_html(base),
            "<h2>Other: " + esc(os.path.basename(os.path.normpath(other.folder))) + "</h2>", machine_html(other),
            "<h2>Per configuration</h2>"]
    header, rows = text_rows
    body.append(html_table(header, rows, numeric={2, 3, 4, 5, 6, 7, 8, 9}))
    body.append('<p class="note">ratio: other median / base median (below 1: other is faster). 95% CI: '
                "distribution-free interval for each median (order statistics). Configurations are paired with "
                "their exact twin, else with the one that differs only in ipc, pin, gil or wait (named in the row). "
                "difference: called only when the intervals do not overlap, the medians differ by at least "
                f"{MIN_EFFECT:.0%} AND the two-sided Mann-Whitney U test gives p &lt; {ALPHA} after Holm's "
                "correction over the rows; otherwise \"no difference shown\" (which is not a proof of "
                "equality).</p>")
    links = []
    for side, rs in (("base", base), ("other", other)):
        for f in ("report.html", "trace.json"):
            path = os.path.join(rs.folder, f)
            if os.path.isfile(path):
                rel = os.path.relpath(path, other.folder)
                links.append(f'<li>{side}: <a href="{esc(rel)}">{esc(rel)}</a></li>')
    if links:
        body += ["<h2>Reports and timelines</h2>", "<ul>" + "".join(links) + "</ul>"]
    if picture:
        with open(picture, "rb") as f:
            body += ["<h2>Picture</h2>", figure_html("compare", f.read(), "Other median / base median per "
                                                     "configuration; bars from other min / base max to other "
                                                     "max / base min.")]
    return page(f"parbench comparison: {os.path.basename(os.path.normpath(other.folder))} against "
                f"{os.path.basename(os.path.normpath(base.folder))}", body)


def table_rows(markdown):
    """The comparison's table as (header, rows), read back from its Markdown."""
    lines = [line for line in markdown.splitlines() if line.startswith("| ")]
    cells = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
    return cells[0], [c for c in cells[2:]]


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
            page_path = os.path.join(other.folder, "compare.html")
            write_whole(page_path, compare_html(base, other, table_rows(text), picture))
            print(text)
            print(f"written: {os.path.join(other.folder, 'compare.md')}" + (f", {picture}" if picture else "") +
                  f", {page_path}")
            return 0
        text = report(base)
        write_whole(os.path.join(base.folder, "report.md"), text)
        trace_path = trace_events.write_set_trace(base)[0] if base.runs else None   # measures alone: no timeline
        page_path = os.path.join(base.folder, "report.html")
        write_whole(page_path, report_html(base, summarize(base), os.path.basename(trace_path) if trace_path else None))
        print(text)
        print(f"written: {os.path.join(base.folder, 'report.md')}, {page_path}" + (f", {trace_path}" if trace_path else ""))
        return 0
    except ResultSetError as e:
        print(f"parbench report: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
