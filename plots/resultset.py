"""Reading a parbench result set with the standard library, checked: a
missing or truncated file, or a row that does not parse, is an error that
names the file and line.

The columns of parbench's files, their types and which a reader needs are
not declared here: they come from `parbench schema --csv` (one table in
src/output/schema.c declares them for the C code, the checks and the
documentation alike). The parbench asked is the one that started the script
($PARBENCH_EXE, set by `parbench plot`, `report` and `trace`); a script run
alone asks the source tree's build/parbench, else the installed parbench
beside the scripts (<prefix>/bin), else `parbench` on the PATH."""
import csv
import io
import math
import os
import re
import shutil
import subprocess

import stats

median = stats.median   # the readers of a set take it from here


class ResultSetError(Exception):
    pass


PARBENCH_ENV = "PARBENCH_EXE"


def find_parbench():
    """The parbench whose schema is read (see the module's docstring)."""
    exe = os.environ.get(PARBENCH_ENV)
    if exe:
        return exe
    here = os.path.dirname(os.path.realpath(__file__))
    for candidate in (os.path.join(here, "..", "build", "parbench"),           # the source tree's plots/
                      os.path.join(here, "..", "..", "..", "bin", "parbench")):  # <prefix>/share/parbench/plots
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.normpath(candidate)
    found = shutil.which("parbench")
    if found:
        return found
    raise ResultSetError("cannot find parbench, whose `parbench schema --csv` gives the columns and their types: "
                         f"set {PARBENCH_ENV} to it, build it in the source tree's build/, or put it on the PATH")


_WHOLE = re.compile(r"[0-9]{1,18}")
_SIGNED = re.compile(r"-?[0-9]{1,18}")


def _number(v):
    """A finite number as parbench writes one (no spaces, no digit separators), else None."""
    if " " in v or "_" in v:
        return None
    try:
        x = float(v)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _at_least_0(v):
    x = _number(v)
    return x is not None and x >= 0


def _fraction(v):
    x = _number(v)
    return x is not None and 0 <= x <= 1.0001   # as parbench check: the last of busy's 4 decimals (a sum)


# What each type of `parbench schema --csv` allows (its --help says it in words): whether an empty
# field is allowed, the test of any other value, and what the message says a value is not.
TYPES = {
    "text": (True, lambda v: True, ""),
    "id": (False, lambda v: bool(_WHOLE.fullmatch(v)) and int(v) >= 1, "is not a whole number from 1"),
    "count": (False, lambda v: bool(_WHOLE.fullmatch(v)), "is not a whole number"),
    "count_or_empty": (True, lambda v: bool(_WHOLE.fullmatch(v)), "is not a whole number"),
    "integer_or_empty": (True, lambda v: bool(_SIGNED.fullmatch(v)), "is not a whole number"),
    "number": (False, lambda v: _number(v) is not None, "is not a number"),
    "number_or_empty": (True, lambda v: _number(v) is not None, "is not a number"),
    "nonnegative_or_empty": (True, _at_least_0, "is not a number >= 0"),
    "fraction_or_empty": (True, _fraction, "is not a fraction from 0 to 1"),
    "flag": (False, lambda v: v in ("0", "1"), "is not 0 or 1"),
    "flag_or_empty": (True, lambda v: v in ("0", "1"), "is not 0, 1 or empty"),
    "status": (False, lambda v: v in ("done", "lost", "running", "pending"), "is not done, lost, running or pending"),
}

_schema = None


def schema():
    """{file name: {column: (type, required)}}, columns in the order they are written, as the
    parbench found by find_parbench() declares them; asked once."""
    global _schema
    if _schema is not None:
        return _schema
    exe = find_parbench()
    try:
        p = subprocess.run([exe, "schema", "--csv"], capture_output=True, text=True, timeout=60)
    except OSError as e:
        raise ResultSetError(f"cannot run {exe} schema --csv (the columns and their types): {e}") from None
    if p.returncode != 0:
        raise ResultSetError(f"{exe} schema --csv (the columns and their types): exit {p.returncode}: "
                             f"{p.stderr.strip()}")
    rows = list(csv.DictReader(io.StringIO(p.stdout, newline="")))
    out = {}
    for r in rows:
        if None in r or any(r.get(k) is None for k in ("file", "column", "type", "required")):
            raise ResultSetError(f"{exe} schema --csv: not the columns file,column,type,required,meaning")
        if r["type"] not in TYPES:
            raise ResultSetError(f"{exe} schema --csv: {r['file']} {r['column']}: type {r['type']!r} is not one "
                                 "plots/resultset.py knows (its TYPES)")
        out.setdefault(r["file"], {})[r["column"]] = (r["type"], r["required"] == "1")
    if "runs.csv" not in out:
        raise ResultSetError(f"{exe} schema --csv: no runs.csv columns")
    _schema = out
    return out


def _read(path, needed=(), types=None, required=True):
    """Rows of a CSV file as dicts; `needed`: the columns it must have; `types`: {column: type} of
    `parbench schema --csv`, each value checked against its column's."""
    if not os.path.isfile(path):
        if required:
            raise ResultSetError(f"{path}: missing (is this a parbench result set?)")
        return None
    with open(path, newline="", encoding="utf-8") as f:
        raw = f.read()
    if raw and not raw.endswith("\n"):
        raise ResultSetError(f"{path}: truncated (the last line is not complete)")
    rows = []
    reader = csv.DictReader(raw.splitlines())
    if reader.fieldnames is None:
        raise ResultSetError(f"{path}: empty (no header row)")
    missing = [c for c in needed if c not in reader.fieldnames]
    if missing:
        raise ResultSetError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
    checks = [(k, TYPES[t]) for k, t in (types or {}).items() if t != "text" and k in reader.fieldnames]
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            raise ResultSetError(f"{path}: line {line}: wrong number of fields")
        for k, (empty_ok, ok, is_not) in checks:
            v = row[k]
            if not (v == "" and empty_ok) and not (v != "" and ok(v)):
                raise ResultSetError(f"{path}: line {line}: {k}={v!r} {is_not}")
        rows.append(row)
    return rows


def _read_own(folder, name, required=True):
    """One of parbench's files, its columns and types as `parbench schema --csv` declares them: the
    required ones must be there (older sets lack some others: those are checked where present)."""
    cols = schema().get(name, {})
    return _read(os.path.join(folder, name), [c for c, (_, req) in cols.items() if req],
                 {c: t for c, (t, _) in cols.items()}, required)


class ResultSet:
    def __init__(self, folder):
        if not os.path.isdir(folder):
            raise ResultSetError(f"{folder}: not a folder")
        self.folder = folder
        own = set(schema())   # runs.csv, samples.csv, tasks.csv, machine.csv, measures.csv
        bench_only = not os.path.isfile(os.path.join(folder, "runs.csv")) and any(
            n.endswith(".csv") and n not in own for n in os.listdir(folder))
        # a bench program's output alone (build/forkjoin --pb_out=DIR): its CSV, no runs
        runs = [] if bench_only else _read_own(folder, "runs.csv")
        # a configuration whose backend could not start has a row with no measurements
        self.not_run = [r for r in runs if r["wall_s"] == ""]
        self.runs = [r for r in runs if r["wall_s"] != ""]
        has_measures = os.path.isfile(os.path.join(folder, "measures.csv"))
        if not self.runs and not has_measures and not bench_only:   # a demo's set may hold only what the demo measured itself
            why = f" ({len(self.not_run)} could not start: {self.not_run[0]['note']})" if self.not_run else ""
            raise ResultSetError(f"{os.path.join(folder, 'runs.csv')}: no run recorded{why}")
        self.samples = _read_own(folder, "samples.csv", False) or []
        self.tasks = _read_own(folder, "tasks.csv", False) or []
        self.machine = {r["key"]: r["value"] for r in _read_own(folder, "machine.csv", False) or []}
        # what `parbench demo --out` measured: demo, case, metric, value, unit, expected, run_id
        self.measures = _read_own(folder, "measures.csv", False) or []
        self.bench = {}
        for name in sorted(os.listdir(folder)):
            if name.endswith(".csv") and name not in own:
                rows = _read(os.path.join(folder, name), ("benchmark", "run_type", "metric", "value"), False)
                if rows is not None:
                    self.bench[name[:-4]] = rows

    def configs(self):
        """Configurations in configuration order (config_id; with --order interleaved the runs of
        several configurations alternate in runs.csv): config_id -> its runs, by repetition."""
        out = {}
        for r in sorted(self.runs, key=lambda r: (int(r["config_id"]), int(r["rep"]), int(r["run_id"]))):
            out.setdefault(r["config_id"], []).append(r)
        return out


# How a configuration ran beyond workload, backend and W: the keys a
# comparison may pair across when no exact twin exists, and which labels show.
VARIANT_KEYS = ("ipc", "pin", "gil", "wait")
VARIANT_DEFAULTS = {"ipc": "arena", "pin": "none", "gil": "0", "wait": ""}


def variant_of(r):
    """(ipc, pin, gil, wait) of a row; columns a set predates read as their defaults."""
    return tuple(r.get(k) or VARIANT_DEFAULTS[k] for k in VARIANT_KEYS)


def config_key(r):
    """What makes a configuration: workload, parameters, backend, W and its variant."""
    return (r["workload"], r["params"], r["backend"], r["workers"]) + variant_of(r)


def backend_label(r):
    """'pthread', 'process-pool/pipe', 'pthread+gil', 'fork@compact', 'thread-pool wait=active'."""
    ipc, pin, gil, wait = variant_of(r)
    return (r["backend"] + ("/pipe" if ipc == "pipe" else "") + ("+gil" if gil == "1" else "") +
            (f"@{pin}" if pin != "none" else "") + (f" wait={wait}" if wait and wait != "adaptive" else ""))


def config_label(r, with_params=True):
    """A configuration as the summary names it; * after W when the workers
    outnumbered the PUs (oversubscribed)."""
    params = f":{r['params']}" if with_params else ""
    over = "*" if r.get("oversubscribed") == "1" else ""
    return f"{r['workload']}{params} {backend_label(r)} W={r['workers']}{over}"
