"""Google Benchmark's compare.py (Debian's libbenchmark-tools) reads what a
parbench bench program writes: two outputs of one binary (--pb_out's JSON),
and the binary run by compare.py itself, which names its own file with
--benchmark_out (and so must find it written, and no result folder made).
Skipped (exit 77) only when compare.py or the Python modules it imports
(python3-scipy, python3-numpy) are not installed."""
import os
import subprocess
import sys
import tempfile

from checks import check, report

BUILD = sys.argv[1]
PROBE = os.path.join(BUILD, "tests/gbench_probe")
COMPARE = "/usr/share/benchmark/compare.py"   # where Debian's libbenchmark-tools puts it

if not os.path.isfile(COMPARE):
    print(f"SKIP: {COMPARE} is missing (apt-get install libbenchmark-tools)")
    sys.exit(77)
# compare.py imports scipy and numpy; Debian's, for this very interpreter
p = subprocess.run([sys.executable, "-c", "import scipy.stats, numpy"], capture_output=True, text=True)
if p.returncode != 0:
    print(f"SKIP: {sys.executable} cannot import what compare.py needs (apt-get install python3-scipy "
          f"python3-numpy): {p.stderr.strip().splitlines()[-1:]}")
    sys.exit(77)


def compare(*args, cwd=None):
    return subprocess.run([sys.executable, COMPARE, *args], capture_output=True, text=True, timeout=600, cwd=cwd)


with tempfile.TemporaryDirectory() as tmp:
    outs = []
    for k in ("a", "b"):
        out = os.path.join(tmp, k)
        p = subprocess.run([PROBE, f"--pb_out={out}", "--benchmark_min_time=0.001", "--benchmark_filter=probe/sum"],
                           capture_output=True, text=True, timeout=300)
        check(p.returncode == 0, f"probe {k}: exit {p.returncode}\n{p.stderr}")
        outs.append(os.path.join(out, "gbench_probe.json"))
    p = compare("benchmarks", *outs)
    check(p.returncode == 0, f"compare.py benchmarks A B: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    for name in ("probe/sum/10/3/real_time", "probe/sum/100/3/real_time", "probe/goal not met"):
        check(name in p.stdout, f"compare.py A B lists {name}:\n{p.stdout}")

    # compare.py runs the binary twice, reading the file it names with --benchmark_out
    cwd = os.path.join(tmp, "cwd")
    os.mkdir(cwd)
    p = compare("benchmarks", PROBE, PROBE, "--benchmark_filter=probe/sum", "--benchmark_min_time=0.001", cwd=cwd)
    check(p.returncode == 0 and p.stdout.count("RUNNING: ") == 2, f"compare.py BIN BIN: exit {p.returncode}\n"
          f"{p.stdout}\n{p.stderr}")
    check("probe/sum/100/3/real_time" in p.stdout.split("Comparing", 1)[-1], f"compare.py BIN BIN:\n{p.stdout}")
    check(os.listdir(cwd) == [], f"compare.py BIN BIN left {os.listdir(cwd)} (only its --benchmark_out file expected)")

report("gbench_compare")
