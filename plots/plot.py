#!/usr/bin/python3
"""Pictures of a parbench result set, written next to it as PNG and SVG.

usage: plots/plot.py RESULT_SET
       plots/plot.py --newest ROOT      the newest result set under ROOT

  wall.png          wall time per configuration: median, min-max
  speedup.png       speedup and efficiency against workers, per backend, ideal drawn
  cpu_<n>.png       per-CPU utilisation over time, one heatmap per configuration
                    (first repetition), one figure per workload and parameters
  tasks_<n>.png     which task ran on which worker and when (Gantt), same grouping
  overhead.png      from the bench programs' CSV, when present: cost per task
                    or operation, bare baselines beside the backends

Every image is written whole (to a temporary name, then renamed)."""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resultset import ResultSet, ResultSetError, median  # noqa: E402

BACKENDS = ["serial", "pthread", "fork", "thread-pool", "process-pool", "process-pool/pipe", "mpi"]
COLOURS = {"serial": "#444444", "pthread": "#1f77b4", "fork": "#d62728", "thread-pool": "#2ca02c",
           "process-pool": "#ff7f0e", "process-pool/pipe": "#9467bd", "mpi": "#8c564b"}


def backend_of(r):
    return r["backend"] + ("/pipe" if r.get("ipc") == "pipe" else "")


def save(fig, folder, name, written):
    for ext in ("png", "svg"):
        final = os.path.join(folder, f"{name}.{ext}")
        tmp = os.path.join(folder, f".{name}.{ext}.part")
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format=ext)
        os.replace(tmp, final)
        written.append(final)
    plt.close(fig)


def groups(rs):
    """(workload, params) -> {config_id: runs}, in run order."""
    out = {}
    for cid, runs in rs.configs().items():
        out.setdefault((runs[0]["workload"], runs[0]["params"]), {})[cid] = runs
    return out


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
        for b in BACKENDS:
            if b in lines:
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


def plot_cpu(rs, g, written):
    by_run = {}
    for s in rs.samples:
        by_run.setdefault(s["run_id"], []).append(s)
    if not by_run:
        return
    for k, ((wl, params), configs) in enumerate(g.items(), 1):
        firsts = [runs[0] for runs in configs.values() if runs[0]["run_id"] in by_run]
        if not firsts:
            continue
        rows, cols = grid(len(firsts), 3)
        fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 2.4 * rows + 0.6), squeeze=False)
        image = None
        for ax, r in zip(axes.flat, firsts):
            ss = by_run[r["run_id"]]
            cpus = sorted({int(s["cpu"]) for s in ss})
            times = sorted({float(s["t_s"]) for s in ss})
            col = {t: i for i, t in enumerate(times)}
            row = {c: i for i, c in enumerate(cpus)}
            grid_v = [[float("nan")] * len(times) for _ in cpus]
            for s in ss:
                if s["busy"] != "":
                    grid_v[row[int(s["cpu"])]][col[float(s["t_s"])]] = float(s["busy"])
            t0 = times[0] - float(ss[0]["dt_s"])
            image = ax.imshow(grid_v, aspect="auto", interpolation="nearest", cmap="viridis", vmin=0, vmax=1,
                              extent=[t0 * 1e3, times[-1] * 1e3, len(cpus) - 0.5, -0.5])
            ax.set_yticks(range(len(cpus)))
            ax.set_yticklabels([str(c) for c in cpus], fontsize=7)
            ax.set_title(f"{backend_of(r)}  W={r['workers']}   wall {float(r['wall_s']) * 1e3:.1f} ms", fontsize=8)
            ax.set_xlabel("time from the run's start (ms)", fontsize=8)
            ax.set_ylabel("CPU", fontsize=8)
        for ax in list(axes.flat)[len(firsts):]:
            ax.axis("off")
        fig.suptitle(f"Busy fraction per CPU over time: {title_of(wl, params)}  (first repetition)", fontsize=11)
        fig.tight_layout()
        if image is not None:
            fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, label="busy (user + system)")
        save(fig, rs.folder, f"cpu_{k}", written)


def plot_tasks(rs, g, written):
    by_run = {}
    for t in rs.tasks:
        by_run.setdefault(t["run_id"], []).append(t)
    if not by_run:
        return
    for k, ((wl, params), configs) in enumerate(g.items(), 1):
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
    rows = rs.bench.get("overhead")
    if not rows:
        return
    cost = {}
    for r in rows:
        if r["run_type"] != "iteration" or r["error"]:
            continue
        name = r["benchmark"].replace("/real_time", "").replace("/manual_time", "")
        if r["metric"] == "per_task_us":
            cost[name] = float(r["value"])
        elif r["metric"] == "real_time" and name not in cost and r["unit"] == "us":
            cost[name] = float(r["value"])
    if not cost:
        return
    names = sorted(cost, key=lambda n: (not n.startswith("bare"), cost[n]))
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(names) + 1.4))
    def colour(n):
        if n.startswith("bare"):
            return "#999999"
        if "-pipe/" in n:
            return COLOURS["process-pool/pipe"]
        return next((c for b, c in COLOURS.items() if f"/{b}/" in n), "#1f77b4")
    colours = [colour(n) for n in names]
    ax.barh(range(len(names)), [cost[n] for n in names], color=colours)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("microseconds per task (backends, pools) or per operation (bare, grey)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("What each execution style costs per task, next to the bare system calls", fontsize=11)
    fig.tight_layout()
    save(fig, rs.folder, "overhead", written)


def newest(root):
    sets = sorted(d for d in os.listdir(root) if d[:1].isdigit() and os.path.isfile(os.path.join(root, d, "runs.csv")))
    if not sets:
        raise ResultSetError(f"{root}: no result set (run `parbench run` first)")
    return os.path.join(root, sets[-1])


def main(argv):
    if len(argv) == 3 and argv[1] == "--newest":
        try:
            argv = [argv[0], newest(argv[2])]
        except (ResultSetError, OSError) as e:
            print(f"plot: {e}", file=sys.stderr)
            return 2
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) == 2 else 2
    try:
        rs = ResultSet(argv[1])
    except ResultSetError as e:
        print(f"plot: {e}", file=sys.stderr)
        return 2
    written = []
    g = groups(rs)
    plot_wall(rs, g, written)
    plot_speedup(rs, g, written)
    plot_cpu(rs, g, written)
    plot_tasks(rs, g, written)
    plot_overhead(rs, written)
    for w in written:
        if w.endswith(".png"):
            print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
