"""plots/stats.py on the cases of tests/stats_cases.txt (the C side is tested
on the same file by test_stats.c), its interval ranks against the C ranks for
every n up to 2000, and each rank against the definition, with exact
fractions: coverage >= 95% at k and below it at k + 1."""
import os
import subprocess
import sys
from fractions import Fraction
from math import comb

from checks import check, report

C_TEST, CASES, SOURCE = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(SOURCE, "plots"))
import stats  # noqa: E402

RANKS_UP_TO = 2000


def coverage(n, k):
    """P(x_(k) <= median <= x_(n+1-k)) = 1 - 2 P(B <= k - 1), B ~ Bin(n, 1/2), exactly."""
    return 1 - 2 * Fraction(sum(comb(n, i) for i in range(k)), 2 ** n)


cases = 0
for lineno, line in enumerate(open(CASES, encoding="utf-8"), 1):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    head, _, tail = line.partition(":")
    words = head.split()
    values = [float(w) for w in tail.split()]
    kind, where = words[0], f"{os.path.basename(CASES)}:{lineno}"
    cases += 1
    if kind == "ci":
        n = int(words[1])
        want = None if words[2] == "-" else (int(words[2]), int(words[3]))
        check(stats.median_ci_ranks(n) == want, f"{where}: n={n} ranks {stats.median_ci_ranks(n)}, expected {want}")
    elif kind == "median":
        check(stats.median(values) == float(words[1]), f"{where}: median {stats.median(values)}")
    elif kind == "ci_values":
        want = (float(words[1]), float(words[2]))
        check(stats.median_ci(values) == want, f"{where}: interval {stats.median_ci(values)}, expected {want}")
    elif kind == "outliers":
        want = [] if words[1] == "-" else [int(i) for i in words[1].split(",")]
        check(stats.outliers(values) == want, f"{where}: outliers {stats.outliers(values)}, expected {want}")
    elif kind == "first_slow":
        check(stats.first_much_slower(values) == (words[1] == "yes"), f"{where}: first much slower")
    else:
        check(False, f"{where}: cannot read this case")
check(cases >= 40, f"only {cases} cases read")

# C and Python agree on every n up to RANKS_UP_TO, and both meet the definition
p = subprocess.run([C_TEST, "--ranks", str(RANKS_UP_TO)], capture_output=True, text=True, timeout=60)
check(p.returncode == 0, f"test_stats --ranks: {p.stderr}")
c_ranks = {}
for line in p.stdout.splitlines():
    n, lo, hi = line.split()
    c_ranks[int(n)] = None if lo == "-" else (int(lo), int(hi))
check(len(c_ranks) == RANKS_UP_TO, f"C printed {len(c_ranks)} ranks")
disagree = [n for n in range(1, RANKS_UP_TO + 1) if c_ranks.get(n) != stats.median_ci_ranks(n)]
check(not disagree, f"C and Python ranks differ for n in {disagree[:10]}")
for n in list(range(1, 61)) + [61, 99, 100, 101, 255, 256, 1000, 1999, 2000]:
    r = stats.median_ci_ranks(n)
    if n < 6:
        check(r is None and coverage(n, 1) < Fraction(95, 100), f"n={n}: no interval reaches 95%")
        continue
    k = r[0]
    check(r[1] == n + 1 - k, f"n={n}: symmetric ranks {r}")
    check(coverage(n, k) >= Fraction(95, 100) > coverage(n, k + 1), f"n={n}: k={k} is not the largest with 95%")

# the old report rule (|0.6745 (x - median) / MAD| > 14.826, nothing when the
# MAD is 0) missed both of hyperfine's cases below; this one must not
check(stats.outliers([0.5, 0.30, 0.29, 0.31, 0.30]) == [0], "a value 20 MADs out")
check(stats.outliers([10] * 7 + [100]) == [7], "MAD of 0")

# the U test, moved here from report.py: exact p for 5 v 5, interleaved samples
check(abs(stats.mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) - 2 / 252) < 1e-12, "U test: exact p for 5 v 5")
check(stats.mann_whitney_p([1, 3, 5, 7], [2, 4, 6, 8]) > 0.5, "U test: interleaved samples")
check(stats.intervals_overlap((1, 2), (2, 3)) and not stats.intervals_overlap((1, 2), (2.5, 3)), "overlap")

report("stats_py")
