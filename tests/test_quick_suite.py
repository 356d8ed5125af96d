"""End to end: the quick suite writes a result set whose CSV files read back
with the standard csv module and hold what the runs measured."""
import csv
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

from checks import check, report

PARBENCH = sys.argv[1]


def run(args, **kw):
    """subprocess.run with a deadline: a parbench that hangs fails here, named, in 120 s (every command
    below takes seconds), instead of the whole test's 300 s timeout saying nothing of which."""
    kw.setdefault("timeout", 120)
    try:
        return subprocess.run(args, **kw)
    except subprocess.TimeoutExpired:
        check(False, f"still running after {kw['timeout']} s: {' '.join(map(str, args))}")
        return subprocess.CompletedProcess(args, 124, "", "timed out")


def schema_columns():
    out = run([PARBENCH, "schema"], capture_output=True, text=True, check=True).stdout
    runs_table = out.split("\ntasks.csv")[0]
    return [line.split("`")[1] for line in runs_table.splitlines() if line.startswith("| `")]


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "nested", "set")
    p = run([PARBENCH, "run", "--suite", "quick", "--out", out],
                       capture_output=True, text=True, timeout=240)
    check(p.returncode == 0, f"quick suite exit {p.returncode}: {p.stderr}")
    check("result set: " + out in p.stdout, "summary does not name the result set")
    check("speedup" in p.stdout and "2/2 ok" in p.stdout, "summary table missing")
    check(p.stderr == "", f"stderr not empty without a terminal: {p.stderr!r}")
    check(sorted(os.listdir(out)) == ["machine.csv", "runs.csv", "samples.csv", "tasks.csv"], f"files: {os.listdir(out)}")

    raw = open(os.path.join(out, "runs.csv"), "rb").read()
    check(raw.count(b"\r\n") == raw.count(b"\n") and raw.endswith(b"\r\n"), "records must end in CRLF")
    with open(os.path.join(out, "runs.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(out, "runs.csv"), newline="") as f:
        header = next(csv.reader(f))
    check(header == schema_columns(), f"header {header} differs from `parbench schema`")

    # quick: 6 workloads under every backend of -b all (the registry's, as `parbench list` shows them:
    # all but those NOT AVAILABLE here and those named on their own), each at the suite's worker counts
    # (8 in all; 6 for a backend of one worker, which takes W = 1 only), and the process pool's two
    # transports
    listing = run([PARBENCH, "list"], capture_output=True, text=True).stdout
    names = run([PARBENCH, "list", "--names", "backends"], capture_output=True, text=True).stdout.split()
    described = {ln.split()[0]: ln for ln in listing.splitlines() if ln.startswith("  ") and ln.split()
                 and ln.split()[0] in names}
    in_all = [b for b in names if "NOT AVAILABLE" not in described[b] and "not in all" not in described[b]]
    openmp = "openmp" in in_all
    check({r["backend"] for r in rows} == set(in_all), f"-b all ran {sorted({r['backend'] for r in rows})}, "
          f"`parbench list` says {in_all}")
    one_worker = {b for b in in_all if all(r["workers"] == "1" for r in rows if r["backend"] == b)}
    check("serial" in one_worker and "pthread" not in one_worker, f"backends of one worker: {one_worker}")
    configs = {r["config_id"] for r in rows}
    want = sum(6 if b in one_worker else 8 for b in in_all) + 2
    check(len(configs) == want, f"{len(configs)} configurations, expected {want}")
    check(len(rows) == 2 * want, f"{len(rows)} rows, expected {2 * want} (2 reps each)")
    pipes = [r for r in rows if r["ipc"] == "pipe"]
    check(len(pipes) == 2 and all(r["backend"] == "process-pool" for r in pipes), "pipe rows")
    check(len({r["run_id"] for r in rows}) == len(rows), "run_id not unique")
    results = defaultdict(set)
    for r in rows:
        what = f"run {r['run_id']} ({r['workload']} {r['backend']} W={r['workers']})"
        check(r["ok"] == "1" and r["note"] == "", f"{what}: ok={r['ok']} note={r['note']}")
        check(r["rep"] in ("1", "2"), f"{what}: rep {r['rep']}")
        wall = float(r["wall_s"])
        check(wall > 0 and min(float(r[k]) for k in ("spawn_s", "work_s", "join_s")) >= 0, f"{what}: phases")
        # the ideal is a lower bound made of the tasks' own CPU clocks and declared sleeps, each inside
        # the run's wall: it can never exceed it. 1 us: the CSV's rounding (9 decimals) and the
        # monotonic clock's read-out granularity, nothing else.
        check(0 < float(r["ideal_s"]) <= wall + 1e-6, f"{what}: ideal {r['ideal_s']} > wall {wall}")
        # efficiency and busy_cores are written with 4 decimals: 1e-3 absorbs that rounding, nothing else
        check(abs(float(r["efficiency"]) - float(r["ideal_s"]) / wall) < 1e-3, f"{what}: efficiency")
        cpu, window = float(r["user_s"]) + float(r["sys_s"]), float(r["cpu_window_s"])
        # the CPU is read over the run and, for the pools and openmp, their workers' clocks just before
        # and after it: the window holds the run (9 decimals: 1e-9 of rounding)
        check(window >= wall - 1e-9, f"{what}: cpu_window_s {window} < wall {wall}")
        check(abs(float(r["busy_cores"]) - cpu / window) < 1e-3 + 1e-3 * cpu / window, f"{what}: busy_cores")
        # each CPU clock is read inside the window, so no participant can add more than the window to
        # it: busy cores beyond the PUs is a double count. 1e-3: the 4 decimals busy_cores is written with
        check(float(r["busy_cores"]) <= int(r["pus"]) + 1e-3, f"{what}: busier than the machine")
        check(r["pin"] == "none" and r["ipc"] in ("arena", "pipe"), f"{what}: pin/ipc")
        check(r["replaced"] == "0", f"{what}: replaced workers")
        if r["backend"] in ("thread-pool", "process-pool", "openmp"):   # the default wait policy, recorded
            check(r["wait"] == "adaptive" and int(r["spin_us"]) > 0, f"{what}: wait {r['wait']}/{r['spin_us']}")
        else:
            check(r["wait"] == "" and r["spin_us"] == "", f"{what}: wait {r['wait']}/{r['spin_us']} on a backend without one")
        tasks, workers, chunk = int(r["tasks"]), int(r["workers"]), int(r["chunk"])
        if r["backend"].endswith("-pool"):
            check(chunk == -(-tasks // (4 * workers)), f"{what}: default chunk {chunk}")
        elif r["backend"] == "openmp":
            check(chunk == -(-tasks // workers), f"{what}: schedule(static) block {chunk}")
        else:
            check(chunk == -(-tasks // workers), f"{what}: static block {chunk}")
        check(int(r["workers"]) >= 1 and (r["backend"] != "serial" or r["workers"] == "1"), f"{what}: workers")
        check(r["backend"] in in_all, f"{what}: backend")
        if r["backend"] == "serial":
            check(float(r["spawn_s"]) == 0 and float(r["join_s"]) == 0, f"{what}: serial spawns nothing")
        elif r["backend"] not in one_worker:   # a backend of one worker may run its tasks in the caller
            check(float(r["spawn_s"]) > 0, f"{what}: a spawn takes time")
        results[(r["workload"], r["params"])].add(r["result"])
    for key, res in results.items():
        check(len(res) == 1, f"{key}: results differ across backends: {res}")
    check(results[("counter", "n=2000000,tasks=2")] == {"total=4000000"}, "counter total")
    check(results[("square-cube", "sleep_ms=10")] == {"squares=750 cubes=12500"}, "square-cube result")

    with open(os.path.join(out, "machine.csv"), newline="") as f:
        machine = dict(csv.reader(f))
    for key in ("schema_version", "started_utc", "command", "host", "kernel", "cpu_model", "cores", "pus",
                "allowed_pus", "allowed_cpuset", "governor", "smt_active", "loadavg_at_start", "hypervisor",
                "compiler", "cflags", "parbench_version", "git_revision"):
        check(key in machine, f"machine.csv lacks {key}")
    check(machine.get("command", "").startswith("parbench run --suite quick"), "command recorded")
    schema_text = run([PARBENCH, "schema"], capture_output=True, text=True).stdout
    for key in machine:
        if key != "key":
            check(key in schema_text, f"machine.csv key {key} is not documented by `parbench schema`")

    # the same folder again: refused, and the set is left as it was
    before = {n: open(os.path.join(out, n), "rb").read() for n in os.listdir(out)}
    p = run([PARBENCH, "run", "--suite", "quick", "--out", out], capture_output=True, text=True)
    check(p.returncode == 2 and "already exists" in p.stderr, "existing --out accepted")
    check({n: open(os.path.join(out, n), "rb").read() for n in os.listdir(out)} == before, "set changed")

    # default location, quiet: prints only the folder; two runs in one second get two folders
    folders = []
    for _ in range(2):
        p = run([PARBENCH, "run", "-q", "-w", "counter:n=1000", "-b", "serial", "-r", "1"],
                           cwd=tmp, capture_output=True, text=True)
        check(p.returncode == 0 and p.stderr == "", f"quiet run: {p.returncode} {p.stderr}")
        folders.append(p.stdout.strip())
    check(len(set(folders)) == 2 and all(f.startswith("results/") for f in folders), f"folders {folders}")
    check(all(os.path.isfile(os.path.join(tmp, f, "runs.csv")) for f in folders), "quiet runs wrote no set")

    # pinned: every worker bound where placed, every task ran there
    out = os.path.join(tmp, "pinned")
    p = run([PARBENCH, "run", "-q", "--out", out, "-w", "counter:n=1e6,tasks=4", "-n", "2", "-r", "1",
                        "--pin", "compact"], capture_output=True, text=True)
    check(p.returncode == 0 and p.stderr == "", f"pinned run: {p.returncode} {p.stderr}")
    with open(os.path.join(out, "runs.csv"), newline="") as f:
        pinned = list(csv.DictReader(f))
    check(len(pinned) == len(in_all), f"pinned rows: {len(pinned)}")   # one each: W=2, or W=1 for one-worker backends
    for r in pinned:
        what = f"pinned {r['backend']} W={r['workers']}"
        check(r["pin"] == "compact" and r["bound"] == "1" and r["placement_held"] == "1", f"{what}: {r}")
        check(len(r["pus_used"].split()) == int(r["workers"]), f"{what}: pus_used {r['pus_used']!r}")

    # --wait reaches libgomp: parbench starts itself again with the environment it needs,
    # whatever the caller's says (a mismatch would make openmp refuse to start)
    if openmp:
        for policy in ("passive", "active"):
            out = os.path.join(tmp, "omp-" + policy)
            other = "ACTIVE" if policy == "passive" else "PASSIVE"
            p = run([PARBENCH, "run", "-q", "--out", out, "-w", "counter:n=1000,tasks=4", "-n", "2", "-r",
                                "2", "-b", "openmp", "--wait", policy], capture_output=True, text=True,
                               env=dict(os.environ, OMP_WAIT_POLICY=other, GOMP_SPINCOUNT="7"))
            with open(os.path.join(out, "runs.csv"), newline="") as f:
                omp = list(csv.DictReader(f))
            check(p.returncode == 0 and len(omp) == 2 and all(r["ok"] == "1" and r["wait"] == policy for r in omp),
                  f"openmp --wait {policy} from OMP_WAIT_POLICY={other}: exit {p.returncode} {p.stderr} {omp}")
        with open(os.path.join(out, "machine.csv"), newline="") as f:
            command = dict(csv.reader(f))["command"]
        check(command.startswith("parbench run -q --out"), f"the restarted run records the command as given: {command}")

    # --wait and --spin-us reach runs.csv as given
    for args, want in ((["--wait", "active"], ("active", "")), (["--wait", "passive"], ("passive", "0")),
                       (["--spin-us", "7"], ("adaptive", "7"))):
        out = os.path.join(tmp, "wait-" + args[-1])
        p = run([PARBENCH, "run", "-q", "--out", out, "-w", "counter:n=1000,tasks=4", "-n", "2", "-r", "2",
                            "-b", "thread-pool,process-pool,pthread", "--ipc", "arena,pipe"] + args,
                           capture_output=True, text=True)
        check(p.returncode == 0 and p.stderr == "", f"{args}: exit {p.returncode} {p.stderr}")
        with open(os.path.join(out, "runs.csv"), newline="") as f:
            waited = list(csv.DictReader(f))
        check(len(waited) == 8, f"{args}: {len(waited)} rows")   # thread-pool, pthread, process-pool twice
        for r in waited:
            expect = want if r["backend"] != "pthread" else ("", "")
            check((r["wait"], r["spin_us"]) == expect and r["ok"] == "1",
                  f"{args} {r['backend']}/{r['ipc']}: wait {r['wait']!r} spin_us {r['spin_us']!r} ok {r['ok']}")

    # busy cores of the tiniest runs, whose workers spin while their CPU clocks are read: under every wait
    # policy, one configuration after another (grouped: the workers stay hot), never more than the PUs
    pools = "thread-pool,process-pool" + (",openmp" if openmp else "")
    for policy in ("active", "passive", "adaptive"):
        out = os.path.join(tmp, "busy-" + policy)
        p = run([PARBENCH, "run", "-q", "--out", out, "-w", "counter:n=1,tasks=2", "-n", "2", "-r", "30",
                            "--order", "grouped", "-b", pools, "--wait", policy], capture_output=True, text=True)
        check(p.returncode == 0, f"busy --wait {policy}: exit {p.returncode} {p.stderr}")
        with open(os.path.join(out, "runs.csv"), newline="") as f:
            tiny = list(csv.DictReader(f))
        check(len(tiny) == 30 * len(pools.split(",")), f"busy --wait {policy}: {len(tiny)} rows")
        over = [(r["backend"], r["busy_cores"], r["cpu_window_s"], r["wall_s"]) for r in tiny
                if float(r["busy_cores"]) > int(r["pus"]) + 1e-3]   # 1e-3: busy_cores' 4 decimals
        check(not over, f"busy --wait {policy}: busier than the machine: {over[:4]}")

    # binding refused (as a restricted container would; tests/refusing_binder.c refuses every binding through
    # pb_topology_refuse_binding): one warning, the runs go on unbound
    out = os.path.join(tmp, "refused")
    p = run([sys.argv[3], "run", "-q", "--out", out, "-w", "counter:n=1e6,tasks=4", "-n", "2", "-r", "2",
                        "--pin", "scatter"], capture_output=True, text=True)
    check(p.returncode == 0, f"refused binding: exit {p.returncode}")
    check(p.stderr.count("warning: binding workers with --pin scatter was refused") == 1,
          f"refused binding: stderr {p.stderr!r}")
    with open(os.path.join(out, "runs.csv"), newline="") as f:
        refused = list(csv.DictReader(f))
    check(refused and all(r["bound"] == "0" and r["placement_held"] == "" and r["ok"] == "1" for r in refused),
          f"refused rows: {[(r['bound'], r['placement_held'], r['ok']) for r in refused]}")

    # the disk fills up mid-run (RLIMIT_FSIZE): a clear error, exit 1, and every
    # file still holds whole rows only, each run in runs.csv with all its tasks
    import resource
    import signal

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (60000, resource.RLIM_INFINITY))
    out = os.path.join(tmp, "full")
    p = run([PARBENCH, "run", "--suite", "quick", "--out", out], capture_output=True, text=True,
                       preexec_fn=small_files)
    check(p.returncode == 1 and "cannot write" in p.stderr and "rows already written are intact" in p.stderr,
          f"full disk: exit {p.returncode}, {p.stderr!r}")
    for name in ("runs.csv", "tasks.csv", "samples.csv", "machine.csv"):
        raw = open(os.path.join(out, name), "rb").read()
        with open(os.path.join(out, name), newline="") as f:
            table = list(csv.reader(f))
        check(raw.endswith(b"\r\n") and len({len(r) for r in table}) == 1, f"full disk: {name} has a torn row")
    with open(os.path.join(out, "runs.csv"), newline="") as f:
        done = list(csv.DictReader(f))
    with open(os.path.join(out, "tasks.csv"), newline="") as f:
        task_runs = {}
        for t in csv.DictReader(f):
            task_runs[t["run_id"]] = task_runs.get(t["run_id"], 0) + 1
    check(done and all(task_runs.get(r["run_id"]) == int(r["tasks"]) for r in done),
          "full disk: a run in runs.csv lacks some of its tasks")

report("quick_suite")
