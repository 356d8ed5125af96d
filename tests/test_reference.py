"""results/reference, the committed result set the README shows, is what it
says: parbench check finds it whole; its files have exactly the columns the
code writes today (a fresh run's headers: a reference that falls behind a
new column fails here); it was made from a clean, committed tree (its
git_revision has no -dirty); its pictures are PNG, as parbench plot makes
them (no SVG in the repository); and overhead.csv from bench/overhead is
there with the goal and met columns."""
import csv
import os
import subprocess
import sys
import tempfile

from checks import check, report

PARBENCH, SOURCE = sys.argv[1], sys.argv[2]
ref = os.path.join(SOURCE, "results", "reference")


def header(path):
    with open(path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


p = subprocess.run([PARBENCH, "check", ref], capture_output=True, text=True, timeout=300)
check(p.returncode == 0 and "whole" in p.stdout and "warning" not in p.stdout + p.stderr,
      f"parbench check results/reference: {p.stdout} {p.stderr}")
with tempfile.TemporaryDirectory() as tmp:
    fresh = os.path.join(tmp, "fresh")
    p = subprocess.run([PARBENCH, "run", "-q", "-w", "counter:n=1e4,tasks=2", "-b", "serial,pthread", "-n", "2",
                        "-r", "1", "--warmup", "0", "--out", fresh], capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, f"a fresh run: {p.stderr}")
    for name in ("runs.csv", "tasks.csv", "samples.csv"):
        check(os.path.isfile(os.path.join(fresh, name)), f"{name}: the fresh run did not write it")
        if os.path.isfile(os.path.join(fresh, name)):
            check(header(os.path.join(ref, name)) == header(os.path.join(fresh, name)),
                  f"{name}: the reference's columns differ from what the code writes now: "
                  f"{sorted(set(header(os.path.join(fresh, name))) ^ set(header(os.path.join(ref, name))))}")
    with open(os.path.join(ref, "machine.csv"), newline="") as f:
        machine = {r["key"]: r["value"] for r in csv.DictReader(f)}
    with open(os.path.join(fresh, "machine.csv"), newline="") as f:
        fresh_keys = {r["key"] for r in csv.DictReader(f)}
    check(fresh_keys <= set(machine), f"machine.csv lacks keys the code writes now: {fresh_keys - set(machine)}")
    check(machine.get("git_revision", "") not in ("", "unknown") and not machine["git_revision"].endswith("-dirty"),
          f"made from a clean, committed tree: git_revision {machine.get('git_revision')!r}")
files = os.listdir(ref)
check(not any(f.endswith(".svg") for f in files), f"SVG in the reference (parbench plot --svg makes them): "
      f"{[f for f in files if f.endswith('.svg')]}")
check({"wall.png", "speedup.png", "report.md", "overhead.csv", "overhead.png"} <= set(files),
      f"pictures, report and bench output: {sorted(files)}")
if "overhead.csv" in files:
    cols = header(os.path.join(ref, "overhead.csv"))
    check("goal" in cols and "met" in cols, f"overhead.csv from today's bench/overhead (goal, met): {cols}")
report("reference")
