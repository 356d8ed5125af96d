"""Each demo in its short mode, in English and in Korean: it ends well, and
the facts that do not depend on timing are in its output (the synchronised
totals are exact; the child's change to a global is invisible to the parent,
the shared one is not). Lost updates and speedups depend on timing: the
demos report them and check them only in forms that cannot be flaky."""
import subprocess
import sys

from checks import check, report

PARBENCH = sys.argv[1]


def demo(*args):
    return subprocess.run([PARBENCH, "demo", *args], capture_output=True, text=True, timeout=120)


p = demo()
DEMOS = ("basics", "square-cube", "named-processes", "life-cycle", "global", "pool-map", "ipc", "futures", "race",
         "gil", "sync")
check(p.returncode == 0 and all(n in p.stdout for n in DEMOS), "the list")
for lang in ("en", "ko"):
    for name in DEMOS:
        p = demo(name, "--quick", "--lang", lang)
        check(p.returncode == 0, f"{name} ({lang}): exit {p.returncode}: {p.stdout[-500:]} {p.stderr}")
        check("!!" not in p.stdout, f"{name} ({lang}): a fact did not hold: {p.stdout}")
        check(("교훈" if lang == "ko" else "Lesson") in p.stdout, f"{name} ({lang}): no lesson")
    p = demo("global", "--quick", "--lang", lang)
    parent = [l for l in p.stdout.splitlines() if ("부모에서" if lang == "ko" else "in the parent") in l]
    check(len(parent) == 1 and parent[0].split("=")[1].split(",")[0].strip() == "0" and parent[0].endswith("90"),
          f"global ({lang}): {parent}")
    p = demo("race", "--quick", "--lang", lang)
    exact = [l for l in p.stdout.splitlines() if ("뮤텍스" in l or "원자" in l or "mutex" in l or "atomic" in l)
             and ("4000000" in l)]
    check(len(exact) == 2, f"race ({lang}): synchronised totals not exact: {p.stdout}")
    p = demo("life-cycle", "--quick", "--lang", lang)
    check(any(" Z " in l for l in p.stdout.splitlines()), f"life-cycle ({lang}): no zombie seen: {p.stdout}")
    p = demo("sync", "--quick", "--lang", lang)
    check(p.stdout.count("합계 정확" if lang == "ko" else "total exact") == 2, f"sync ({lang}): producer/consumer totals: {p.stdout}")
    p = demo("futures", "--quick", "--lang", lang)
    check(p.stdout.count("7 succeeded" if lang == "en" else "나머지 7개 성공") == 2,
          f"futures ({lang}): the failure and the timeout did not stay alone: {p.stdout}")
    p = demo("named-processes", "--quick", "--lang", lang)
    pids = {l.split()[2] for l in p.stdout.splitlines() if l.strip().startswith("worker-")}
    check(len(pids) == 8, f"named-processes ({lang}): {len(pids)} distinct pids")
p = demo("--all", "--quick")
check(p.returncode == 0 and [l[3:-3] for l in p.stdout.splitlines() if l.startswith("== ")] == list(DEMOS),
      "--all runs every demo in course order")
# --live: drawn on a terminal (a pseudo-terminal from script(1)), ignored elsewhere
import shutil  # noqa: E402
if shutil.which("script"):
    cmd = f"{PARBENCH} demo square-cube --quick --live"
    t = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True, timeout=120)
    check(t.returncode == 0 and "cpu0" in t.stdout and "Lesson" in t.stdout and "\033[J" in t.stdout,
          f"--live on a terminal: {t.returncode} {t.stdout[-300:]!r}")
p = demo("square-cube", "--quick", "--live")
check(p.returncode == 0 and "\033[" not in p.stdout + p.stderr and "Lesson" in p.stdout, "--live without a terminal")
p = demo("nope")
check(p.returncode == 2 and "unknown demo 'nope'" in p.stderr, f"unknown demo: {p.stderr}")
p = demo("race", "--lang", "fr")
check(p.returncode == 2 and "--lang" in p.stderr, f"bad language: {p.stderr}")

report("demos")
