"""The plotting and report scripts on a small result set made here: every
picture is written, the report's figures match the CSV, a result set
compared with itself gives ratios of 1, and bad input is refused with the
file (and line) named and no half-written image left."""
import csv
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, report

PARBENCH, SOURCE = sys.argv[1], sys.argv[2]
PY = "/usr/bin/python3"
os.environ["PARBENCH_EXE"] = PARBENCH   # the scripts run alone read the columns' types from this parbench
PLOT = os.path.join(SOURCE, "plots", "plot.py")
REPORT = os.path.join(SOURCE, "plots", "report.py")


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def images(folder):
    return sorted(f for f in os.listdir(folder) if f.endswith((".png", ".svg", ".part")))


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "set")
    p = run([PARBENCH, "run", "-q", "--out", out, "-w", "sleep-square:tasks=6,min_ms=2,max_ms=6", "-w",
             "counter:n=2e6,tasks=4", "-b", "all", "-n", "1,2,4", "-r", "3", "--warmup", "0", "--sample-hz", "200"])
    check(p.returncode == 0, f"making the set: {p.stderr}")
    p = run([PARBENCH, "plot", out])
    check(p.returncode == 0, f"parbench plot: {p.returncode} {p.stderr}")
    # pictures named after what they show (the workload), PNG only unless --svg
    want = {"wall", "speedup", "cpu_sleep-square", "cpu_counter", "tasks_sleep-square", "tasks_counter"}
    for name in want:
        path = os.path.join(out, f"{name}.png")
        check(os.path.isfile(path) and os.path.getsize(path) > 1000, f"{name}.png written")
    check(not any(f.endswith(".svg") for f in os.listdir(out)), "SVG written without --svg")
    p = run([PARBENCH, "plot", out, "--svg"])
    check(p.returncode == 0 and all(os.path.getsize(os.path.join(out, f"{n}.svg")) > 1000 for n in want),
          f"plot --svg: {p.returncode} {p.stderr}")
    check(not any(f.endswith(".part") for f in os.listdir(out)), "a temporary image left behind")
    check(all(os.path.join(out, f"{n}.png") in p.stdout for n in want), f"paths printed: {p.stdout}")

    # the report's medians are the CSV's
    p = run([PARBENCH, "report", out])
    check(p.returncode == 0, f"parbench report: {p.stderr}")
    text = open(os.path.join(out, "report.md")).read()
    with open(os.path.join(out, "runs.csv"), newline="") as f:
        runs = list(csv.DictReader(f))
    by_config = {}
    for r in runs:
        by_config.setdefault(r["config_id"], []).append(float(r["wall_s"]))
    sys.path.insert(0, os.path.join(SOURCE, "plots"))
    from report import fmt_time  # noqa: E402
    from resultset import median  # noqa: E402
    for cid, walls in by_config.items():
        check(f"| {fmt_time(median(walls))} | n too small | {fmt_time(min(walls))} | {fmt_time(max(walls))} |" in text,
              f"config {cid}: median {fmt_time(median(walls))} (3 repetitions: no interval) not in the report")
    table = [line for line in text.splitlines() if line.startswith("| ")]
    check(len(table) == len(by_config) + 2, "one report row per configuration, after the header and its rule")
    check("AMD" in text or "cpu" in text.lower() or "PUs" in text, "machine described at the top")

    # a set compared with itself: every ratio 1
    p = run([PARBENCH, "report", out, "--compare", out])
    check(p.returncode == 0, f"compare: {p.stderr}")
    rows = [l for l in open(os.path.join(out, "compare.md")).read().splitlines() if l.startswith("| ") and "---" not in l]
    ratios = [float(l.split("|")[8]) for l in rows[1:]]
    check(len(ratios) == len(by_config) and all(abs(r - 1) < 1e-9 for r in ratios), f"self-comparison ratios {ratios}")
    check(os.path.isfile(os.path.join(out, "compare.png")), "compare.png")
    check(all("too few repetitions" in l and "no difference shown" in l for l in rows[1:]),
          "3 repetitions a side are called too few for the U test")

    # a backend plot.py has never heard of (thread-pool renamed in runs.csv) is drawn like the others: in
    # every picture, in its place in the set's order (first appearance), in a colour of its own
    renamed = os.path.join(tmp, "renamed")
    shutil.copytree(out, renamed, ignore=shutil.ignore_patterns("*.png", "*.svg", "*.md", "*.html", "*.json"))
    with open(os.path.join(renamed, "runs.csv"), newline="") as f:
        table = list(csv.reader(f))
    col = table[0].index("backend")
    for row in table[1:]:
        row[col] = "zz-unheard-of" if row[col] == "thread-pool" else row[col]
    with open(os.path.join(renamed, "runs.csv"), "w", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(table)
    order = list(dict.fromkeys(r[col] + ("/pipe" if r[table[0].index("ipc")] == "pipe" else "")
                               for r in sorted(table[1:], key=lambda r: int(r[table[0].index("config_id")]))))
    check("zz-unheard-of" in order and order.index("zz-unheard-of") < len(order) - 1,
          f"the renamed backend is not last in the set's order: {order}")
    import plot  # noqa: E402
    from resultset import ResultSet  # noqa: E402
    figures = {}

    def keep(fig, name):   # draw()'s `written` as a function: the figures, read before they close
        labels = {}
        for ax in fig.axes:
            for line in ax.get_lines():
                if not line.get_label().startswith("_"):
                    labels.setdefault(line.get_label(), line.get_color())
        ticks = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels()]
        titles = [ax.get_title() for ax in fig.axes]
        figures[name] = (labels, ticks, titles)
    plot.draw(ResultSet(renamed), keep)
    labels, ticks, _ = figures.get("speedup", ({}, [], []))
    drawn = [b for b in labels if b != "ideal"]
    check(drawn == [b for b in order if b != "serial"], f"speedup's lines {drawn}, the set's order {order}")
    colours = [labels[b] for b in drawn]
    check(len(set(colours)) == len(colours) and labels.get("zz-unheard-of") not in ("#888888", "#808080", None),
          f"each backend its own colour, not grey: {labels}")
    check(any("zz-unheard-of" in t for t in figures.get("wall", ({}, [], []))[1]), "the new backend in wall.png")
    check(any("zz-unheard-of" in t for t in figures.get("cpu_counter", ({}, [], []))[2]), "... in cpu_counter.png")
    check(any("zz-unheard-of" in t for t in figures.get("tasks_counter", ({}, [], []))[2]), "... in tasks_counter.png")
    p = run([PY, PLOT, renamed])
    check(p.returncode == 0 and os.path.join(renamed, "speedup.png") in p.stdout, f"plot.py on it: {p.stderr}")

    # Mann-Whitney: clearly different samples differ, identical ones do not
    from report import mann_whitney_p  # noqa: E402
    check(mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) < 0.05, "U test: separated samples")
    check(abs(mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) - 2 / 252) < 1e-12, "U test: exact p for 5 v 5")
    check(mann_whitney_p([1, 3, 5, 7], [2, 4, 6, 8]) > 0.5, "U test: interleaved samples")

    # bad input: named, refused, nothing half-written
    bad = os.path.join(tmp, "bad")
    os.mkdir(bad)
    p = run([PY, PLOT, bad])
    check(p.returncode != 0 and "runs.csv: missing" in p.stderr, f"not a result set: {p.stderr}")
    p = run([PY, PLOT, os.path.join(tmp, "nothing")])
    check(p.returncode != 0 and "not a folder" in p.stderr, f"no such folder: {p.stderr}")
    trunc = os.path.join(tmp, "trunc")
    shutil.copytree(out, trunc)
    for f in images(trunc):
        os.remove(os.path.join(trunc, f))
    data = open(os.path.join(trunc, "runs.csv"), "rb").read()
    open(os.path.join(trunc, "runs.csv"), "wb").write(data[:-7])
    p = run([PY, PLOT, trunc])
    check(p.returncode != 0 and "runs.csv: truncated" in p.stderr, f"truncated: {p.stderr}")
    check(images(trunc) == [], f"images written from a truncated set: {images(trunc)}")
    with open(os.path.join(out, "runs.csv"), newline="") as f:
        table = list(csv.reader(f))
    table[3][table[0].index("wall_s")] = "fast"
    with open(os.path.join(trunc, "runs.csv"), "w", newline="") as f:
        csv.writer(f).writerows(table)
    p = run([PY, REPORT, trunc])
    check(p.returncode != 0 and "runs.csv: line 4: wall_s='fast' is not a number" in p.stderr, f"bad field: {p.stderr}")
    with open(os.path.join(trunc, "runs.csv"), "w", newline="") as f:
        csv.writer(f).writerow(table[0])
    p = run([PY, PLOT, trunc])
    check(p.returncode != 0 and "no run recorded" in p.stderr, f"empty: {p.stderr}")
    check(images(trunc) == [], "images written from an empty set")

    # a comparison with the same runs pinned: no exact twins, so each configuration pairs with its pinned
    # self and the row names what differs; a table row per configuration and the picture
    pinned = os.path.join(tmp, "pinned")
    unpinned = os.path.join(tmp, "unpinned")
    for folder, extra in ((unpinned, []), (pinned, ["--pin", "scatter"])):
        p = run([PARBENCH, "run", "-q", "-w", "counter:n=1e5,tasks=2", "-b", "serial,pthread,thread-pool", "-n", "2",
                 "-r", "6", "--out", folder] + extra)
        check(p.returncode == 0, f"run {extra}: {p.stderr}")
    p = run([PY, REPORT, unpinned, "--compare", pinned])
    rows = [l for l in p.stdout.splitlines() if l.startswith("| counter")]
    check(p.returncode == 0 and len(rows) == 3 and all("pin: none -> scatter" in r for r in rows),
          f"compare against a pinned set: {p.stdout[-800:]}")
    check(os.path.isfile(os.path.join(pinned, "compare.png")), "compare.png of the pinned comparison")

report("plots")
