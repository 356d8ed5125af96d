"""Bad input: one line naming the argument, exit 2, nothing written; every
row of the table in docs/bad-input.md, run as it is written there."""
import os
import shlex
import subprocess
import sys
import tempfile

from checks import check, report

PARBENCH, SOURCE = sys.argv[1], sys.argv[2]


# the messages in English, whatever the language of the session that runs the tests (test_i18n.py checks the Korean)
ENV = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}


def run(args, cwd):
    return subprocess.run([PARBENCH] + args, cwd=cwd, capture_output=True, text=True, timeout=60, env=ENV)


def bad_inputs():
    """The table of docs/bad-input.md: (arguments, text the message must contain)."""
    rows = []
    with open(os.path.join(SOURCE, "docs", "bad-input.md"), encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 3 and cells[1].startswith("`parbench"):
                args = shlex.split(cells[1].strip("`"))[1:]
                rows.append((args, cells[2].strip("`")))
    return rows


BAD = bad_inputs()
check(len(BAD) >= 60, f"docs/bad-input.md: {len(BAD)} rows read")

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
                       (["trace", "--help"], "Usage: parbench trace"),
                       (["topology", "--synthetic", "pack:2 core:2 pu:2", "--pin", "scatter", "-n", "2"],
                        "worker 1    PU 4")]:
        p = run(args, cwd)
        check(p.returncode == 0, f"{args}: exit {p.returncode}")
        check(text in p.stdout, f"{args}: stdout lacks {text!r}")
    check(os.listdir(cwd) == [], "help or list wrote files")

report("cli_errors")
