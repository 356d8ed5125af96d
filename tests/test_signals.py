"""Interrupts and refused workers, from the command line.

Ctrl-C (SIGINT to the whole process group, as a terminal sends it) or
SIGTERM (to parbench alone) during every backend, also while a worker hangs:
exit 130 or 143, the summary of what finished, every finished repetition
kept as valid CSV with its tasks, and no process of the run left behind (none
in its session: not in its process group, not reparented). Workers refused
part way: tests/test_nproc.py."""
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from checks import check, report

PARBENCH = sys.argv[1]


def table(path):
    """Rows of a CSV file, checked whole: every row has the header's fields."""
    with open(path, newline="", encoding="utf-8") as f:
        raw = f.read()
    check(raw == "" or raw.endswith("\r\n"), f"{path}: ends with a whole row")
    rows = list(csv.reader(raw.splitlines()))
    check(rows and all(len(r) == len(rows[0]) for r in rows), f"{path}: a row with the wrong number of fields")
    return [dict(zip(rows[0], r)) for r in rows[1:]] if rows else []


def session_members(sid):
    """pids of the processes in session sid (parbench started its own)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid:   # state ppid pgrp session
                found.append(int(pid))
        except (OSError, IndexError, ValueError):
            pass
    return found


def data_rows(path):
    try:
        with open(path, encoding="utf-8") as f:
            return max(0, sum(1 for _ in f) - 1)
    except OSError:
        return 0


tmp = tempfile.mkdtemp(prefix="pb-signals-")

# backend, workload, how the signal comes, expected exit status
CASES = [
    ("serial", "sleep-square:tasks=4,min_ms=10,max_ms=20", "ctrl-c"),
    ("pthread", "sleep-square:tasks=4,min_ms=10,max_ms=20", "term"),
    ("fork", "sleep-square:tasks=4,min_ms=10,max_ms=20", "ctrl-c"),
    ("thread-pool", "counter:n=2e6,tasks=8", "ctrl-c"),
    ("process-pool", "counter:n=2e6,tasks=8", "term"),
    ("process-pool", "sleep-square:tasks=4,min_ms=10,max_ms=20", "ctrl-c"),
    # a worker hangs (no --task-timeout): the interrupt is the only way out
    ("fork", "counter:n=1000,tasks=4,fault=hang@3", "term"),
    ("pthread", "counter:n=1000,tasks=4,fault=hang@3", "ctrl-c"),
    ("process-pool", "counter:n=1000,tasks=4,fault=hang@3", "ctrl-c"),
]
if "NOT AVAILABLE" not in subprocess.run([PARBENCH, "list"], capture_output=True, text=True).stdout:
    CASES += [("openmp", "sleep-square:tasks=4,min_ms=10,max_ms=20", "term"),
              ("openmp", "counter:n=1000,tasks=4,fault=hang@3", "ctrl-c")]
for k, (backend, workload, how) in enumerate(CASES):
    what = f"{backend} {workload} {how}"
    out = os.path.join(tmp, f"set{k}")
    hangs = "hang@" in workload
    # the hang case first runs the same workload without the fault, 3 repetitions that finish, then the
    # hung one: the finished rows must survive the interrupt
    before = ["-w", workload.replace(",fault=hang@3", ""), "-r", "3"] if hangs else ["-r", "1000"]
    proc = subprocess.Popen([PARBENCH, "run"] + before + ["-w", workload, "-b", backend, "-n", "4",
                             "--warmup", "0", "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.time() + 30
    if hangs:   # wait until the finished runs are written and the workers are in (one of them for good)
        while (data_rows(os.path.join(out, "runs.csv")) < 3
               or len(session_members(proc.pid)) < (2 if backend in ("fork", "process-pool") else 1)) \
                and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)
    else:       # a few repetitions finished, then interrupt one in flight
        while data_rows(os.path.join(out, "runs.csv")) < 3 and time.time() < deadline:
            time.sleep(0.01)
    sig = signal.SIGINT if how == "ctrl-c" else signal.SIGTERM
    if how == "ctrl-c":
        os.killpg(proc.pid, sig)     # as a terminal does: parent and workers alike
    else:
        proc.send_signal(sig)        # as `kill` does: the parent alone
    try:
        stdout, stderr = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        check(False, f"{what}: did not end within 20 s of {sig.name}")
    check(proc.returncode == 128 + sig, f"{what}: exit {proc.returncode}, want {128 + sig}: {stderr[-400:]}")
    check(f"interrupted by {sig.name}" in stderr, f"{what}: no message: {stderr[-400:]}")
    check("interrupted" in stdout and f"result set: {out}" in stdout, f"{what}: no summary: {stdout[-400:]}")
    deadline = time.time() + 2
    while session_members(proc.pid) and time.time() < deadline:
        time.sleep(0.02)
    check(session_members(proc.pid) == [], f"{what}: processes left: {session_members(proc.pid)}")
    runs = table(os.path.join(out, "runs.csv"))
    tasks = table(os.path.join(out, "tasks.csv"))
    table(os.path.join(out, "samples.csv"))
    if hangs:
        check(len(runs) == 3 and all(r["ok"] == "1" and "fault" not in r["params"] for r in runs),
              f"{what}: the 3 finished runs kept, the hung one not written: {[(r['params'], r['ok']) for r in runs]}")
    else:
        check(len(runs) >= 3 and all(r["ok"] == "1" for r in runs), f"{what}: {len(runs)} rows kept, all ok")
        kept = f"({len(runs)} finished repetitions kept)"
        check(kept in stdout, f"{what}: the summary says what was kept: want {kept!r} in {stdout[-300:]}")
    chk = subprocess.run([PARBENCH, "check", out], capture_output=True, text=True, timeout=60)
    check(chk.returncode == 0 and "whole" in chk.stdout, f"{what}: parbench check: {chk.stdout} {chk.stderr}")
    per_run = {}
    for t in tasks:
        per_run[t["run_id"]] = per_run.get(t["run_id"], 0) + 1
    check(all(per_run.get(r["run_id"]) == int(r["tasks"]) for r in runs), f"{what}: a kept run without all its tasks")

# A demo ended from outside at any point leaves none of its own children behind.
for delay in (0.3, 0.8, 1.5):
    proc = subprocess.Popen([PARBENCH, "demo", "--all", "--quick"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    deadline = time.time() + 2
    while session_members(proc.pid) and time.time() < deadline:
        time.sleep(0.02)
    check(session_members(proc.pid) == [], f"demo ended after {delay} s: processes left: {session_members(proc.pid)}")

shutil.rmtree(tmp, ignore_errors=True)
report("signals")
