#!/usr/bin/python3
"""A result set as a timeline: Chrome's Trace Event Format (JSON), which
Perfetto (ui.perfetto.dev) and chrome://tracing open.

usage: plots/trace_events.py RESULT_SET [--run ID | --config ID] [-o FILE]

  one process per configuration, named as its summary row, in configuration order
    runner       one slice per repetition ("rep N", every runs.csv column of
                 note in its args), inside it the phases spawn, work and join
    worker N     one slice per task ("task I"), args: CPUs at start and end,
                 CPU time, sleep, status, signal, exit status, completion order
    CPU N busy   a counter per CPU: the whole machine's busy fraction from
                 samples.csv (not only parbench's), one value per interval; it
                 keeps its last value through the gaps between repetitions
  A lost or unfinished task (a start, no end) is an instant event at its
  start on its worker's track; a task that never started, an instant event
  at its run's end on the runner track: every row of tasks.csv is one event.

Times are microseconds from the start of the configuration's first
repetition: each run's own offsets (tasks.csv, samples.csv) from its own
start, the repetitions laid one after the other in repetition order (rep 1,
2, ...), a gap of a tenth of the longest repetition between them. Every
configuration starts at 0, so they line up for comparison. Times are kept in
whole nanoseconds (the CSV's resolution) and written with three decimals.

Default output: RESULT_SET/trace.json (trace-run-ID.json, trace-config-ID.json
for a selection); written whole (to a temporary name, then renamed)."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resultset import ResultSet, ResultSetError, config_label  # noqa: E402

PROG = "parbench trace"
GAP_FRACTION = 0.1      # the gap between two repetitions, of the configuration's longest one
TID_STRIDE = 100000     # tids are unique over the whole trace: config_id * TID_STRIDE + 1 + worker


def ns(text):
    """Seconds as written in the CSV (nanosecond decimals) to whole nanoseconds."""
    return int(round(float(text) * 1e9))


def us(n):
    """Whole nanoseconds to the microseconds of the format, three decimals: never in exponent
    notation (json writes a float below 1e-4 as 1e-05, which Perfetto's parser once misread)."""
    return n / 1000 if n else 0


def compact_numbers(params):
    """Large round numbers as typed, as the summary shows them: n=100000000 -> n=1e8,
    250000000 -> 2.5e8 (at least 6 digits, at most 3 before the zeros)."""
    def short(m):
        digits = m.group(0)
        mant = digits.rstrip("0")
        if len(digits) < 6 or not 1 <= len(mant) <= 3:
            return digits
        return f"{mant[0]}{'.' + mant[1:] if len(mant) > 1 else ''}e{len(digits) - 1}"
    return re.sub(r"(?<![0-9A-Za-z.])[0-9]+(?![0-9A-Za-z.])", short, params)


def value(text):
    """A CSV field as a JSON value: a number when it is one (Perfetto can then sort and sum it)."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def process_name(r):
    extra = []
    if r.get("pin", "none") not in ("", "none"):
        extra.append(f"pin {r['pin']}")
    if r.get("gil") == "1":
        extra.append("gil")
    if r.get("oversubscribed") == "1":
        extra.append("oversubscribed")
    ipc = "/pipe" if r.get("ipc") == "pipe" else ""
    name = f"{r['workload']}:{compact_numbers(r['params'])}  {r['backend']}{ipc}  W={r['workers']}"
    return name + (f"  ({', '.join(extra)})" if extra else "")


def select(rs, run=None, config=None):
    """The configurations to trace: config_id -> its runs by repetition. run/config: ids as text."""
    configs = rs.configs()
    if run is not None:
        hit = [r for r in rs.runs if r["run_id"] == run]
        if not hit:
            dead = [r for r in rs.not_run if r["run_id"] == run]
            if dead:
                raise SelectionError(f"--run {run}: that run could not start ({dead[0]['note']}): nothing to trace")
            ids = sorted(int(r["run_id"]) for r in rs.runs)
            raise SelectionError(f"--run {run}: no such run in {rs.folder} (run ids {ids[0]} to {ids[-1]})")
        return {hit[0]["config_id"]: hit}
    if config is not None:
        if config not in configs:
            ids = sorted(int(c) for c in configs)
            raise SelectionError(f"--config {config}: no such configuration in {rs.folder} "
                                 f"(configuration ids {ids[0]} to {ids[-1]})")
        return {config: configs[config]}
    return configs


class SelectionError(Exception):
    pass


def build(rs, selection):
    """The trace of the selected configurations, as a dict ready for json.dump."""
    tasks_of, samples_of, measures_of = {}, {}, {}
    for t in rs.tasks:
        tasks_of.setdefault(t["run_id"], []).append(t)
    for s in rs.samples:
        samples_of.setdefault(s["run_id"], []).append(s)
    for m in rs.measures:
        if m["run_id"]:
            measures_of.setdefault(m["run_id"], []).append(m)
    meta, events = [], []
    for order, (cid, runs) in enumerate(selection.items()):
        pid = int(cid)
        runner = pid * TID_STRIDE
        meta += [{"ph": "M", "name": "process_name", "pid": pid, "args": {"name": process_name(runs[0])}},
                 {"ph": "M", "name": "process_sort_index", "pid": pid, "args": {"sort_index": order}},
                 {"ph": "M", "name": "thread_name", "pid": pid, "tid": runner,
                  "args": {"name": "runner (rep, spawn/work/join)"}},
                 {"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": runner, "args": {"sort_index": -1}}]
        workers = set()
        gap = int(GAP_FRACTION * max(ns(r["wall_s"]) for r in runs))
        offset = 0
        for r in runs:
            wall = ns(r["wall_s"])
            args = {k: value(r[k]) for k in ("run_id", "rep", "round", "position", "started_s", "wall_s", "spawn_s",
                                      "work_s", "join_s", "user_s", "sys_s", "busy_cores", "ideal_s", "ok",
                                      "result", "note", "replaced") if r.get(k, "") != ""}
            for m in measures_of.get(r["run_id"], []):
                args[f"measured: {m['demo']} {m['case']} {m['metric']}"] = (
                    f"{m['value']} {m['unit']}" + (f" (expected {m['expected']})" if m["expected"] else ""))
            events.append({"ph": "X", "cat": "run", "name": f"rep {r['rep']}", "pid": pid, "tid": runner,
                           "ts": us(offset), "dur": us(wall), "args": args})
            t = 0
            for phase in ("spawn", "work", "join"):   # they add up to the wall time; kept inside it
                if r.get(f"{phase}_s", "") == "":
                    continue
                end = min(wall, t + ns(r[f"{phase}_s"]))
                events.append({"ph": "X", "cat": "phase", "name": phase, "pid": pid, "tid": runner,
                               "ts": us(offset + t), "dur": us(end - t)})
                t = end
            for task in tasks_of.get(r["run_id"], []):
                events.append(task_event(task, pid, runner, offset, wall, workers))
            for s in samples_of.get(r["run_id"], []):
                if s["busy"] == "":
                    continue   # no tick fell in the interval: unknown, the previous value stands
                start = max(0, ns(s["t_s"]) - ns(s["dt_s"]))
                events.append({"ph": "C", "name": f"CPU {s['cpu']} busy (whole machine)", "pid": pid,
                               "ts": us(offset + start), "args": {"busy": float(s["busy"])}})
            offset += wall + gap
        for w in sorted(workers):
            tid = runner + 1 + w
            meta += [{"ph": "M", "name": "thread_name", "pid": pid, "tid": tid, "args": {"name": f"worker {w}"}},
                     {"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid, "args": {"sort_index": w}}]
    events.sort(key=lambda e: (e["pid"], e["ts"], -e.get("dur", 0)))   # a slice before the ones it holds
    unplaced = [f"{m['demo']} {m['case']} {m['metric']} = {m['value']} {m['unit']}"
                for m in rs.measures if not m["run_id"]]
    other = {"result_set": os.path.basename(os.path.normpath(rs.folder)),
             "layout": "microseconds from each configuration's first repetition; repetitions one after the "
                       f"other, {GAP_FRACTION:g} of the longest repetition apart; tasks.csv and samples.csv "
                       "offsets are from each run's own start",
             "machine": rs.machine}
    if unplaced:
        other["measured by the demos, not on the timeline"] = unplaced
    if rs.not_run:
        other["could not start"] = [f"{config_label(r)}: {r['note']}" for r in rs.not_run]
    return {"traceEvents": meta + events, "displayTimeUnit": "ms", "otherData": other}


def task_event(t, pid, runner, offset, wall, workers):
    """One row of tasks.csv as one event: a complete event when it has a start and an end."""
    args = {k: value(t[k]) for k in ("run_id", "task", "worker", "seq", "cpu_start", "cpu_end", "cpu_s", "sleep_s",
                              "status", "signal", "exit_status") if t.get(k, "") != ""}
    name = f"task {t['task']}"
    if t["worker"] == "" or t["start_s"] == "":
        return {"ph": "i", "s": "t", "cat": "task", "name": f"{name} never started", "pid": pid, "tid": runner,
                "ts": us(offset + wall), "args": args}
    w = int(t["worker"])
    workers.add(w)
    tid = runner + 1 + w
    start = ns(t["start_s"])
    if t["end_s"] == "":
        why = f" (signal {t['signal']})" if t.get("signal") else ""
        return {"ph": "i", "s": "t", "cat": "task", "name": f"{name} {t['status']}{why}", "pid": pid, "tid": tid,
                "ts": us(offset + start), "args": args}
    return {"ph": "X", "cat": "task", "name": name, "pid": pid, "tid": tid, "ts": us(offset + start),
            "dur": us(ns(t["end_s"]) - start), "args": args}


def write(trace, path):
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), "." + os.path.basename(path) + ".part")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            # dumps, not dump: dump streams through the pure-Python encoder (30 s for 200000 tasks), dumps
            # takes the C one (a few seconds)
            f.write(json.dumps(trace, separators=(",", ":")))
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def default_path(folder, run=None, config=None):
    if run is not None:
        return os.path.join(folder, f"trace-run-{run}.json")
    if config is not None:
        return os.path.join(folder, f"trace-config-{config}.json")
    return os.path.join(folder, "trace.json")


def write_set_trace(rs, path=None, run=None, config=None):
    """Trace a result set (or one run or configuration of it) into path; returns (path, task events)."""
    trace = build(rs, select(rs, run, config))
    path = path or default_path(rs.folder, run, config)
    write(trace, path)
    return path, sum(1 for e in trace["traceEvents"] if e.get("cat") == "task")


def parse(argv):
    """(set, run, config, out) from the arguments, or SelectionError naming the one that is wrong."""
    folder = run = config = out = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--run", "--config", "-o", "--output"):
            if i + 1 >= len(argv):
                raise SelectionError(f"{a} needs a value")
            v = argv[i + 1]
            if a in ("--run", "--config"):
                if not v.isdigit() or int(v) < 1:
                    raise SelectionError(f"{a}: '{v}' is not an id (a whole number from 1)")
                v = str(int(v))
                if a == "--run":
                    run = v
                else:
                    config = v
            else:
                out = v
            i += 2
        elif a.startswith("-"):
            raise SelectionError(f"unknown option '{a}'")
        elif folder is None:
            folder = a
            i += 1
        else:
            raise SelectionError(f"unexpected argument '{a}'")
    if folder is None:
        raise SelectionError("expected RESULT_SET")
    if run is not None and config is not None:
        raise SelectionError("--run and --config cannot be combined (a run belongs to one configuration)")
    return folder, run, config, out


def main(argv):
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    folder = None
    try:
        folder, run, config, out = parse(argv[1:])
        rs = ResultSet(folder)
        path, n = write_set_trace(rs, out, run, config)
    except (ResultSetError, SelectionError) as e:
        hint = ""
        if folder and "no run recorded" in str(e) and os.path.isfile(os.path.join(folder, "measures.csv")):
            hint = " (the demos measured their numbers themselves, with no timeline: see measures.csv)"
        print(f"{PROG}: {e}{hint}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{PROG}: cannot write the trace: {e}", file=sys.stderr)
        return 1
    print(f"{path}: {n} tasks; open it in Perfetto (ui.perfetto.dev: Open trace file) or chrome://tracing")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
