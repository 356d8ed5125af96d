"""The columns are declared once, and everything agrees with that one table:
`parbench schema --csv` is whole CSV and says what `parbench schema` says;
the files a fresh run (and a demo, and runs that lose tasks) writes have
exactly its columns, in its order, and every value has its column's type
(checked here by an oracle of our own, not by parbench's code); sets that
lack the optional columns (older ones) still read, and a missing required
column is named, by `parbench check` and plots/resultset.py alike; and
resultset.py takes the columns and types from the parbench it is given
(a fake parbench that types a column otherwise changes what it accepts),
finds one when run alone, and says so clearly when there is none."""
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile

from checks import check, report, skip

PARBENCH, SOURCE = os.path.abspath(sys.argv[1]), sys.argv[2]
PY = "/usr/bin/python3"
PLOTS = os.path.join(SOURCE, "plots")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


def read_csv(text):
    return list(csv.reader(io.StringIO(text, newline="")))


# ---- parbench schema --csv ---------------------------------------------------
p = run([PARBENCH, "schema", "--csv"])
check(p.returncode == 0 and p.stderr == "", f"schema --csv: exit {p.returncode} {p.stderr}")
raw = subprocess.run([PARBENCH, "schema", "--csv"], capture_output=True, timeout=60).stdout
check(raw.endswith(b"\r\n") and raw.count(b"\r\n") == raw.count(b"\n"), "schema --csv: CRLF after every record")
table = read_csv(p.stdout)
check(table[0] == ["file", "column", "type", "required", "meaning"], f"schema --csv header: {table[0]}")
check(all(len(r) == 5 for r in table), "schema --csv: 5 fields in every row")
help_text = run([PARBENCH, "schema", "--help"]).stdout
check("--csv" in help_text, "schema --help explains --csv")
# the types --help lists: an indented name, then what it allows
help_types = re.findall(r"^ {9}([a-z_]+) +\S", help_text, re.M)
check(len(help_types) >= 10, f"schema --help lists the types: {help_types}")
SCHEMA = {}   # file -> [(column, type, required, meaning)]
for f, col, typ, req, meaning in table[1:]:
    SCHEMA.setdefault(f, []).append((col, typ, req, meaning))
    check(typ in help_types, f"{f} {col}: type {typ!r} is not one schema --help lists")
    check(req in ("0", "1"), f"{f} {col}: required {req!r}")
    check(meaning.strip() != "", f"{f} {col}: no meaning")
check(sorted(SCHEMA) == ["machine.csv", "measures.csv", "runs.csv", "samples.csv", "tasks.csv"],
      f"files in schema --csv: {sorted(SCHEMA)}")
for f, cols in SCHEMA.items():
    names = [c[0] for c in cols]
    check(len(set(names)) == len(names), f"{f}: a column declared twice")

# the Markdown says the same: each file's table, columns in order, the same meanings
md = run([PARBENCH, "schema"]).stdout
md_tables = {}
current = None
for line in md.splitlines():
    m = re.match(r"^([a-z]+\.csv)\b", line)
    if m:
        current = m.group(1)
    elif line.startswith("| `") and current:
        name, meaning = re.match(r"^\| `([^`]+)` \| (.*) \|$", line).groups()
        md_tables.setdefault(current, []).append((name, meaning))
for f in ("runs.csv", "tasks.csv", "samples.csv", "measures.csv"):
    check(md_tables.get(f) == [(c[0], c[3]) for c in SCHEMA[f]], f"{f}: parbench schema and schema --csv differ")
check("machine.csv: `key,value` rows" in md and [c[0] for c in SCHEMA["machine.csv"]] == ["key", "value"],
      "machine.csv: key,value")

# ---- an oracle of the types, our own: what each type's values look like when parbench writes them
WHOLE = r"(0|[1-9][0-9]*)"
DECIMAL = r"[0-9]+(\.[0-9]+)?"
ORACLE = {
    "text": lambda v: True,
    "id": lambda v: re.fullmatch(r"[1-9][0-9]*", v),
    "count": lambda v: re.fullmatch(WHOLE, v),
    "count_or_empty": lambda v: v == "" or re.fullmatch(WHOLE, v),
    "integer_or_empty": lambda v: v == "" or re.fullmatch("-?" + WHOLE, v),
    "number": lambda v: re.fullmatch("-?" + DECIMAL, v),
    "number_or_empty": lambda v: v == "" or re.fullmatch("-?" + DECIMAL, v),
    "nonnegative_or_empty": lambda v: v == "" or re.fullmatch(DECIMAL, v),
    # busy is user + system, two floats, written with 4 decimals: its last decimal may pass 1
    "fraction_or_empty": lambda v: v == "" or (re.fullmatch(DECIMAL, v) and float(v) <= 1.0001),
    "flag": lambda v: v in ("0", "1"),
    "flag_or_empty": lambda v: v in ("", "0", "1"),
    "status": lambda v: v in ("done", "lost", "running", "pending"),
}
check(sorted(ORACLE) == sorted(help_types), f"the test's oracle and schema --help's types: {sorted(help_types)}")


def check_files(folder, what):
    """Every file of a set: exactly the schema's columns, in order, and every value of its type.
    Returns {file: rows} for further checks."""
    seen = {}
    for f, cols in SCHEMA.items():
        path = os.path.join(folder, f)
        if not os.path.isfile(path):
            continue
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        check(rows[0] == [c[0] for c in cols], f"{what} {f}: header {rows[0]} is not the schema's "
              f"{[c[0] for c in cols]}")
        for n, row in enumerate(rows[1:], 2):
            for (col, typ, _, _), v in zip(cols, row):
                check(ORACLE.get(typ, lambda v: False)(v), f"{what} {f}: line {n}: {col}={v!r} is not {typ}")
        seen[f] = rows
    return seen


with tempfile.TemporaryDirectory() as tmp:
    # ---- fresh result sets: every backend, pinned, both transports; lost tasks; a demo's measures
    sets = []
    good = os.path.join(tmp, "good")
    p = run([PARBENCH, "run", "-q", "--out", good, "-w", "counter:n=1e4,tasks=4", "-w",
             "sleep-square:tasks=3,min_ms=1,max_ms=3", "-b", "all", "-n", "1,2", "-r", "2", "--warmup", "0",
             "--pin", "compact", "--ipc", "arena,pipe", "--sample-hz", "200"])
    check(p.returncode == 0, f"the fresh run: {p.returncode} {p.stderr}")
    sets.append((good, "the fresh run"))
    for kind in ("segv", "exit"):
        lost = os.path.join(tmp, "lost-" + kind)
        p = run([PARBENCH, "run", "-q", "--out", lost, "-w", f"counter:n=1000,tasks=4,fault={kind}@1", "-b",
                 "fork,process-pool", "-n", "2", "-r", "1", "--warmup", "0"])
        check(p.returncode == 1, f"runs that lose a task ({kind}): exit {p.returncode} {p.stderr}")
        sets.append((lost, f"lost tasks ({kind})"))
    demo = os.path.join(tmp, "demo")
    p = run([PARBENCH, "demo", "race", "--quick", "--out", demo])
    check(p.returncode == 0, f"demo race --out: {p.returncode} {p.stderr[-300:]}")
    sets.append((demo, "a demo's set"))
    files_seen = set()
    for folder, what in sets:
        rows = check_files(folder, what)
        files_seen |= set(rows)
        c = run([PARBENCH, "check", folder])
        check(c.returncode == 0 and "whole" in c.stdout, f"parbench check {what}: {c.stdout} {c.stderr}")
    check(files_seen == set(SCHEMA), f"every file of the schema was written and checked: {sorted(files_seen)}")
    # the values the runs that lost tasks had to show, so that their types were tested on real values
    with open(os.path.join(tmp, "lost-segv", "tasks.csv"), newline="") as fh:
        t = list(csv.DictReader(fh))
    check(any(r["status"] == "lost" and r["signal"] != "" for r in t), "a lost task with its signal")
    with open(os.path.join(tmp, "lost-exit", "tasks.csv"), newline="") as fh:
        t = list(csv.DictReader(fh))
    check(any(r["status"] == "lost" and r["exit_status"] != "" for r in t), "a lost task with its exit status")

    # ---- older sets: the optional columns absent still read; a required one absent is named
    def rewrite(src, dst, drop):
        shutil.copytree(src, dst)
        for f, cols in SCHEMA.items():
            path = os.path.join(dst, f)
            if not os.path.isfile(path):
                continue
            with open(path, newline="") as fh:
                rows = list(csv.reader(fh))
            keep = [i for i, name in enumerate(rows[0]) if (f, name) not in drop]
            with open(path, "w", newline="") as fh:
                csv.writer(fh, lineterminator="\r\n").writerows([[r[i] for i in keep] for r in rows])

    os.environ["PARBENCH_EXE"] = PARBENCH
    sys.path.insert(0, PLOTS)
    import resultset  # noqa: E402

    optional = {(f, c[0]) for f, cols in SCHEMA.items() for c in cols if c[2] == "0"}
    old = os.path.join(tmp, "old")
    rewrite(good, old, optional)
    c = run([PARBENCH, "check", old])
    check(c.returncode == 0, f"a set without the optional columns: parbench check {c.stdout} {c.stderr}")
    try:
        rs = resultset.ResultSet(old)
        check(len(rs.runs) > 0 and len(rs.tasks) > 0, "a set without the optional columns: resultset.py reads it")
    except resultset.ResultSetError as e:
        check(False, f"a set without the optional columns: resultset.py: {e}")
    # drawn too when it is runs.csv that predates columns (the plots use some optional columns of
    # tasks.csv and samples.csv, there since those files were)
    old_runs = os.path.join(tmp, "old-runs")
    rewrite(good, old_runs, {(f, c) for f, c in optional if f == "runs.csv"})
    p = run([PY, os.path.join(PLOTS, "plot.py"), old_runs])
    check(p.returncode == 0 and "speedup.png" in p.stdout,
          f"plot.py draws a set whose runs.csv lacks the optional columns: {p.stderr}")
    for f, col in (("runs.csv", "ideal_s"), ("tasks.csv", "status"), ("samples.csv", "busy")):
        check((f, col) not in optional, f"{f} {col} is required")
        broken = os.path.join(tmp, f"no-{col}")
        rewrite(good, broken, {(f, col)})
        c = run([PARBENCH, "check", broken])
        check(c.returncode != 0 and f"no column {col}" in c.stderr, f"check without {col}: {c.stderr}")
        try:
            resultset.ResultSet(broken)
            check(False, f"resultset.py read a set without {f} {col}")
        except resultset.ResultSetError as e:
            check(f"{f}: line 1: missing column(s) {col}" in str(e), f"resultset.py without {col}: {e}")

    # ---- resultset.py's columns and types are the schema's, read from the parbench it is given
    got = resultset.schema()
    want = {f: {c[0]: (c[1], c[2] == "1") for c in cols} for f, cols in SCHEMA.items()}
    check(got == want, "resultset.schema() is parbench schema --csv")
    check(sorted(resultset.TYPES) == sorted(help_types), f"resultset.py knows every type: {sorted(resultset.TYPES)}")
    fake = os.path.join(tmp, "fake-parbench")
    p = run([PARBENCH, "schema", "--csv"])
    retyped = p.stdout.replace("runs.csv,result,text,0,", "runs.csv,result,count,0,")
    check("runs.csv,result,count,0," in retyped, "the fake schema types result as a count")
    with open(os.path.join(tmp, "fake-schema.csv"), "w", newline="") as fh:
        fh.write(retyped)
    with open(fake, "w") as fh:
        fh.write(f"#!/bin/sh\nexec cat {os.path.join(tmp, 'fake-schema.csv')}\n")
    os.chmod(fake, 0o755)
    plot = os.path.join(PLOTS, "plot.py")
    p = run([PY, plot, good], env=dict(os.environ, PARBENCH_EXE=fake))
    check(p.returncode == 2 and "runs.csv: line 2: result='total=" in p.stderr and "is not a whole number"
          in p.stderr, f"a parbench whose schema types result as a count: {p.returncode} {p.stderr}")
    p = run([PY, plot, good], env=dict(os.environ, PARBENCH_EXE=PARBENCH))
    check(p.returncode == 0, f"the real schema: {p.stderr}")
    with open(fake, "w") as fh:
        fh.write("#!/bin/sh\necho \"parbench schema: unknown option '--csv'\" >&2\nexit 2\n")
    p = run([PY, plot, good], env=dict(os.environ, PARBENCH_EXE=fake))
    check(p.returncode == 2 and "schema --csv" in p.stderr and "unknown option '--csv'" in p.stderr,
          f"a parbench without --csv: {p.stderr}")

    # ---- run alone: build/parbench beside plots/, else parbench on the PATH, else a clear message
    alone = os.path.join(tmp, "tree")
    shutil.copytree(PLOTS, os.path.join(alone, "plots"), ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "PARBENCH_EXE"}
    bare_path = "/usr/bin:/bin"
    plot = os.path.join(alone, "plots", "plot.py")
    if shutil.which("parbench", path=bare_path):
        skip("a parbench is installed in /usr/bin: the no-parbench case cannot be tried")
    else:
        before = sorted(os.listdir(good))
        p = run([PY, plot, good], env=dict(env, PATH=bare_path))
        check(p.returncode == 2 and "cannot find parbench" in p.stderr and "PARBENCH_EXE" in p.stderr,
              f"no parbench anywhere: {p.returncode} {p.stderr}")
        check(sorted(os.listdir(good)) == before, "no parbench: nothing written")
    os.mkdir(os.path.join(alone, "build"))
    os.symlink(PARBENCH, os.path.join(alone, "build", "parbench"))
    p = run([PY, plot, good], env=dict(env, PATH=bare_path))
    check(p.returncode == 0 and "wall.png" in p.stdout, f"build/parbench beside plots/: {p.stderr}")
    shutil.rmtree(os.path.join(alone, "build"))
    bindir = os.path.join(tmp, "bin")
    os.mkdir(bindir)
    os.symlink(PARBENCH, os.path.join(bindir, "parbench"))
    p = run([PY, plot, good], env=dict(env, PATH=bindir + ":" + bare_path))
    check(p.returncode == 0 and "wall.png" in p.stdout, f"parbench on the PATH: {p.stderr}")

report("schema")
