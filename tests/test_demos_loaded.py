"""The demos on a machine another program keeps busy: a busy loop on every
PU this process may use, for the demos' whole duration. No demo may exit 0
while narrating a lesson its numbers contradict: a fact that does not hold
is said (!!) and makes the exit 1; a lesson that needs free CPUs (two
counting workers gain ~2x; processes each with a GIL run side by side) is
not taught but said to be not shown on this machine. The facts that do not
depend on timing (exact synchronised totals, a child's change invisible to
its parent) still hold under load."""
import os
import subprocess
import sys

from checks import check, report

PARBENCH = sys.argv[1]
DEMOS = ("basics", "square-cube", "named-processes", "life-cycle", "daemon", "global", "queue", "pickling", "pool-map",
         "ipc", "futures", "race", "gil", "sync")
# lessons that only free CPUs can show: each must be skipped, never taught, when every PU is busy
NEEDS_FREE_CPUS = {
    "square-cube": ("here two were free",),
    # "gain nothing" is a claim about gains, which a busy machine cannot measure
    "gil": ("here they ran side by side on two free CPUs", "take turns on one core and gain nothing"),
}

pus = len(os.sched_getaffinity(0))
# the other program: one spinning process per PU, at the demos' own priority
load = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(pus)]
try:
    for name in DEMOS:
        p = subprocess.run([PARBENCH, "demo", name, "--quick"], capture_output=True, text=True, timeout=300)
        failed_fact = "!!" in p.stdout
        check(p.returncode in (0, 1), f"{name} under load: exit {p.returncode}: {p.stderr[-300:]}")
        # exit 0 only when every fact it asserted held; a fact that failed is said and exits 1
        check((p.returncode == 0) == (not failed_fact),
              f"{name} under load: exit {p.returncode} but {'a' if failed_fact else 'no'} fact failed: "
              f"{p.stdout[-600:]}")
        if name in NEEDS_FREE_CPUS:
            check(not any(t in p.stdout for t in NEEDS_FREE_CPUS[name]) and "not shown on this machine" in p.stdout,
                  f"{name} under load: a lesson needing free CPUs was taught, or not said to be unshown: "
                  f"{p.stdout[-800:]}")
        # the exact facts hold whatever the load
        if name == "race":
            exact = [l for l in p.stdout.splitlines() if ("mutex" in l or "atomic" in l) and "total   4000000" in l]
            check(len(exact) == 2, f"race under load: the synchronised totals: {p.stdout[-600:]}")
        if name == "global":
            check(": 450 (9 x 50)" in p.stdout, f"global under load: the shared counter: {p.stdout[-400:]}")
        # under this load no demo may fail a fact: those that need the machine to themselves skip
        check(not failed_fact, f"{name} under load: a fact did not hold: {p.stdout[-800:]}")
finally:
    for proc in load:
        proc.kill()
    for proc in load:
        proc.wait()
report("demos_loaded")
