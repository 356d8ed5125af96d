"""Bad input: one line naming the argument, exit 2, nothing written."""
import os
import subprocess
import sys
import tempfile

from checks import check, report

PARBENCH = sys.argv[1]


def run(args, cwd):
    return subprocess.run([PARBENCH] + args, cwd=cwd, capture_output=True, text=True, timeout=60)


BAD = [
    # (arguments, text the message must contain)
    (["run", "--workload", "nope"], "unknown workload 'nope'"),
    (["run", "-w", ""], "names no workload"),
    (["run", "-w", "counter:bogus=1"], "unknown parameter 'bogus'"),
    (["run", "-w", "counter:n=abc"], "n=abc is not a number"),
    (["run", "-w", "counter:n=-5"], "n=-5 is out of range"),
    (["run", "-w", "counter:n=1.5"], "n=1.5 is out of range"),
    (["run", "-w", "counter:tasks=0"], "tasks=0 is out of range"),
    (["run", "-w", "counter:n=1e20"], "n=1e20 is out of range"),
    (["run", "-w", "counter:n=2^63,tasks=2"], "does not fit in 64 bits"),
    (["run", "-w", "counter:n"], "key=value"),
    (["run", "-w", "map:len=4,tasks=5"], "more than len"),
    (["run", "-w", "map:fn=cube"], "fn=cube is not one of"),
    (["run", "-w", "sleep-square:min_ms=9,max_ms=1"], "min_ms=9 is larger than max_ms=1"),
    (["run", "-w", "square-cube:sleep_ms=99999999"], "sleep_ms=99999999 is out of range"),
    (["run", "-w", "counter", "--backend", "nope"], "--backend: unknown backend 'nope'"),
    (["run", "-w", "counter", "--backend", ","], "--backend: no backend"),
    (["run", "-w", "counter", "--workers", "0"], "--workers: 0 is out of range"),
    (["run", "-w", "counter", "--workers", "4097"], "--workers: 4097 is out of range"),
    (["run", "-w", "counter", "--workers", "abc"], "--workers: 'abc' is not a number"),
    (["run", "-w", "counter", "--workers", "8-1"], "--workers: range 8-1 runs backwards"),
    (["run", "-w", "counter", "--workers", "-3"], "--workers"),
    (["run", "-w", "counter", "--reps", "0"], "--reps: 0 is out of range"),
    (["run", "-w", "counter", "--reps", "many"], "--reps: 'many' is not a number"),
    (["run", "-w", "counter", "--warmup", "-1"], "--warmup: -1 is out of range"),
    (["run", "-w", "counter", "--reps"], "--reps needs a value"),
    (["run", "--suite", "nope"], "--suite: unknown suite 'nope'"),
    (["run", "--suite", "quick", "-w", "counter"], "cannot be combined"),
    (["run", "--frobnicate"], "unknown option '--frobnicate'"),
    (["run", "-w", "counter", "extra"], "unexpected argument 'extra'"),
    (["run", "-w", "counter", "--out", "existing"], "--out existing: that folder already exists"),
    (["run", "-w", "counter", "--out", "afile/sub"], "is not a folder"),
    (["run", "-w", "counter", "--out", ""], "--out: the folder name is empty"),
    (["run", "-w", "counter", "--pin", "tight"], "--pin: 'tight' is not a policy"),
    (["run", "-w", "counter", "--pin", "0,4096"], "--pin: PU 4096 is not one this process may use"),
    (["run", "-w", "counter", "--pin", "2-1"], "--pin: '2-1' has a bad range"),
    (["run", "-w", "counter", "--ipc", "shm"], "--ipc: unknown transport 'shm'"),
    (["run", "-w", "counter", "--ipc", "pipe", "-b", "fork"], "--ipc pipe: none of the backends"),
    (["run", "-w", "counter", "--chunk", "0"], "--chunk: 0 is out of range"),
    (["run", "-w", "counter", "--task-timeout", "0"], "--task-timeout: 0 is out of range"),
    (["run", "-w", "counter", "--task-timeout", "soon"], "--task-timeout: 'soon' is not a number"),
    (["run", "-w", "counter:fault=segv@2"], "fault=segv@2 names no task"),
    (["topology", "--synthetic", "bogus:2"], "--synthetic: hwloc does not understand 'bogus:2'"),
    (["topology", "--allowed", "x"], "--allowed: 'x' is not a PU list"),
    (["topology", "--pin", "compact", "-n", "0"], "--workers: 0 is out of range"),
    (["topology", "--frobnicate"], "unknown option '--frobnicate'"),
    (["bogus"], "unknown command 'bogus'"),
    (["list", "extra"], "unexpected argument 'extra'"),
    (["schema", "extra"], "unexpected argument 'extra'"),
    ([], "Usage: parbench"),
]

for args, text in BAD:
    with tempfile.TemporaryDirectory() as cwd:
        os.mkdir(os.path.join(cwd, "existing"))
        open(os.path.join(cwd, "afile"), "w").close()
        before = sorted(os.listdir(cwd))
        p = run(args, cwd)
        what = " ".join(args) or "(no arguments)"
        check(p.returncode == 2, f"{what}: exit {p.returncode}, expected 2")
        check(text in p.stderr, f"{what}: stderr {p.stderr!r} lacks {text!r}")
        check(p.stdout == "", f"{what}: printed on stdout: {p.stdout!r}")
        check(sorted(os.listdir(cwd)) == before, f"{what}: wrote {sorted(os.listdir(cwd))}")
        check(os.listdir(os.path.join(cwd, "existing")) == [], f"{what}: wrote into existing/")
        if args:
            check(len(p.stderr.strip().splitlines()) <= 2, f"{what}: more than a line and a hint: {p.stderr!r}")

# Good input exits 0 and says something useful.
with tempfile.TemporaryDirectory() as cwd:
    for args, text in [(["--help"], "Commands:"), (["run", "--help"], "--workers LIST"),
                       (["list"], "counter"), (["list", "--help"], "Usage: parbench list"),
                       (["--version"], "parbench 0."), (["schema"], "wall_s"),
                       (["topology"], "usable PUs"), (["topology", "--help"], "compact"),
                       (["topology", "--synthetic", "pack:2 core:2 pu:2", "--pin", "scatter", "-n", "2"],
                        "worker 1    PU 4")]:
        p = run(args, cwd)
        check(p.returncode == 0, f"{args}: exit {p.returncode}")
        check(text in p.stdout, f"{args}: stdout lacks {text!r}")
    check(os.listdir(cwd) == [], "help or list wrote files")

report("cli_errors")
