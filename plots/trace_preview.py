#!/usr/bin/python3
"""A picture of a trace.json's tracks, drawn from the JSON alone, laid out as
Perfetto shows them: a group per process (configuration), its runner track
(repetitions, with spawn, work and join under them), a track per worker with
its tasks, and a counter track per CPU. For the README and for a look at a
trace where no browser can open Perfetto; not a replacement for it.

usage: plots/trace_preview.py TRACE_JSON OUT_PNG [--process ID,...] [--until MS]

  --process  only these processes (pids: the configuration ids)
  --until    the time axis ends here (milliseconds)"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

TASK = "#4e79a7"
PHASE = {"spawn": "#f28e2b", "work": "#59a14f", "join": "#e15759"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["traceEvents"]


def tracks(events, pids):
    """[(pid, process name, [(track label, kind, key)])] in the trace's process order."""
    names, order, threads, tsort = {}, {}, {}, {}
    for e in events:
        if e["ph"] != "M":
            continue
        if e["name"] == "process_name":
            names[e["pid"]] = e["args"]["name"]
        elif e["name"] == "process_sort_index":
            order[e["pid"]] = e["args"]["sort_index"]
        elif e["name"] == "thread_name":
            threads[(e["pid"], e["tid"])] = e["args"]["name"]
        elif e["name"] == "thread_sort_index":
            tsort[(e["pid"], e["tid"])] = e["args"]["sort_index"]
    counters = sorted({(e["pid"], e["name"]) for e in events if e["ph"] == "C"})
    out = []
    for pid in sorted(names, key=lambda p: order.get(p, p)):
        if pids and pid not in pids:
            continue
        rows = [(threads[k], "thread", k) for k in sorted((k for k in threads if k[0] == pid),
                                                          key=lambda k: tsort.get(k, k[1]))]
        rows += [(name, "counter", (pid, name)) for p, name in counters if p == pid]
        out.append((pid, names[pid], rows))
    return out


def draw(events, out, pids=(), until_ms=None):
    groups = tracks(events, set(pids))
    nrows = sum(len(rows) + 1 for _, _, rows in groups)
    fig, ax = plt.subplots(figsize=(12, 0.32 * nrows + 0.9))
    y, labels, ticks = 0, [], []
    boxes, colours, marks = [], [], []
    t_max = 0.0
    for pid, pname, rows in groups:
        ax.text(0, y + 0.5, pname, fontsize=8.5, fontweight="bold", va="center", transform=ax.get_yaxis_transform())
        y += 1
        for label, kind, key in rows:
            ticks.append(y + 0.5)
            labels.append(label.replace(" (rep, spawn/work/join)", "").replace(" busy (whole machine)", " busy"))
            if kind == "thread":
                for e in events:
                    if (e.get("pid"), e.get("tid")) != key or e["ph"] not in ("X", "i"):
                        continue
                    t0 = e["ts"] / 1e3
                    if e["ph"] == "i":
                        marks.append((t0, y + 0.5))
                        continue
                    t1 = t0 + e["dur"] / 1e3
                    t_max = max(t_max, t1)
                    top, bottom = (y + 0.1, y + 0.5) if e.get("cat") == "run" else (y + 0.5, y + 0.9)
                    if e.get("cat") == "task":
                        top, bottom = y + 0.15, y + 0.85
                    boxes.append([(t0, top), (t1, top), (t1, bottom), (t0, bottom)])
                    colours.append("#bbbbbb" if e.get("cat") == "run" else PHASE.get(e["name"], TASK))
            else:
                pts = sorted((e["ts"] / 1e3, e["args"]["busy"]) for e in events
                             if e["ph"] == "C" and (e["pid"], e["name"]) == key)
                if pts:
                    xs = [p[0] for p in pts] + [max(t_max, pts[-1][0])]
                    vs = [p[1] for p in pts]
                    ax.stairs([y + 0.9 - 0.8 * v for v in vs], xs, baseline=y + 0.9, fill=True, color="#9c755f",
                              alpha=0.7)
            y += 1
    ax.add_collection(PolyCollection(boxes, facecolors=colours, edgecolors="white", linewidths=0.5))
    if marks:
        ax.plot([m[0] for m in marks], [m[1] for m in marks], "v", color="#e15759", markersize=5)
    ax.set_yticks(ticks)
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_ylim(y, 0)
    ax.set_xlim(0, until_ms or t_max * 1.01)
    ax.set_xlabel("time (ms): each configuration's repetitions one after the other", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("trace.json's tracks as Perfetto lays them out (drawn from the JSON by plots/trace_preview.py)",
                 fontsize=10)
    fig.tight_layout()
    tmp = os.path.join(os.path.dirname(os.path.abspath(out)), "." + os.path.basename(out) + ".part")
    fig.savefig(tmp, dpi=100, format="png")
    os.replace(tmp, out)
    plt.close(fig)


def main(argv):
    args = argv[1:]
    if len(args) < 2 or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args and args[0] in ("-h", "--help") else 2
    pids, until = (), None
    rest = args[2:]
    while rest:
        if rest[0] == "--process" and len(rest) > 1:
            pids = tuple(int(p) for p in rest[1].split(","))
        elif rest[0] == "--until" and len(rest) > 1:
            until = float(rest[1])
        else:
            print(f"trace_preview: unexpected argument '{rest[0]}'", file=sys.stderr)
            return 2
        rest = rest[2:]
    draw(load(args[0]), args[1], pids, until)
    print(args[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
