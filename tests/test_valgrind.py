"""Valgrind memcheck on the quick suite, which runs every workload under
every backend (the process pool on both transports): no invalid read or
write, no use of an uninitialised value, no definite leak, in parbench and
in every worker process it forks. Registered with -Dvalgrind=true."""
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, report

VALGRIND, PARBENCH = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp(prefix="pb-valgrind-")
out = os.path.join(tmp, "set")
log = os.path.join(tmp, "valgrind.log")
p = subprocess.run([VALGRIND, "-q", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite",
                    "--show-leak-kinds=definite", "--trace-children=yes", f"--log-file={log}.%p",
                    PARBENCH, "run", "--suite", "quick", "-q", "--out", out],
                   capture_output=True, text=True, timeout=1500)
reports = ""
for name in sorted(os.listdir(tmp)):
    if name.startswith("valgrind.log."):
        with open(os.path.join(tmp, name), encoding="utf-8", errors="replace") as f:
            reports += f.read()
check(p.returncode == 0, f"parbench under valgrind: exit {p.returncode}: {p.stderr[-500:]}")
check("==" not in reports, f"valgrind reported:\n{reports[:4000]}")
c = subprocess.run([PARBENCH, "check", out], capture_output=True, text=True, timeout=60)
backends = set()
if c.returncode == 0:
    import csv
    with open(os.path.join(out, "runs.csv"), newline="") as f:
        backends = {r["backend"] for r in csv.DictReader(f) if r["ok"] == "1"}
check(c.returncode == 0, f"the set is whole: {c.stdout} {c.stderr}")
check(backends == {"serial", "pthread", "fork", "thread-pool", "process-pool"}, f"every backend ran: {backends}")
print(f"valgrind: {len(os.listdir(tmp)) - 1} processes checked")
shutil.rmtree(tmp, ignore_errors=True)
report("valgrind")
