"""The mpi backend from the command line, with Open MPI's mpirun.

- Unavailable: a parbench without its rank program lists mpi as unavailable
  with the reason, refuses `-b mpi` (exit 2, the reason) and leaves it out
  of `-b all`.
- Every workload verified under 2 and 3 ranks (3 oversubscribes a 2-PU
  machine and is flagged), in static blocks and in chunks from rank 0's
  queue: the same result as serial, hosts in runs.csv and tasks.csv, task
  times inside their run, `parbench check` whole; --pin; --verbose prints the
  launch command; machine.csv records it.
- Faults: a rank that crashes (segv, abort), exits or hangs past
  --task-timeout ends its job: the run is recorded ok=0 naming the rank, its
  host and the signal or status; the next configuration runs; nothing left.
- Ctrl-C and SIGTERM end the job and keep the finished rows; SIGKILL of
  parbench leaves no launcher, daemon or rank.
- Several hosts on one machine: an Open MPI hostfile naming 127.0.0.2 and
  127.0.0.3 (loopback addresses that Open MPI does not take for this
  host), and a launcher agent (plm_rsh_agent) that starts the "remote"
  daemon here, in a UTS namespace named after the host (unshare --uts: root
  only), so every rank on it reports that host name. Ranks then reach
  parbench over TCP on its real address, their times are put on parbench's
  clock through the start barrier, and each host's own sampler fills
  samples.csv.

Leftovers are found by an environment token every process of a run
inherits (the launcher passes the environment to its ranks and daemons),
and by the session parbench was started in."""
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

from checks import check, report

PARBENCH, SOURCE = sys.argv[1], sys.argv[2]
PART = sys.argv[3] if len(sys.argv) > 3 else "one-host"   # or "hosts": the several-hosts part alone
HOST = socket.gethostname()


def table(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def machine(out):
    return {r["key"]: r["value"] for r in table(os.path.join(out, "machine.csv"))}


def with_token(token):
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


def session_members(sid):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid:
                found.append(int(pid))
        except (OSError, IndexError, ValueError):
            pass
    return found


def gone(token, sid=None, within=5.0):
    """Wait until no process of the run is left. Zombies of ranks whose
    launcher was killed are reaped by init, which here takes about 1.3 s:
    hence the 5 s."""
    deadline = time.time() + within
    while time.time() < deadline:
        if not with_token(token) and (sid is None or not session_members(sid)):
            return True
        time.sleep(0.02)
    return False


def run(args, tmp, timeout=180, env_extra=None):
    token = uuid.uuid4().hex
    env = dict(os.environ, PB_TEST_TOKEN=token, **(env_extra or {}))
    out = os.path.join(tmp, token)
    p = subprocess.run([PARBENCH, "run", "--out", out] + args, capture_output=True, text=True, timeout=timeout,
                       env=env)
    check(gone(token), f"{args}: processes left behind: {with_token(token)}")
    return p, out


def whole(out, what):
    p = subprocess.run([PARBENCH, "check", out], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and "whole" in p.stdout, f"{what}: parbench check: {p.stdout} {p.stderr}")


tmp = tempfile.mkdtemp(prefix="pb-mpi-")
GOOD = "counter:n=1000,tasks=4"


def several_hosts():
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or not unshare:
        print("mpi_hosts: SKIP: needs root (unshare --uts) and unshare")
        sys.exit(77)
    agent = os.path.join(tmp, "agent")
    with open(agent, "w") as f:
        # ssh's place: `agent HOST COMMAND...` runs COMMAND here, its host name HOST
        f.write('#!/bin/sh\nhost=$1; shift\n'
                f'exec {unshare} --uts /bin/sh -c \'hostname "$0" && exec /bin/sh -c "$*"\' "$host" "$@"\n')
    os.chmod(agent, 0o755)
    hostfile = os.path.join(tmp, "hosts")
    with open(hostfile, "w") as f:
        f.write("127.0.0.2 slots=2\n127.0.0.3 slots=2\n")
    launcher = ["--hosts", hostfile, "--mpirun", f"mpirun --mca plm_rsh_agent {agent}"]
    for chunk in ([], ["--chunk", "2"]):
        what = "hosts" + (" chunked" if chunk else "")
        p, out = run(["-w", "counter:n=2e6,tasks=6", "-w", "map:len=1e5,fn=sqrt", "-b", "serial,mpi", "-n", "3", "-r",
                      "2", "--warmup", "0", "--sample-hz", "200"] + launcher + chunk, tmp)
        check(p.returncode == 0, f"{what}: exit {p.returncode}: {p.stderr[-800:]}")
        runs = table(os.path.join(out, "runs.csv"))
        serial = {r["params"]: r["result"] for r in runs if r["backend"] == "serial"}
        mpi = [r for r in runs if r["backend"] == "mpi"]
        check(len(mpi) == 4 and all(r["ok"] == "1" and r["result"] == serial[r["params"]] for r in mpi),
              f"{what}: {[(r['ok'], r['result'], r['note']) for r in mpi]}")
        check(all(r["hosts"] == "127.0.0.2 127.0.0.3" for r in mpi), f"{what}: hosts {[r['hosts'] for r in mpi]}")
        ids = {r["run_id"]: float(r["wall_s"]) for r in mpi}
        tasks = [t for t in table(os.path.join(out, "tasks.csv")) if t["run_id"] in ids]
        # by slot: ranks 0 and 1 on the first host, rank 2 on the second
        check(all(t["host"] == ("127.0.0.3" if t["worker"] == "2" else "127.0.0.2") for t in tasks),
              f"{what}: task hosts {sorted({(t['worker'], t['host']) for t in tasks})}")
        # put on parbench's clock through the start barrier: inside the run. 1 ms: the gate's skew, measured
        # by bench/overhead at 0.5-1 us pinned and 25-35 us unpinned (median, 90th percentile; 3 ranks here,
        # oversubscribed on 2 PUs, add a time slice's yield), so 1 ms is the skew's scale, not a task's
        check(all(-1e-3 <= float(t["start_s"]) <= float(t["end_s"]) <= ids[t["run_id"]] + 1e-3 for t in tasks),
              f"{what}: task times off the run: {[(t['start_s'], t['end_s']) for t in tasks][:6]}")
        samples = [s for s in table(os.path.join(out, "samples.csv")) if s["run_id"] in ids]
        hosts = {s["host"] for s in samples}
        check(hosts == {HOST, "127.0.0.2", "127.0.0.3"}, f"{what}: samples from {hosts}")
        whole(out, what)
    p, out = run(["-w", "counter:n=1000,tasks=3,fault=segv@2", "-w", GOOD, "-b", "mpi", "-n", "3", "-r", "1",
                  "--warmup", "0"] + launcher, tmp)
    r = table(os.path.join(out, "runs.csv"))
    check(p.returncode == 1 and [x["ok"] for x in r] == ["0", "1"] and "rank 2 on 127.0.0.3 was killed by signal 11"
          in r[0]["note"], f"hosts segv: exit {p.returncode}: {[(x['ok'], x['note']) for x in r]}")
    shutil.rmtree(tmp, ignore_errors=True)
    report("mpi_hosts")


# ---- without the rank program: unavailable, said so, refused ---------------
lonely = os.path.join(tmp, "lonely")
os.mkdir(lonely)
shutil.copy(PARBENCH, os.path.join(lonely, "parbench"))
bare_env = {k: v for k, v in os.environ.items() if k != "PARBENCH_MPI_RANK"}
p = subprocess.run([os.path.join(lonely, "parbench"), "list"], capture_output=True, text=True, env=bare_env)
check(p.returncode == 0 and "unavailable:" in p.stdout and "parbench-mpi-rank" in p.stdout,
      f"list without the rank program: {p.stdout[-600:]}")
p = subprocess.run([os.path.join(lonely, "parbench"), "run", "-w", "counter:n=10", "-b", "mpi", "-n", "2"],
                   capture_output=True, text=True, env=bare_env, cwd=lonely)
check(p.returncode == 2 and "--backend mpi: not available here" in p.stderr and "parbench-mpi-rank" in p.stderr,
      f"-b mpi without the rank program: exit {p.returncode} {p.stderr}")
check(os.listdir(lonely) == ["parbench"], f"a refused run wrote {os.listdir(lonely)}")
p = subprocess.run([os.path.join(lonely, "parbench"), "run", "-q", "-w", "counter:n=10,tasks=2", "-b", "all", "-n",
                    "2", "-r", "1", "--warmup", "0", "--out", os.path.join(lonely, "set")], capture_output=True,
                   text=True, env=bare_env)
check(p.returncode == 0, f"-b all without the rank program: exit {p.returncode} {p.stderr}")

listing = subprocess.run([PARBENCH, "list"], capture_output=True, text=True).stdout
if "unavailable:" in listing.split("Backends")[1].split("Suites")[0]:
    print("mpi: SKIP: this parbench was built without Open MPI (only the unavailable path above was checked)")
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(77)
if PART == "hosts":
    several_hosts()

# ---- every workload, 2 and 3 ranks, static and chunked --------------------
WORKLOADS = ["square-cube:sleep_ms=5", "sleep-square:tasks=6,min_ms=1,max_ms=5", "counter:n=2e6,tasks=4",
             "map:len=8,sleep_ms=2", "map:len=1e5,fn=sqrt", "map:len=1e5,fn=gather", "map:len=1e5,fn=square,tasks=3"]
for chunk in ([], ["--chunk", "2"]):
    args = sum((["-w", w] for w in WORKLOADS), []) + ["-b", "serial,mpi", "-n", "2,3", "-r", "2", "--warmup", "1",
                                                        "--verbose"] + chunk
    p, out = run(args, tmp)
    what = "workloads" + (" chunked" if chunk else "")
    check(p.returncode == 0, f"{what}: exit {p.returncode}: {p.stderr[-800:]}")
    check("parbench: mpi: " in p.stderr and "--bind-to none" in p.stderr and "parbench-mpi-rank" in p.stderr,
          f"{what}: --verbose shows the launch: {p.stderr[:600]}")
    m = machine(out)
    check("--bind-to none" in m.get("mpi_launch", "") and "-n W" in m.get("mpi_launch", ""),
          f"{what}: machine.csv mpi_launch: {m.get('mpi_launch')}")
    runs, tasks = table(os.path.join(out, "runs.csv")), table(os.path.join(out, "tasks.csv"))
    serial = {r["params"]: r["result"] for r in runs if r["backend"] == "serial"}
    mpi = [r for r in runs if r["backend"] == "mpi"]
    check(len(mpi) == len(WORKLOADS) * 2 * 2, f"{what}: {len(mpi)} mpi rows")
    walls = {}
    for r in mpi:
        w = f"{what} {r['workload']}:{r['params']} W={r['workers']}"
        check(r["ok"] == "1" and r["result"] == serial.get(r["params"]), f"{w}: ok {r['ok']} result {r['result']} "
              f"serial {serial.get(r['params'])} {r['note']}")
        check(r["ipc"] == "tcp" and r["hosts"] == HOST, f"{w}: ipc {r['ipc']} hosts {r['hosts']}")
        check(r["oversubscribed"] == ("1" if int(r["workers"]) > int(r["pus"]) else "0"),
              f"{w}: oversubscribed {r['oversubscribed']} with {r['pus']} PUs")
        if chunk:
            check(r["chunk"] == "2", f"{w}: chunk {r['chunk']}")
        wall = float(r["wall_s"])
        check(min(float(r[k]) for k in ("spawn_s", "work_s", "join_s")) >= 0, f"{w}: phases")
        check(float(r["startup_s"]) > 0 and float(r["user_s"]) + float(r["sys_s"]) > 0, f"{w}: startup, CPU")
        walls[r["run_id"]] = (wall, int(r["workers"]))
    for t in tasks:
        if t["run_id"] not in walls:
            continue
        wall, W = walls[t["run_id"]]
        check(t["status"] == "done" and t["host"] == HOST and 0 <= int(t["worker"]) < W,
              f"{what}: task {t}")
        # a rank's task times are on parbench's clock, inside its run
        check(-1e-6 <= float(t["start_s"]) <= float(t["end_s"]) <= wall + 1e-6, f"{what}: task times {t} wall {wall}")
    whole(out, what)

# ---- --pin: parbench's binding, the launcher's off --------------------------
p, out = run(["-w", "counter:n=2e6,tasks=4", "-b", "mpi", "-n", "2", "--pin", "compact", "-r", "2", "--warmup", "0"],
             tmp)
rows = table(os.path.join(out, "runs.csv"))
check(p.returncode == 0 and all(r["ok"] == "1" for r in rows), f"--pin: {p.stderr[-400:]}")
check(all(r["bound"] == "1" and r["placement_held"] == "1" for r in rows) or any(r["bound"] == "0" for r in rows),
      f"--pin: bound/held {[(r['bound'], r['placement_held']) for r in rows]}")

# ---- faults: the job ends, the run says which rank and how, the next runs --
cases = [("segv", "killed by signal 11", []), ("abort", "killed by signal 6", []), ("exit", "exited with status 3", []),
         ("hang", "--task-timeout", []), ("segv", "killed by signal 11", ["--chunk", "1"]),
         ("hang", "--task-timeout", ["--chunk", "1"])]
for kind, says, extra in cases:
    p, out = run(["-w", f"counter:n=1000,tasks=4,fault={kind}@1", "-w", GOOD, "-b", "mpi", "-n", "2", "-r", "2",
                  "--warmup", "0", "--task-timeout", "0.3"] + extra, tmp)
    what = f"mpi {kind} {' '.join(extra)}"
    check(p.returncode == 1, f"{what}: exit {p.returncode} {p.stderr[-400:]}")
    r = table(os.path.join(out, "runs.csv"))
    check([x["ok"] for x in r] == ["0", "0", "1", "1"], f"{what}: ok column {[x['ok'] for x in r]}")
    for x in r[:2]:
        check("task 1" in x["note"] and "rank " in x["note"] and f"on {HOST}" in x["note"] and says in x["note"]
              and "MPI job was ended" in x["note"], f"{what}: note {x['note']!r}")
    lost = [t for t in table(os.path.join(out, "tasks.csv")) if t["status"] == "lost"]
    check(len(lost) >= 2 and all(t["task"] == "1" for t in lost if t["run_id"] in ("1", "2")),
          f"{what}: lost tasks {lost}")
    whole(out, what)

# ---- Ctrl-C, SIGTERM: the job ends, finished rows stay -----------------------
for how, workload in (("ctrl-c", "counter:n=2e6,tasks=4"), ("term", "counter:n=2e6,tasks=4"),
                      ("ctrl-c", "counter:n=1000,tasks=3,fault=hang@2"), ("term", "counter:n=1000,tasks=3,fault=hang@2")):
    token = uuid.uuid4().hex
    out = os.path.join(tmp, token)
    hangs = "hang@" in workload
    proc = subprocess.Popen([PARBENCH, "run", "-w", workload, "-b", "mpi", "-n", "3", "-r", "1000", "--warmup", "0",
                             "--out", out], env=dict(os.environ, PB_TEST_TOKEN=token), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 30
    runs_csv = os.path.join(out, "runs.csv")
    if hangs:   # the ranks are up and one of them hangs for good
        while len(with_token(token)) < 5 and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)
    else:
        while (not os.path.exists(runs_csv) or sum(1 for _ in open(runs_csv)) < 4) and time.time() < deadline:
            time.sleep(0.01)
    sig = signal.SIGINT if how == "ctrl-c" else signal.SIGTERM
    if how == "ctrl-c":
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    try:
        stdout, stderr = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
    what = f"mpi {how} {workload}"
    check(proc.returncode == 128 + sig, f"{what}: exit {proc.returncode}: {stderr[-400:]}")
    check(gone(token, proc.pid), f"{what}: left {with_token(token)} {session_members(proc.pid)}")
    rows = table(runs_csv)
    if hangs:
        check(rows == [], f"{what}: the hung repetition was written: {rows}")
    else:
        check(len(rows) >= 3 and all(r["ok"] == "1" for r in rows), f"{what}: {len(rows)} rows kept, all ok")
    whole(out, what)

# ---- SIGKILL of parbench: no launcher, daemon or rank survives -------------
for workload in ("counter:n=1000,tasks=3,fault=hang@0", "counter:n=1e5,tasks=30"):
    token = uuid.uuid4().hex
    proc = subprocess.Popen([PARBENCH, "run", "-q", "-w", workload, "-b", "mpi", "-n", "3", "-r", "100000",
                             "--out", os.path.join(tmp, token)], env=dict(os.environ, PB_TEST_TOKEN=token),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while len(with_token(token)) < 5 and time.time() < deadline:   # parbench, mpirun, 3 ranks
        time.sleep(0.02)
    check(len(with_token(token)) >= 5, f"SIGKILL {workload}: the job never started: {with_token(token)}")
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    check(gone(token), f"SIGKILL {workload}: survivors {with_token(token)}")

shutil.rmtree(tmp, ignore_errors=True)
report("mpi")
