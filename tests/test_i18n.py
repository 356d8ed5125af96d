"""Translations: po/ko.po is a valid catalogue (msgfmt --check), it
translates every message the code marks with _() or N_() in the files of
po/POTFILES (xgettext, then msgcmp: a message added without its Korean
fails here), POTFILES names every file that marks messages, and the built
parbench speaks Korean when asked, through --lang or the environment: the
demos, every command's --help (naming every option the English one names)
and the command line's own errors (same exit status), while the core's
sentences stay English, in the result files too."""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

from checks import check, report, skip

PARBENCH, SOURCE = sys.argv[1], sys.argv[2]
tools = [shutil.which(t) for t in ("msgfmt", "xgettext", "msgcmp")]
po = os.path.join(SOURCE, "po", "ko.po")

if not all(tools):
    skip("gettext's msgfmt, xgettext and msgcmp are not installed (tools/bootstrap installs gettext)")
else:
    p = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", po], capture_output=True, text=True)
    check(p.returncode == 0 and "untranslated" not in p.stderr and "fuzzy" not in p.stderr,
          f"msgfmt --check po/ko.po: {p.stderr}")
    listed = [l.strip() for l in open(os.path.join(SOURCE, "po", "POTFILES")) if l.strip() and not l.startswith("#")]
    sources = (glob.glob(os.path.join(SOURCE, "src", "**", "*.[ch]"), recursive=True) +
               glob.glob(os.path.join(SOURCE, "include", "**", "*.h"), recursive=True))
    marked = sorted(os.path.relpath(f, SOURCE) for f in sources
                    if re.search(r'(^|[^A-Za-z0-9_])N?_\("', open(f, encoding="utf-8").read()))
    check(sorted(listed) == marked, f"po/POTFILES lists {sorted(set(listed) ^ set(marked))} wrongly")
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "parbench.pot")
        p = subprocess.run(["xgettext", "--keyword=_", "--keyword=N_", "--from-code=UTF-8", "-D", SOURCE, "-o", pot,
                            *listed], capture_output=True, text=True)
        check(p.returncode == 0, f"xgettext: {p.stderr}")
        p = subprocess.run(["msgcmp", po, pot], capture_output=True, text=True)
        check(p.returncode == 0, f"po/ko.po lacks translations of marked messages:\n{p.stderr[-2000:]}")

env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
hangul = re.compile("[\uac00-\ud7a3]")
for how, args, extra in (("--lang ko", ["demo", "--lang", "ko"], {}), ("LANGUAGE=ko", ["demo"], {"LANGUAGE": "ko"}),
                         ("LANG=ko_KR.UTF-8", ["demo"], {"LANG": "ko_KR.UTF-8"})):
    p = subprocess.run([PARBENCH, *args], capture_output=True, text=True, env={**env, **extra})
    check(p.returncode == 0 and hangul.search(p.stdout) and "Demos (" not in p.stdout, f"{how}: {p.stdout[:200]}")
p = subprocess.run([PARBENCH, "demo"], capture_output=True, text=True, env={**env, "LANG": "C"})
check(p.returncode == 0 and "Demos (" in p.stdout and not hangul.search(p.stdout), f"LANG=C: {p.stdout[:200]}")
p = subprocess.run([PARBENCH, "--help"], capture_output=True, text=True, env={**env, "LANGUAGE": "ko"})
check(p.returncode == 0 and "사용법" in p.stdout, f"--help under LANGUAGE=ko: {p.stdout[:200]}")
p = subprocess.run([PARBENCH, "demo", "nope"], capture_output=True, text=True, env={**env, "LANGUAGE": "ko"})
check(p.returncode == 2 and "알 수 없는 데모 'nope'" in p.stderr, f"an error under LANGUAGE=ko: {p.stderr}")
# every command's --help: Korean under LANGUAGE=ko, with every option the English one names; English (the man
# page is made from it) without
ko = {**env, "LANGUAGE": "ko"}
for cmd in ("run", "list", "schema", "topology", "plot", "report", "check", "trace", "demo"):
    en_help = subprocess.run([PARBENCH, cmd, "--help"], capture_output=True, text=True, env=env)
    ko_help = subprocess.run([PARBENCH, cmd, "--help"], capture_output=True, text=True, env=ko)
    check(en_help.returncode == 0 and en_help.stdout.startswith(f"Usage: parbench {cmd}")
          and not hangul.search(en_help.stdout), f"{cmd} --help without LANGUAGE: {en_help.stdout[:200]}")
    check(ko_help.returncode == 0 and ko_help.stdout.startswith(f"사용법: parbench {cmd}")
          and "Usage:" not in ko_help.stdout, f"{cmd} --help under LANGUAGE=ko: {ko_help.stdout[:200]}")
    options = set(re.findall(r"--[a-z][a-z-]*", en_help.stdout))
    missing = options - set(re.findall(r"--[a-z][a-z-]*", ko_help.stdout))
    check(not missing, f"{cmd} --help under LANGUAGE=ko does not name {sorted(missing)}")
# the command line's own errors are Korean under LANGUAGE=ko, with the option named and the same exit status
p = subprocess.run([PARBENCH, "run", "--reps", "0"], capture_output=True, text=True, env=env)
check(p.returncode == 2 and "--reps: 0 is out of range" in p.stderr and "Try 'parbench run --help'." in p.stderr,
      f"run --reps 0 without LANGUAGE: exit {p.returncode}, {p.stderr!r}")
p = subprocess.run([PARBENCH, "run", "--reps", "0"], capture_output=True, text=True, env=ko)
check(p.returncode == 2 and "--reps: 0" in p.stderr and hangul.search(p.stderr) and "out of range" not in p.stderr
      and "'parbench run --help'" in p.stderr and p.stdout == "",
      f"run --reps 0 under LANGUAGE=ko: exit {p.returncode}, {p.stderr!r}")
p = subprocess.run([PARBENCH, "topology", "--bogus"], capture_output=True, text=True, env=ko)
check(p.returncode == 2 and "'--bogus'" in p.stderr and hangul.search(p.stderr),
      f"topology --bogus under LANGUAGE=ko: exit {p.returncode}, {p.stderr!r}")
# the core's sentences stay English: they are also written into result files (runs.csv's note)
p = subprocess.run([PARBENCH, "run", "-w", "counter:bogus=1"], capture_output=True, text=True, env=ko)
check(p.returncode == 2 and "unknown parameter 'bogus'" in p.stderr and "'parbench run --help'" in p.stderr,
      f"a workload's parameter error under LANGUAGE=ko: exit {p.returncode}, {p.stderr!r}")
# ... and so do the C library's words the core quotes in a result file: a worker's signal in runs.csv's note
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "set")
    p = subprocess.run([PARBENCH, "run", "-w", "counter:n=1e5,tasks=2,fault=abort@1", "-b", "fork", "-n", "1", "-r", "1",
                        "--warmup", "0", "-q", "-o", out], capture_output=True, text=True, env=ko)
    notes = open(os.path.join(out, "runs.csv"), encoding="utf-8").read() if os.path.exists(out) else ""
    check(p.returncode == 1 and "signal 6 (Aborted)" in notes and not hangul.search(notes),
          f"runs.csv under LANGUAGE=ko: exit {p.returncode}, {notes[-300:]!r} {p.stderr[-300:]!r}")
# numbers keep the C locale whatever the language: a decimal point in every table
p = subprocess.run([PARBENCH, "demo", "race", "--quick"], capture_output=True, text=True,
                   env={**env, "LANGUAGE": "ko", "LC_ALL": "de_DE.UTF-8"})
check(re.search(r"\d\.\d{3} ms", p.stdout) is not None, f"decimal point under LC_ALL=de_DE: {p.stdout[-300:]}")
report("i18n")
