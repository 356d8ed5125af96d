"""Workers refused part way (RLIMIT_NPROC, as the user nobody, since root is
not held to it): the error names the worker and the reason, the row in
runs.csv says so, the workers already started are ended and reaped (the next
configuration, which needs them, runs), and nothing is left running.
Skipped (exit 77) where it cannot run: not root, or no setpriv/prlimit."""
import csv
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, report, skip

PARBENCH = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="pb-nproc-")


def table(path):
    """Rows of a CSV file, checked whole: every row has the header's fields."""
    with open(path, newline="", encoding="utf-8") as f:
        raw = f.read()
    check(raw == "" or raw.endswith("\r\n"), f"{path}: ends with a whole row")
    rows = list(csv.reader(raw.splitlines()))
    check(rows and all(len(r) == len(rows[0]) for r in rows), f"{path}: a row with the wrong number of fields")
    return [dict(zip(rows[0], r)) for r in rows[1:]] if rows else []


# Workers refused part way: RLIMIT_NPROC binds only an unprivileged user.
setpriv, prlimit = shutil.which("setpriv"), shutil.which("prlimit")
if not (os.geteuid() == 0 and setpriv and prlimit):
    skip("the RLIMIT_NPROC test needs root (to become nobody), setpriv and prlimit")
else:
    os.chmod(tmp, 0o777)
    # nobody may not reach the build folder (a checkout under a private folder): run a copy from here
    binary = os.path.join(tmp, "parbench")
    shutil.copy(PARBENCH, binary)
    os.chmod(binary, 0o755)
    out = os.path.join(tmp, "nproc")
    # 6 tasks for nobody: parbench's own threads take some, so 16 workers cannot all start; 2 can,
    # but only if the ones started before the refusal were ended and reaped. Grouped order: interleaved
    # would hold every pool of the workload open at once, which is another limit than the one tested.
    p = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", prlimit, "--nproc=6",
                        binary, "run", "-w", "counter:n=1e5,tasks=16", "-b", "fork,process-pool,pthread,thread-pool",
                        "-n", "16,2", "-r", "2", "--order", "grouped", "--out", out],
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 1, f"nproc: exit {p.returncode}: {p.stderr}")
    runs = table(os.path.join(out, "runs.csv"))
    by = {}
    for r in runs:
        by.setdefault((r["backend"], r["workers"]), []).append(r)
    for backend in ("fork", "process-pool", "pthread", "thread-pool"):
        big, small = by.get((backend, "16"), []), by.get((backend, "2"), [])
        verb = {"fork": "start", "process-pool": "fork", "pthread": "create", "thread-pool": "create"}[backend]
        check(big and all(r["ok"] == "0" and f"cannot {verb} worker" in r["note"] and "of 16" in r["note"]
                          and "Resource temporarily unavailable" in r["note"] for r in big),
              f"nproc {backend} W=16: rows {[(r['ok'], r['note']) for r in big]}")
        check(f"{backend}: cannot {verb} worker" in p.stderr, f"nproc {backend}: not named on stderr: {p.stderr}")
        check(len(small) == 2 and all(r["ok"] == "1" for r in small),
              f"nproc {backend} W=2 after the refusal: {[(r['ok'], r['note']) for r in small]}")
    pools = [r for r in runs if r["backend"].endswith("pool") and r["workers"] == "16"]
    check(all(r["wall_s"] == "" for r in pools), "nproc: a pool that could not start has no measurements")
    left = subprocess.run(["pgrep", "-u", "65534"], capture_output=True, text=True).stdout.split()
    check(left == [], f"nproc: processes of nobody left: {left}")

shutil.rmtree(tmp, ignore_errors=True)
report("nproc")
