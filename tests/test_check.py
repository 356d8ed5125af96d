"""parbench check: a whole set passes; each kind of damage is named with its
file and line (exit 1); a run cut short before its row is a warning. Then
several parbench commands writing result sets at once: every set is whole."""
import csv
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, report

PARBENCH = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="pb-check-")


def parbench(*args, timeout=120):
    return subprocess.run([PARBENCH, *args], capture_output=True, text=True, timeout=timeout)


def expected_runs(folder, reps):
    """What parbench check must count, from the set itself: its configurations (-b all: whatever
    backends this build runs, each at the worker counts it takes) times the repetitions, read with
    Python's csv module rather than parbench's reader."""
    with open(os.path.join(folder, "runs.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    configs = {r["config_id"] for r in rows}
    check(len(rows) == reps * len(configs) and len(configs) >= 9,   # serial once, 4 backends at W = 1 and 2
          f"{folder}: {len(rows)} rows for {len(configs)} configurations x {reps} repetitions")
    return len(rows)


good = os.path.join(tmp, "good")
p = parbench("run", "-q", "-w", "counter:n=1e5,tasks=8", "-b", "all", "-n", "1,2", "-r", "2", "--out", good)
check(p.returncode == 0, f"making the set: {p.stderr}")
RUNS = expected_runs(good, 2)
p = parbench("check", good)
check(p.returncode == 0 and f"whole: {RUNS} runs (0 not ok), {8 * RUNS} tasks" in p.stdout,
      f"a whole set: {p.stdout} {p.stderr}")


def damaged(name, edit, want, status=1):
    d = os.path.join(tmp, name)
    shutil.copytree(good, d)
    edit(d)
    p = parbench("check", d)
    out = p.stdout + p.stderr
    check(p.returncode == status and want in out, f"{name}: exit {p.returncode}, want {status} and {want!r}: {out}")


def rewrite(path, fn):
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(fn(data))


def lines(d, name):
    return os.path.join(d, name)


damaged("truncated", lambda d: rewrite(lines(d, "runs.csv"), lambda b: b[:-7]), "runs.csv: truncated")
with open(os.path.join(good, "tasks.csv"), encoding="utf-8") as f:
    task_columns = len(f.readline().rstrip("\r\n").split(","))   # the schema only ever adds columns
damaged("torn-row", lambda d: rewrite(lines(d, "tasks.csv"), lambda b: b + b"1,1,1,0,0\r\n"),
        f"tasks.csv: line {8 * RUNS + 2}: 5 fields, the header has {task_columns}")
damaged("lost-task", lambda d: rewrite(lines(d, "tasks.csv"), lambda b: b"\r\n".join(b.split(b"\r\n")[:-2]) + b"\r\n"),
        f"run {RUNS}: runs.csv says 8 tasks, tasks.csv has 7")
# the first serial row's line, wherever the (interleaved) order put it
with open(os.path.join(good, "runs.csv"), "rb") as f:
    serial_line = next(i for i, row in enumerate(f.read().split(b"\r\n"), 1) if b",serial," in row)
damaged("bad-value", lambda d: rewrite(lines(d, "runs.csv"), lambda b: b.replace(b",serial,", b",serial,x", 1)),
        f"runs.csv: line {serial_line}: workers='x1' is not a whole number from 1")
damaged("bad-quote", lambda d: rewrite(lines(d, "samples.csv"), lambda b: b.replace(b"\r\n1,", b"\r\n\"1,", 1)),
        "samples.csv: line")
damaged("no-machine", lambda d: os.remove(lines(d, "machine.csv")), "machine.csv: missing")
damaged("no-runs", lambda d: os.remove(lines(d, "runs.csv")), "runs.csv: missing", status=2)
# the last run's row never written (the process died between its tasks and its row): readable, with a warning
damaged("cut-short", lambda d: rewrite(lines(d, "runs.csv"), lambda b: b"\r\n".join(b.split(b"\r\n")[:-2]) + b"\r\n"),
        f"warning: tasks.csv holds tasks of run {RUNS}, which runs.csv does not have", status=0)
p = parbench("check", os.path.join(tmp, "nowhere"))
check(p.returncode == 2 and "not a folder" in p.stderr, f"no folder: {p.stderr}")

# several commands at once, each writing its own set: every one whole, none mixed
sets = [os.path.join(tmp, f"together{k}") for k in range(4)]
procs = [subprocess.Popen([PARBENCH, "run", "-q", "-w", "sleep-square:tasks=6,min_ms=1,max_ms=3", "-b", "all", "-n",
                           "1,3", "-r", "3", "--out", s], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
         for s in sets]
for s, pr in zip(sets, procs):
    out, err = pr.communicate(timeout=120)
    check(pr.returncode == 0, f"{s}: {err}")
    p = parbench("check", s)
    runs = expected_runs(s, 3)
    check(p.returncode == 0 and f"whole: {runs} runs (0 not ok), {6 * runs} tasks" in p.stdout,
          f"{s}: {p.stdout} {p.stderr}")

shutil.rmtree(tmp, ignore_errors=True)
report("check")
