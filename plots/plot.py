#!/usr/bin/python3
"""Pictures of a parbench result set, written next to it as PNG and SVG.

usage: plots/plot.py RESULT_SET
       plots/plot.py --newest ROOT      the newest result set under ROOT

  wall.png          wall time per configuration: median, min-max
  speedup.png       speedup and efficiency against workers, per backend, ideal drawn
  cpu_<n>.png       per-CPU utilisation over time, one heatmap per configuration
                    (first repetition), one figure per workload and parameters
  tasks_<n>.png     which task ran on which worker and when (Gantt), same grouping
  overhead.png      from the bench programs' CSV, when present: cost per round or task
                    or operation, bare baselines beside the backends
  forkjoin.png      from bench/forkjoin's CSV, when present: fork-join (PARALLEL) and
                    BARRIER overhead against W, FOR's per-iteration overhead against the
                    dynamic chunk, for each runtime and wait policy, with 95% intervals

A folder holding only a bench program's output (--pb_out=DIR) is drawn too.

Backends are drawn in their order of first appearance in the set (the
registry's order, as `parbench run` numbers configurations), each in its own
colour: fixed for the known ones, a spare one for any other backend, which
is drawn like the rest with no edit here.

Every image is written whole (to a temporary name, then renamed)."""
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resultset import ResultSet, ResultSetError, median  # noqa: E402

# Fixed colours for the backends these pictures have long shown, so that a backend keeps its colour
# from one set to the next. Any other backend (one added to the registry, or a label such as
# process-pool/pipe's) is drawn too, with the next of SPARE_COLOURS in its order of first appearance.
COLOURS = {"serial": "#444444", "pthread": "#1f77b4", "fork": "#d62728", "thread-pool": "#2ca02c",
           "process-pool": "#ff7f0e", "process-pool/pipe": "#9467bd", "openmp": "#17becf", "mpi": "#8c564b"}
SPARE_COLOURS = ["#e377c2", "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd"]


def backends_of(rs):
    """The set's backends (process-pool/pipe apart) in their order of first appearance by configuration:
    the order of parbench's registry, as `parbench run` numbers configurations."""
    return list(dict.fromkeys(backend_of(runs[0]) for runs in rs.configs().values()))


def add_backend_colours(rs):
    """Give every backend of the set a colour of its own: the known ones keep theirs, new ones take
    spare colours no other backend has, never grey, never left out."""
    spare = [c for c in SPARE_COLOURS if c not in COLOURS.values()]
    for i, b in enumerate(b for b in backends_of(rs) if b not in COLOURS):
        COLOURS[b] = spare[i % len(spare)]


def backend_of(r):
    return r["backend"] + ("/pipe" if r.get("ipc") == "pipe" else "")


FORMATS = ["png"]   # and "svg" with --svg: PNG is what the README, report.html and a class need


def save(fig, folder, name, written):
    """fig as PNG (and SVG with --svg) in folder, the paths added to the list `written`; or, when
    written is a function, written(fig, name) takes the figure instead (report.html embeds it)."""
    if callable(written):
        written(fig, name)
        plt.close(fig)
        return
    for ext in FORMATS:
        final = os.path.join(folder, f"{name}.{ext}")
        tmp = os.path.join(folder, f".{name}.{ext}.part")
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format=ext)
        os.replace(tmp, final)
        written.append(final)
    plt.close(fig)


def groups(rs):
    """(workload, params) -> {config_id: runs}, in configuration order."""
    out = {}
    for cid, runs in rs.configs().items():
        out.setdefault((runs[0]["workload"], runs[0]["params"]), {})[cid] = runs
    return out


def group_names(g):
    """A file name part per (workload, params) group that says what it shows: "counter" when the workload
    appears once; else the workload and the parameters that differ between its groups, as
    "counter_n-1e8_tasks-2" and "counter_n-1_tasks-1000"."""
    def kv(params):
        return dict(p.split("=", 1) for p in params.split(",") if "=" in p) if params else {}

    def safe(text):
        if text.isdigit() and len(text) > 4:   # 100000000 as 1e8, 25000000 as 2.5e7: what a user types
            text = re.sub(r"e\+0*", "e", f"{float(text):g}")
        return re.sub(r"[^A-Za-z0-9.+-]", "", text)

    by_wl = {}
    for wl, params in g:
        by_wl.setdefault(wl, []).append(params)
    names = {}
    for wl, all_params in by_wl.items():
        if len(all_params) == 1:
            names[(wl, all_params[0])] = wl
            continue
        maps = [kv(p) for p in all_params]
        keys = sorted({k for m in maps for k in m})
        differ = [k for k in keys if len({m.get(k) for m in maps}) > 1]
        for params, m in zip(all_params, maps):
            names[(wl, params)] = "_".join([wl] + [f"{safe(k)}-{safe(m.get(k, ''))}" for k in differ])
    # identical names (parameters that differ only in characters a file name drops): numbered
    seen = {}
    for key, name in list(names.items()):
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[key] = f"{name}_{seen[name]}"
    return names


def title_of(workload, params):
    return f"{workload}  ({params})" if params else workload


def grid(n, cols=3):
    cols = min(cols, n)
    rows = (n + cols - 1) // cols
    return rows, cols


def plot_wall(rs, g, written):
    n = len(g)
    rows, cols = grid(n, 2)
    fig, axes = plt.subplots(rows, cols, figsize=(7.5 * cols, 3.6 * rows), squeeze=False)
    for ax, ((wl, params), configs) in zip(axes.flat, g.items()):
        labels, meds, lo, hi, colours = [], [], [], [], []
        for runs in configs.values():
            walls = [float(r["wall_s"]) for r in runs]
            m = median(walls)
            labels.append(f"{backend_of(runs[0])}\nW={runs[0]['workers']}")
            meds.append(m)
            lo.append(m - min(walls))
            hi.append(max(walls) - m)
            colours.append(COLOURS.get(backend_of(runs[0]), "#888888"))
        x = range(len(meds))
        scale, unit = (1e3, "ms") if max(meds) < 1 else (1, "s")
        ax.bar(x, [m * scale for m in meds], yerr=[[v * scale for v in lo], [v * scale for v in hi]],
               color=colours, capsize=3)
        ax.set_xticks(list(x))
        if len(labels) > 6:
            ax.set_xticklabels([lab.replace("\n", " ") for lab in labels], fontsize=7, rotation=40, ha="right")
        else:
            ax.set_xticklabels(labels, fontsize=7)
        ax.set_ylabel(f"wall time ({unit})")
        ax.set_title(title_of(wl, params), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    reps = max(len(r) for c in g.values() for r in c.values())
    fig.suptitle(f"Wall time per configuration: median, bars from min to max ({reps} repetitions)", fontsize=12)
    fig.tight_layout()
    save(fig, rs.folder, "wall", written)


def plot_speedup(rs, g, written):
    # only plans run serially and with several worker counts are worth a line
    useful = {k: v for k, v in g.items()
              if any(r[0]["backend"] == "serial" for r in v.values()) and
              len({r[0]["workers"] for r in v.values() if r[0]["backend"] != "serial"}) > 1}
    if not useful:
        return
    n = len(useful)
    per_row = min(n, 4)
    blocks = (n + per_row - 1) // per_row
    fig, axes = plt.subplots(2 * blocks, per_row, figsize=(4.6 * per_row, 6.4 * blocks), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, ((wl, params), configs) in enumerate(useful.items()):
        serial = median([float(r["wall_s"]) for runs in configs.values() for r in runs if r["backend"] == "serial"])
        lines, ideal = {}, {}
        for runs in configs.values():
            b, w = backend_of(runs[0]), int(runs[0]["workers"])
            if runs[0]["backend"] == "serial":
                continue
            m = median([float(r["wall_s"]) for r in runs])
            lines.setdefault(b, []).append((w, serial / m, median([float(r["ideal_s"]) for r in runs]) / m))
            ideal.setdefault(w, []).append(median([float(r["ideal_s"]) for r in runs]))   # the lowest bound wins
        sp, ef = axes[2 * (i // per_row)][i % per_row], axes[2 * (i // per_row) + 1][i % per_row]
        sp.axis("on")
        ef.axis("on")
        ws = sorted(ideal)
        sp.plot(ws, [serial / min(ideal[w]) for w in ws], "k--", label="ideal")
        ef.axhline(1.0, color="k", linestyle="--", label="ideal")
        for b in lines:   # in configuration order: the registry's
            pts = sorted(lines[b])
            sp.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=COLOURS[b], label=b)
            ef.plot([p[0] for p in pts], [p[2] for p in pts], "o-", color=COLOURS[b], label=b)
        sp.set_title(title_of(wl, params), fontsize=9)
        sp.set_ylabel("speedup vs serial (x)")
        ef.set_ylabel("efficiency: ideal / wall")
        ef.set_ylim(0, 1.1)
        for ax in (sp, ef):
            ax.set_xlabel("workers (W)")
            ax.set_xscale("log", base=2)
            ax.set_xticks(ws)
            ax.set_xticklabels([str(w) for w in ws])
            ax.grid(alpha=0.3)
        sp.legend(fontsize=7)
    fig.suptitle("Speedup and efficiency against workers (medians; dashed: the makespan ideal)", fontsize=12)
    fig.tight_layout()
    save(fig, rs.folder, "speedup", written)


TICK_S = 0.01           # /proc/stat counts in ticks of 1/USER_HZ: 10 ms (Linux's USER_HZ is 100)
OTHER_COLOUR = "#505050"


def task_spans(tasks):
    """(cpu, start_s, end_s, cpu_share, moved, task) for every task with a start and an end; a task
    that started and ended on different CPUs is given on both, moved=True (when it moved is unknown)."""
    out = []
    for t in tasks:
        if t["start_s"] == "" or t["end_s"] == "" or t["cpu_start"] == "":
            continue
        s, e = float(t["start_s"]), float(t["end_s"])
        share = min(1.0, float(t["cpu_s"]) / (e - s)) if t["cpu_s"] != "" and e > s else 0.0
        a, b = int(t["cpu_start"]), int(t["cpu_end"] or t["cpu_start"])
        for c in ((a,) if a == b else (a, b)):
            out.append((c, s, e, share, a != b, t))
    return out


def other_load(samples, spans):
    """(cpu, from_s, to_s, other): per sampling interval, the CPU's busy fraction (samples.csv: the
    whole machine) minus the CPU time parbench's tasks spent on it in the interval (a task that moved
    counts half on each of its CPUs), at least 0. Unknown intervals (no tick fell) are left out."""
    by_cpu = {}
    for c, s, e, share, moved, _ in spans:
        by_cpu.setdefault(c, []).append((s, e, share * (0.5 if moved else 1.0)))
    out = []
    for smp in samples:
        if smp["busy"] == "":
            continue
        c, b, dt = int(smp["cpu"]), float(smp["t_s"]), float(smp["dt_s"])
        a = b - dt
        own = sum(max(0.0, min(b, e) - max(a, s)) * w for s, e, w in by_cpu.get(c, [])) / dt if dt > 0 else 0.0
        out.append((c, a, b, max(0.0, float(smp["busy"]) - own)))
    return out


def draw_cpu_lanes(ax, r, tasks, samples, colour):
    """One run's CPUs as lanes: per CPU, the tasks that ran on it (exact, from tasks.csv: a box per
    task span, filled as high as the task's CPU share), and under it the rest of the machine."""
    from matplotlib.collections import PolyCollection
    spans = task_spans(tasks)
    cpus = sorted({int(smp["cpu"]) for smp in samples} | {c for c, *_ in spans})
    lane = {c: i for i, c in enumerate(cpus)}
    wall_ms = float(r["wall_s"]) * 1e3

    def box(x0, x1, y0, y1):
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    # tasks that overlap on one CPU (more workers than CPUs, sleeping tasks) share its lane in rows
    rows_of, placed = {}, []
    for sp in sorted(spans, key=lambda sp: (sp[0], sp[1])):
        ends = rows_of.setdefault(sp[0], [])
        row = next((i for i, e in enumerate(ends) if e <= sp[1]), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = sp[2]
        placed.append((row, sp))
    wide, narrow, fills, moved = [], [], [], []
    for row, (c, s, e, share, mv, _) in placed:
        h = 0.5 / len(rows_of[c])
        y1 = lane[c] + 0.05 + (row + 1) * h
        x0, x1 = s * 1e3, e * 1e3
        b = box(x0, x1, y1 - h, y1)
        (moved if mv else wide if x1 - x0 > 0.004 * wall_ms else narrow).append(b)
        if share > 0:
            fills.append(box(x0, x1, y1 - h * share, y1))
    # a white edge separates tasks that follow each other, where they are wide enough to show it; many
    # boxes are drawn as an image inside the SVG (1000 tasks as vectors make a 2 MB file)
    many = len(spans) > 100
    ax.add_collection(PolyCollection(wide, facecolors=colour, alpha=0.18, edgecolors="white", linewidths=0.6,
                                     rasterized=many))
    ax.add_collection(PolyCollection(narrow, facecolors=colour, alpha=0.18, edgecolors="none", rasterized=many))
    ax.add_collection(PolyCollection(fills, facecolors=colour, edgecolors="white" if len(fills) < 200 else "none",
                                     linewidths=0.4, rasterized=many))
    ax.add_collection(PolyCollection(moved, facecolors="none", edgecolors=colour, hatch="////", linewidths=0.4,
                                     rasterized=many))
    others = other_load(samples, spans)
    if samples:   # the other lane's scale: its box is 100% busy
        ax.add_collection(PolyCollection([box(0, wall_ms, lane[c] + 0.62, lane[c] + 0.95) for c in cpus],
                                         facecolors="#f4f4f4", edgecolors="none"))
    ax.add_collection(PolyCollection(
        [box(max(0.0, a) * 1e3, min(wall_ms / 1e3, b) * 1e3, lane[c] + 0.95 - 0.33 * v, lane[c] + 0.95)
         for c, a, b, v in others if v > 0 and a * 1e3 < wall_ms], facecolors=OTHER_COLOUR, edgecolors="none"))
    # the few tasks of a short run are named on their bar, where one row holds them and the name fits
    on_cpu = {}
    for _, sp in placed:
        on_cpu[sp[0]] = on_cpu.get(sp[0], 0) + 1
    for row, (c, s, e, share, mv, t) in placed:
        n_on_cpu = on_cpu[c]
        frac = (e - s) * 1e3 / wall_ms if wall_ms > 0 else 0
        if mv or len(rows_of[c]) > 1 or n_on_cpu > 8 or frac < 0.08:
            continue
        name = f"worker {t['worker']}: task {t['task']}" if frac > 0.22 else f"w{t['worker']} t{t['task']}"
        ax.text((s + e) / 2 * 1e3, lane[c] + 0.3, name, ha="center", va="center", fontsize=6.5,
                color="white" if share > 0.5 else "black")
    for i in range(len(cpus) + 1):
        ax.axhline(i, color="#dddddd", linewidth=0.6)
    step = max(1, len(cpus) // 16)
    ticks, labels = [], []
    for i, c in enumerate(cpus):
        if i % step == 0:
            ticks += [i + 0.3, i + 0.8] if len(cpus) <= 8 else [i + 0.3]
            labels += [f"CPU {c}", "other"] if len(cpus) <= 8 else [f"CPU {c}"]
    ax.set_yticks(ticks)
    ax.set_yticklabels(labels, fontsize=7)
    for lab in ax.get_yticklabels():
        if lab.get_text() == "other":
            lab.set_color(OTHER_COLOUR)
            lab.set_fontsize(6)
    ax.set_ylim(len(cpus), 0)
    ax.set_xlim(0, wall_ms)
    dts = sorted(float(smp["dt_s"]) for smp in samples)
    return dts[len(dts) // 2] if dts else None


def plot_cpu(rs, g, written):
    """Per workload, a figure with one panel per configuration (its first repetition): what each CPU
    did, parbench's own tasks exact from tasks.csv, the rest of the machine from samples.csv."""
    import matplotlib.patches as mpatches
    tasks_of, samples_of = {}, {}
    for t in rs.tasks:
        tasks_of.setdefault(t["run_id"], []).append(t)
    for smp in rs.samples:
        samples_of.setdefault(smp["run_id"], []).append(smp)
    if not tasks_of and not samples_of:
        return
    names = group_names(g)
    for (wl, params), configs in g.items():
        k = names[(wl, params)]
        firsts = [runs[0] for runs in configs.values() if runs[0]["run_id"] in tasks_of or
                  runs[0]["run_id"] in samples_of]
        if not firsts:
            continue
        ncpu = max(len({int(smp["cpu"]) for smp in samples_of.get(r["run_id"], [])} |
                       {int(t["cpu_start"]) for t in tasks_of.get(r["run_id"], []) if t["cpu_start"] != ""})
                   for r in firsts)
        rows, cols = grid(len(firsts), 3)
        panel_h = min(0.9 + 0.55 * ncpu, 9)
        fig, axes = plt.subplots(rows, cols, figsize=(max(5.2 * cols, 7), panel_h * rows + 1.3), squeeze=False)
        intervals = []
        for ax, r in zip(axes.flat, firsts):
            dt = draw_cpu_lanes(ax, r, tasks_of.get(r["run_id"], []), samples_of.get(r["run_id"], []),
                                COLOURS.get(backend_of(r), "#888888"))
            if dt:
                intervals.append(dt)
            ax.set_title(f"{backend_of(r)}  W={r['workers']}   wall {float(r['wall_s']) * 1e3:.1f} ms", fontsize=8)
            ax.set_xlabel("time from the run's start (ms)", fontsize=8)
        for ax in list(axes.flat)[len(firsts):]:
            ax.axis("off")
        dt = sorted(intervals)[len(intervals) // 2] if intervals else None
        fig.suptitle(f"What each CPU did: {title_of(wl, params)}  (first repetition)", fontsize=11)
        grey = "#777777"
        handles = [mpatches.Patch(facecolor=grey, label="parbench's task, filled as high as its CPU share "
                                                         "(tasks.csv: exact)"),
                   mpatches.Patch(facecolor=grey, alpha=0.18, label="the task waited or slept (off the CPU)"),
                   mpatches.Patch(facecolor="none", edgecolor=grey, hatch="////",
                                  label="a task that changed CPU, drawn on both")]
        if dt:
            grain = (f"one 10 ms tick is {TICK_S / dt:.0%} of a {dt * 1e3:.0f} ms interval" if dt >= TICK_S else
                     f"{dt * 1e3:.2g} ms intervals, shorter than the kernel's 10 ms tick: mostly unknown")
            handles.append(mpatches.Patch(facecolor=OTHER_COLOUR, label=(
                f"other: the rest of the machine and parbench's parent (samples.csv busy minus the tasks; {grain})")))
        ncol = 1 if len(firsts) == 1 else 2
        legend_h = 0.16 * ((len(handles) + ncol - 1) // ncol) + 0.05
        fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=7, frameon=False)
        fig.tight_layout(rect=(0, legend_h / fig.get_figheight(), 1, 1))
        save(fig, rs.folder, f"cpu_{k}", written)


def plot_tasks(rs, g, written):
    by_run = {}
    for t in rs.tasks:
        by_run.setdefault(t["run_id"], []).append(t)
    if not by_run:
        return
    names = group_names(g)
    for (wl, params), configs in g.items():
        k = names[(wl, params)]
        firsts = [runs[0] for runs in configs.values() if runs[0]["run_id"] in by_run]
        if not firsts or max(len(by_run[r["run_id"]]) for r in firsts) > 4000:
            continue   # too many tasks to draw one bar each
        rows, cols = grid(len(firsts), 3)
        fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 2.4 * rows + 0.4), squeeze=False)
        for ax, r in zip(axes.flat, firsts):
            ts = [t for t in by_run[r["run_id"]] if t["start_s"] != "" and t["end_s"] != ""]
            colour = COLOURS.get(backend_of(r), "#888888")
            for t in ts:
                s, e = float(t["start_s"]) * 1e3, float(t["end_s"]) * 1e3
                ax.barh(int(t["worker"]), max(e - s, 1e-3), left=s, height=0.7, color=colour, edgecolor="white",
                        linewidth=0.3)
            workers = int(r["workers"])
            ax.set_yticks(range(workers) if workers <= 16 else range(0, workers, max(1, workers // 8)))
            ax.invert_yaxis()
            ax.set_xlim(0, float(r["wall_s"]) * 1e3)
            ax.set_title(f"{backend_of(r)}  W={workers}   {len(ts)} tasks", fontsize=8)
            ax.set_xlabel("time from the run's start (ms)", fontsize=8)
            ax.set_ylabel("worker", fontsize=8)
        for ax in list(axes.flat)[len(firsts):]:
            ax.axis("off")
        fig.suptitle(f"Task timeline per worker: {title_of(wl, params)}  (first repetition)", fontsize=11)
        fig.tight_layout()
        save(fig, rs.folder, f"tasks_{k}", written)


def plot_overhead(rs, written):
    """Bars of microseconds: each pair's parbench side (coloured) under its bare
    baseline of the same shape (grey), with the ratio; the bare system calls
    and the pools' cost per task as they are."""
    rows = rs.bench.get("overhead")
    if not rows:
        return
    cost, ratio = {}, {}
    for r in rows:
        if r["run_type"] != "iteration" or r["error"]:
            continue
        name = r["benchmark"].replace("/real_time", "").replace("/manual_time", "")
        if r["metric"] == "parbench_us":     # a pair: parbench and its bare baseline, per round
            cost[name + " (parbench)"] = float(r["value"])
        elif r["metric"] == "bare_us":
            cost[name + " (bare)"] = float(r["value"])
        elif r["metric"] == "ratio":
            ratio[name + " (parbench)"] = float(r["value"])
        elif r["metric"] == "per_task_us":
            cost[name] = float(r["value"])
        elif r["metric"] == "real_time" and r["unit"] == "us" and name.startswith("bare/"):
            cost[name] = float(r["value"])
    if not cost:
        return
    def order(n):
        pair = n.endswith(")")
        return (not n.startswith("bare/"), not pair, n.rsplit(" (", 1)[0] if pair else cost[n], n.endswith("(parbench)"))
    names = sorted(cost, key=order)

    def colour(n):
        if n.startswith("bare/") or n.endswith("(bare)"):
            return "#999999"
        parts = n.replace(" ", "/").split("/")
        if "process-pool-pipe" in parts:
            return COLOURS["process-pool/pipe"]
        return next((c for b, c in COLOURS.items() if b in parts), "#1f77b4")
    # Linear axes from zero: a bar's length is its value. Pairs are drawn as their ratio (parbench / its
    # bare baseline of the same shape, 1 = as fast as bare); the costs in microseconds in two panels, under
    # and over 10 us, so that neither the atomics nor fork flatten the other.
    pairs = [n for n in names if n in ratio]
    small = [n for n in names if cost[n] < 10]
    large = [n for n in names if cost[n] >= 10]
    panels = [(p, k) for p, k in ((pairs, "ratio"), (small, "small"), (large, "large")) if p]
    heights = [0.32 * len(p) + 0.9 for p, _ in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, sum(heights) + 1.0), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, (ns, kind) in zip(axes[:, 0], panels):
        values = [ratio[n] if kind == "ratio" else cost[n] for n in ns]
        ax.barh(range(len(ns)), values, color=[colour(n) for n in ns])
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:.2f}" + ("x" if kind == "ratio" else " us"), va="center", fontsize=7)
        ax.set_yticks(range(len(ns)))
        ax.set_yticklabels([n.replace(" (parbench)", "") for n in ns], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, max(values) * 1.18)
        ax.grid(axis="x", alpha=0.3)
        if kind == "ratio":
            ax.axvline(1.0, color="k", linestyle="--", linewidth=1)
            ax.set_xlabel("parbench / its bare baseline of the same shape (median of alternating rounds; 1 = as "
                          "fast as bare)", fontsize=8)
        else:
            ax.set_xlabel("microseconds per operation (bare system calls, grey), per task (pool batches) or per "
                          "round" + (" - costs under 10 us" if kind == "small" else " - costs of 10 us and more"),
                          fontsize=8)
    axes[0, 0].set_title("What each execution style costs, next to the bare system calls of its shape", fontsize=11)
    fig.tight_layout()
    save(fig, rs.folder, "overhead", written)


RUNTIME_COLOURS = {b: COLOURS[b] for b in ("thread-pool", "process-pool", "openmp")}
POLICY_STYLES = {"active": "-", "adaptive": "--", "passive": ":"}


def plot_forkjoin(rs, written):
    """EPCC-style overheads (test - reference, per construct) of the pools and
    OpenMP: medians with their 95% intervals, a line per runtime and policy."""
    rows = rs.bench.get("forkjoin")
    if not rows:
        return
    val = {}
    for r in rows:
        if r["run_type"] != "iteration" or r["error"]:
            continue
        parts = r["benchmark"].split("/")
        if parts[0] not in ("PARALLEL", "BARRIER", "FOR") or len(parts) < 5:
            continue
        construct, runtime, policy, w = parts[:4]
        x = int(parts[4]) if construct == "FOR" else int(w)
        val.setdefault((construct, runtime, policy), {}).setdefault(x, {})[r["metric"]] = float(r["value"])
    if not val:
        return
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    panels = (("PARALLEL", "overhead", "W (workers)", "fork-join of W tasks (PARALLEL)", 1e-3),
              ("BARRIER", "overhead", "W (workers)", "BARRIER", 1e-3),
              ("FOR", "per_iteration", "dynamic chunk", "FOR, dynamic chunks: per iteration of a worker", 1))
    for ax, (construct, metric, xlabel, title, scale) in zip(axes, panels):
        unit = "us" if scale == 1e-3 else "ns"
        for (c, runtime, policy), points in sorted(val.items()):
            if c != construct:
                continue
            xs = sorted(x for x in points if points[x].get(metric + "_ns", 0) > 0)
            if not xs:
                continue
            ys = [points[x][metric + "_ns"] * scale for x in xs]
            lo = [max(0.0, y - points[x].get(metric + "_lo_ns", y / scale) * scale) for x, y in zip(xs, ys)]
            hi = [max(0.0, points[x].get(metric + "_hi_ns", y / scale) * scale - y) for x, y in zip(xs, ys)]
            ax.errorbar(xs, ys, yerr=[lo, hi], color=RUNTIME_COLOURS.get(runtime, "#888888"),
                        linestyle=POLICY_STYLES.get(policy, "-"), marker="o", markersize=3, capsize=2,
                        label=f"{runtime} {policy}")
        ax.set_yscale("log")
        if construct == "FOR":
            ax.set_xscale("log", base=2)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"overhead, {unit} (median, 95% interval)")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3, which="both")
    axes[0].legend(fontsize=7, ncol=1)
    fig.suptitle("Overhead over a calibrated delay, EPCC's method (test - reference; log scale: values <= 0 not drawn): pools and "
                 "OpenMP (libgomp) under each wait policy", fontsize=11)
    fig.tight_layout()
    save(fig, rs.folder, "forkjoin", written)


def plot_measures(rs, written):
    """What the demos measured themselves: a panel per demo and unit, a bar
    per value (linear from zero), the value the lesson expects as a mark."""
    if not rs.measures:
        return
    panels = {}
    for m in rs.measures:
        panels.setdefault((m["demo"], m["unit"]), []).append(m)
    keys = list(panels)
    heights = [0.28 * len(panels[k]) + 0.8 for k in keys]
    fig, axes = plt.subplots(len(keys), 1, figsize=(9, sum(heights) + 0.8), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, key in zip(axes[:, 0], keys):
        ms = panels[key]
        values = [float(m["value"]) for m in ms]
        ax.barh(range(len(ms)), [max(v, 0) for v in values], color="#1f77b4")
        for i, m in enumerate(ms):
            if m["expected"] != "":
                e = float(m["expected"])
                ax.plot([e], [i], marker="|", color="k", markersize=12)
            ax.text(max(values[i], 0), i, f" {values[i]:.4g}", va="center", fontsize=7)
        ax.set_yticks(range(len(ms)))
        ax.set_yticklabels([f"{m['case']}: {m['metric']}" for m in ms], fontsize=7)
        ax.invert_yaxis()
        top = max([max(values)] + [float(m["expected"]) for m in ms if m["expected"] != ""])
        ax.set_xlim(0, top * 1.2 if top > 0 else 1)
        ax.set_title(f"{key[0]} ({key[1]})", fontsize=9, loc="left")
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("What the demos measured (black mark: the value the lesson expects)", fontsize=11)
    fig.tight_layout()
    save(fig, rs.folder, "measures", written)


def draw(rs, out):
    """Every picture of the set, in reading order; out as save() takes it."""
    if not rs.runs:   # a demo set with only what the demos measured themselves, or a bench program's output
        plot_measures(rs, out)
        plot_overhead(rs, out)
        plot_forkjoin(rs, out)
        return
    add_backend_colours(rs)
    g = groups(rs)
    plot_wall(rs, g, out)
    plot_speedup(rs, g, out)
    plot_cpu(rs, g, out)
    plot_tasks(rs, g, out)
    plot_overhead(rs, out)
    plot_forkjoin(rs, out)


def newest(root):
    sets = sorted(d for d in os.listdir(root) if d[:1].isdigit() and os.path.isfile(os.path.join(root, d, "runs.csv")))
    if not sets:
        raise ResultSetError(f"{root}: no result set (run `parbench run` first)")
    return os.path.join(root, sets[-1])


def main(argv):
    if "--svg" in argv[1:]:
        FORMATS.append("svg")
        argv = [a for a in argv if a != "--svg"]
    if len(argv) == 3 and argv[1] == "--newest":
        try:
            argv = [argv[0], newest(argv[2])]
        except (ResultSetError, OSError) as e:
            print(f"parbench plot: {e}", file=sys.stderr)
            return 2
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) == 2 else 2
    try:
        rs = ResultSet(argv[1])
    except ResultSetError as e:
        print(f"parbench plot: {e}", file=sys.stderr)
        return 2
    written = []
    draw(rs, written)
    for w in written:
        if w.endswith(".png"):
            print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
