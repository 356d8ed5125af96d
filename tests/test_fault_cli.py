"""Faults seen from the command line: a crash in a thread ends parbench
loudly with the finished rows intact; a hung thread is reported and ends the
command; process faults are recorded and the command goes on; and when the
parent is killed, no worker of any process backend survives it."""
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

from checks import check, report

PARBENCH = sys.argv[1]


def processes_with(token):
    """pids of live processes whose environment holds token (zombies have none)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if token.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def rows(out):
    with open(os.path.join(out, "runs.csv"), newline="") as f:
        return list(csv.DictReader(f))


def run(args, tmp, timeout=60):
    token = "PB_TEST_TOKEN=" + uuid.uuid4().hex
    env = dict(os.environ, PB_TEST_TOKEN=token.split("=")[1])
    out = os.path.join(tmp, uuid.uuid4().hex)
    p = subprocess.run([PARBENCH, "run", "--out", out, "-r", "2", "--warmup", "0"] + args,
                       capture_output=True, text=True, timeout=timeout, env=env)
    time.sleep(0.05)
    check(processes_with(token) == [], f"{args}: processes left behind")
    return p, out


# the openmp backend, when this build has it (`parbench list` says why not)
OPENMP = ("openmp",) if "NOT AVAILABLE" not in subprocess.run([PARBENCH, "list"], capture_output=True,
                                                                text=True).stdout else ()

with tempfile.TemporaryDirectory() as tmp:
    good = "counter:n=1000,tasks=4"
    # A crash in a thread (or in serial, parbench itself) ends the process by
    # the same signal, after one clear message; finished rows stay.
    for backend in ("serial", "pthread", "thread-pool") + OPENMP:
        for kind, sig in (("segv", signal.SIGSEGV), ("abort", signal.SIGABRT)):
            p, out = run(["-w", good, "-w", f"counter:n=1000,tasks=4,fault={kind}@2", "-b", backend, "-n", "2"], tmp)
            what = f"{backend} {kind}"
            check(p.returncode == -sig, f"{what}: exit {p.returncode}, expected death by signal {sig}")
            check("so parbench stops here" in p.stderr and out in p.stderr, f"{what}: stderr {p.stderr!r}")
            r = rows(out)
            check(len(r) == 2 and all(x["ok"] == "1" for x in r), f"{what}: finished rows {r}")
    # A hung thread: reported with the run recorded, and the command ends with 1.
    for backend in ("pthread", "thread-pool") + OPENMP:
        p, out = run(["-w", "counter:n=1000,tasks=4,fault=hang@1", "-w", good, "-b", backend, "-n", "2",
                      "--task-timeout", "0.2"], tmp)
        check(p.returncode == 1, f"{backend} hang: exit {p.returncode}")
        check("cannot be stopped" in p.stderr and "stopping here" in p.stderr, f"{backend} hang: {p.stderr!r}")
        r = rows(out)
        check(len(r) == 1 and r[0]["ok"] == "0" and "--task-timeout" in r[0]["note"], f"{backend} hang rows {r}")
    # A task that ends its OpenMP thread: reported, the team replaced, the next configuration runs.
    for backend in OPENMP:
        p, out = run(["-w", "counter:n=1000,tasks=4,fault=exit@1", "-w", good, "-b", backend, "-n", "2"], tmp)
        check(p.returncode == 1, f"{backend} exit: exit {p.returncode} {p.stderr}")
        r = rows(out)
        check([x["ok"] for x in r] == ["0", "0", "1", "1"] and all("ended its thread" in x["note"] for x in r[:2])
              and all(x["replaced"] == "1" for x in r[:2]), f"{backend} exit: rows {r}")
    # Processes contain every fault: all repetitions recorded with ok=0, the
    # next configuration still runs, and the command exits 1.
    for backend, ipc in (("fork", "arena"), ("process-pool", "arena"), ("process-pool", "pipe")):
        for kind in ("segv", "abort", "exit", "hang"):
            p, out = run(["-w", f"counter:n=1000,tasks=4,fault={kind}@1", "-w", good, "-b", backend,
                          "--ipc", ipc, "-n", "2", "--task-timeout", "0.2"], tmp)
            what = f"{backend}/{ipc} {kind}"
            check(p.returncode == 1, f"{what}: exit {p.returncode} {p.stderr}")
            r = rows(out)
            check(len(r) == 4, f"{what}: {len(r)} rows")
            check([x["ok"] for x in r] == ["0", "0", "1", "1"], f"{what}: ok column {[x['ok'] for x in r]}")
            check(all("task 1" in x["note"] for x in r[:2]), f"{what}: notes {[x['note'] for x in r[:2]]}")
            if backend == "process-pool":
                check(all(x["replaced"] == "1" for x in r[:2]), f"{what}: replaced {[x['replaced'] for x in r]}")

    # The parent killed outright: its workers follow it (PR_SET_PDEATHSIG).
    for backend, ipc in (("fork", "arena"), ("process-pool", "arena"), ("process-pool", "pipe")):
        token = uuid.uuid4().hex
        env = dict(os.environ, PB_TEST_TOKEN=token)
        proc = subprocess.Popen([PARBENCH, "run", "-q", "--out", os.path.join(tmp, token), "-w",
                                 "counter:n=1000,tasks=3,fault=hang@0", "-b", backend, "--ipc", ipc, "-n", "3"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # the parent and its hung worker; a pool's idle workers too
        want = 2 if backend == "fork" else 4
        deadline = time.time() + 10
        while len(processes_with(token)) < want and time.time() < deadline:
            time.sleep(0.02)
        check(len(processes_with(token)) >= want, f"{backend}/{ipc}: workers never started")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.time() + 2
        while processes_with(token) and time.time() < deadline:
            time.sleep(0.02)
        check(processes_with(token) == [], f"{backend}/{ipc}: workers outlived a killed parent")

report("fault_cli")
