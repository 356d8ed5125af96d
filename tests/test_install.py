"""`meson install` gives a working parbench: installed into a temporary
destdir, then moved elsewhere (so nothing can come from the build or the
source tree by a remembered path), it runs, plots and reports a result set
from another folder, narrates a demo in Korean under LANGUAGE=ko, its man
page renders and lists every command, the bench programs answer --help (and
parbench-reproducibility finds the installed parbench), parbench-mpi-rank
lies beside parbench, and bash completion is in place."""
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, report, skip

BUILD, SOURCE = sys.argv[1], sys.argv[2]
meson = shutil.which("meson")
if not meson:
    skip("meson is not on the PATH")
    report("install")

with tempfile.TemporaryDirectory(prefix="pb-install-") as tmp:
    dest = os.path.join(tmp, "dest")
    p = subprocess.run([meson, "install", "-C", BUILD, "--destdir", dest, "--no-rebuild", "--quiet"],
                       capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, f"meson install: {p.stdout[-500:]} {p.stderr[-500:]}")
    prefix_dirs = [os.path.join(r, d) for r, ds, _ in os.walk(dest) for d in ds if d == "bin"]
    check(len(prefix_dirs) == 1, f"one bin/ in the install: {prefix_dirs}")
    if prefix_dirs:
        # move the whole prefix: an installed parbench finds its data relative to itself
        moved = os.path.join(tmp, "elsewhere")
        shutil.move(os.path.dirname(prefix_dirs[0]), moved)
        pb = os.path.join(moved, "bin", "parbench")
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}

        def run(*args, extra=None):
            return subprocess.run([pb, *args], capture_output=True, text=True, cwd=work, timeout=300,
                                  env={**env, **(extra or {})})
        p = run("run", "-q", "-w", "counter:n=1e5,tasks=2", "-b", "serial,pthread,thread-pool", "-n", "2", "-r", "2",
                "-o", "set")
        check(p.returncode == 0 and os.path.isfile(os.path.join(work, "set", "runs.csv")), f"run: {p.stderr}")
        p = run("plot", "set")
        check(p.returncode == 0 and os.path.isfile(os.path.join(work, "set", "wall.png")), f"plot: {p.stderr}")
        p = run("report", "set")
        check(p.returncode == 0 and os.path.isfile(os.path.join(work, "set", "report.html")), f"report: {p.stderr}")
        # an installed script run alone reads the columns' types from the parbench installed beside it
        alone = subprocess.run(["/usr/bin/python3", os.path.join(moved, "share", "parbench", "plots", "trace_events.py"),
                                "set", "-o", "alone.json"], capture_output=True, text=True, cwd=work, timeout=300,
                               env={**{k: v for k, v in env.items() if k != "PARBENCH_EXE"}, "PATH": "/usr/bin:/bin"})
        check(alone.returncode == 0 and os.path.isfile(os.path.join(work, "alone.json")),
              f"the installed trace_events.py run alone: {alone.stderr}")
        if os.path.exists(os.path.join(work, "alone.json")):
            os.remove(os.path.join(work, "alone.json"))
        # global's lessons do not depend on the machine's load (race's may be not shown on a busy one)
        p = run("demo", "global", "--quick", extra={"LANGUAGE": "ko"})
        check(p.returncode == 0 and "교훈" in p.stdout, f"demo in Korean: {p.stdout[-300:]} {p.stderr}")
        man = os.path.join(moved, "share", "man", "man1", "parbench.1")
        if shutil.which("man"):
            m = subprocess.run(["man", "-l", man], capture_output=True, text=True, env={**env, "MANPAGER": "cat",
                                                                                         "PAGER": "cat"}, timeout=60)
            helps = subprocess.run([pb, "--help"], capture_output=True, text=True).stdout
            commands = [l.split()[0] for l in helps.split("Commands:")[1].split("\n\n")[0].splitlines()
                        if l.startswith("  ") and not l.startswith("   ")]   # a summary's second line is indented more
            check(m.returncode == 0 and all(f"\n   {c}\n" in m.stdout or f"\n   {c} " in m.stdout for c in commands)
                  and "--order" in m.stdout, f"man -l parbench.1: {m.returncode} {m.stderr[:300]}")
        else:
            skip("man is not installed: the page is not rendered")
        for b in ("overhead", "matrix", "pool-overhead", "forkjoin", "sampler-cost", "idle-gap", "reproducibility"):
            exe = os.path.join(moved, "bin", "parbench-" + b)
            check(os.access(exe, os.X_OK), f"parbench-{b} installed")
        p = subprocess.run([os.path.join(moved, "bin", "parbench-overhead"), "--help"], capture_output=True, text=True,
                           cwd=work, timeout=60)
        check(p.returncode == 0 and "--pb_out" in p.stdout + p.stderr, f"parbench-overhead --help: {p.stderr[:200]}")
        if os.path.exists(os.path.join(BUILD, "parbench-mpi-rank")):   # built when Open MPI was found
            check(os.access(os.path.join(moved, "bin", "parbench-mpi-rank"), os.X_OK), "parbench-mpi-rank installed "
                  "beside parbench (where the mpi backend looks for it)")
        # the script finds the installed parbench beside it, through its symlink, from another folder
        repro = os.path.join(moved, "bin", "parbench-reproducibility")
        if os.access(repro, os.X_OK):
            p = subprocess.run([repro, "--quick"], capture_output=True, text=True, cwd=work, timeout=300)
            check(p.returncode == 0 and "MET" in p.stdout, f"parbench-reproducibility --quick: {p.returncode} "
                  f"{p.stderr[-300:]}")
        check(os.path.isfile(os.path.join(moved, "share", "bash-completion", "completions", "parbench")),
              "bash completion installed")
        check(sorted(os.listdir(work)) == ["set"], f"nothing but the asked-for set in the working folder: "
              f"{os.listdir(work)}")
report("install")
