"""Valgrind memcheck on a quick run of every backend (the process pool on
both transports): no invalid read or write, no use of an uninitialised
value in parbench and in every worker process it forks, and no definite
leak. Registered with -Dvalgrind=true (tools/hardening)."""
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, report

VALGRIND, PARBENCH = sys.argv[1], sys.argv[2]
SUPPRESSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "valgrind.supp")   # each says why
tmp = tempfile.mkdtemp(prefix="pb-valgrind-")
WORK = ["-w", "counter:n=1e5,tasks=8", "-w", "map:len=64,sleep_ms=1", "-n", "1,2", "-r", "1"]
# The fork backend's children are checked for errors but not for leaks: a
# leak scan at each child's _exit takes valgrind some 20 s per run, and a
# child that ends with _exit frees nothing by design.
OPENMP = "NOT AVAILABLE" not in subprocess.run([PARBENCH, "list"], capture_output=True, text=True).stdout
PASSES = [("leaks", ["--leak-check=full", "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite"],
           ["-b", "serial,pthread,thread-pool,process-pool" + (",openmp" if OPENMP else ""), "--ipc", "arena,pipe"]),
          ("fork", ["--leak-check=no"], ["-b", "fork"])]
backends, processes = set(), 0
for name, vg_opts, args in PASSES:
    out = os.path.join(tmp, name)
    log = os.path.join(tmp, f"{name}.log")
    p = subprocess.run([VALGRIND, "-q", "--error-exitcode=99", "--trace-children=yes", f"--log-file={log}.%p",
                        "--num-callers=30", f"--suppressions={SUPPRESSIONS}", *vg_opts, PARBENCH, "run", "-q", "--out", out, *WORK, *args],
                       capture_output=True, text=True, timeout=1500)
    reports = ""
    for f in sorted(os.listdir(tmp)):
        if f.startswith(f"{name}.log."):
            processes += 1
            with open(os.path.join(tmp, f), encoding="utf-8", errors="replace") as fh:
                reports += fh.read()
    check(p.returncode == 0, f"{name}: parbench under valgrind: exit {p.returncode}: {p.stderr[-500:]}")
    check("==" not in reports, f"{name}: valgrind reported:\n{reports[:4000]}")
    c = subprocess.run([PARBENCH, "check", out], capture_output=True, text=True, timeout=60)
    check(c.returncode == 0, f"{name}: the set is whole: {c.stdout} {c.stderr}")
    if c.returncode == 0:
        import csv
        with open(os.path.join(out, "runs.csv"), newline="") as f:
            backends |= {r["backend"] + ("/pipe" if r["ipc"] == "pipe" else "") for r in csv.DictReader(f)
                         if r["ok"] == "1"}
check(backends == {"serial", "pthread", "fork", "thread-pool", "process-pool", "process-pool/pipe"} |
      ({"openmp"} if OPENMP else set()),
      f"every backend ran: {backends}")
print(f"valgrind: {processes} processes checked")
shutil.rmtree(tmp, ignore_errors=True)
report("valgrind")
