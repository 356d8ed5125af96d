"""Reading a parbench result set with the standard library, checked: a
missing or truncated file, or a row that does not parse, is an error that
names the file and line."""
import csv
import os

import stats

median = stats.median   # the readers of a set take it from here


class ResultSetError(Exception):
    pass


RUNS_NEEDED = ("run_id", "config_id", "workload", "params", "backend", "workers", "ipc", "rep", "wall_s",
               "ideal_s", "busy_cores", "ok", "pus")
NUMERIC = {"wall_s", "spawn_s", "work_s", "join_s", "user_s", "sys_s", "busy_cores", "cpu_util", "ideal_s",
           "efficiency", "startup_s", "t_s", "dt_s", "busy", "user", "system", "start_s", "end_s", "cpu_s"}


def _read(path, needed=(), required=True):
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
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            raise ResultSetError(f"{path}: line {line}: wrong number of fields")
        for k, v in row.items():
            if k in NUMERIC and v != "":
                try:
                    float(v)
                except ValueError:
                    raise ResultSetError(f"{path}: line {line}: {k}={v!r} is not a number") from None
        rows.append(row)
    return rows


class ResultSet:
    def __init__(self, folder):
        if not os.path.isdir(folder):
            raise ResultSetError(f"{folder}: not a folder")
        self.folder = folder
        runs = _read(os.path.join(folder, "runs.csv"), RUNS_NEEDED)
        # a configuration whose backend could not start has a row with no measurements
        self.not_run = [r for r in runs if r["wall_s"] == ""]
        self.runs = [r for r in runs if r["wall_s"] != ""]
        has_measures = os.path.isfile(os.path.join(folder, "measures.csv"))
        if not self.runs and not has_measures:   # a demo's set may hold only what the demo measured itself
            why = f" ({len(self.not_run)} could not start: {self.not_run[0]['note']})" if self.not_run else ""
            raise ResultSetError(f"{os.path.join(folder, 'runs.csv')}: no run recorded{why}")
        self.samples = _read(os.path.join(folder, "samples.csv"), ("run_id", "t_s", "cpu", "busy"), False) or []
        self.tasks = _read(os.path.join(folder, "tasks.csv"), ("run_id", "task", "worker", "start_s", "end_s"),
                           False) or []
        m = _read(os.path.join(folder, "machine.csv"), ("key", "value"), False) or []
        self.machine = {r["key"]: r["value"] for r in m}
        # what `parbench demo --out` measured: demo, case, metric, value, unit, expected, run_id
        self.measures = _read(os.path.join(folder, "measures.csv"),
                              ("demo", "case", "metric", "value", "unit", "expected", "run_id"), False) or []
        for line, r in enumerate(self.measures, 2):
            for k in ("value", "expected"):
                if k == "expected" and r[k] == "":
                    continue
                try:
                    float(r[k])
                except ValueError:
                    raise ResultSetError(f"{folder}/measures.csv: line {line}: {k}={r[k]!r} is not a number") from None
        self.bench = {}
        own = ("runs.csv", "samples.csv", "tasks.csv", "machine.csv", "measures.csv")
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
