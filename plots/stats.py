"""Statistics of repeated measurements, as the reports show them; the same
as the C side (include/parbench/stats.h), tested on the same cases
(tests/stats_cases.txt):

- median, and a 95% confidence interval for it that assumes nothing about
  the distribution: the order statistics x_(k) and x_(n+1-k) of the sorted
  sample, k the largest rank with P(x_(k) <= median <= x_(n+1-k))
  = 1 - 2 P(B <= k - 1) >= 95%, B ~ Bin(n, 1/2) (the binomial method); below
  6 values no such pair exists and there is no interval ("n too small");
- outliers by hyperfine's rule (its src/outlier_detection.rs): modified
  z-score (x - median) / MAD, MAD the unscaled median absolute deviation
  (the machine epsilon when it is 0), beyond 14.826 = 10 x 1.4826 in
  absolute value; the first repetition is "much slower than the rest" when
  its own score is above 14.826;
- the two-sided Mann-Whitney U test."""
import math
import sys
from fractions import Fraction
from functools import lru_cache

CI_LEVEL = Fraction(95, 100)
CI_MIN_N = 6
OUTLIER_THRESHOLD = 14.826
EPSILON = sys.float_info.epsilon   # hyperfine's stand-in for a MAD of 0 (f64::EPSILON)


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def median_ci_ranks(n):
    """(lo, hi): 1-based ranks of the order statistics bounding the median's
    95% interval for n values, or None when n < 6. Exact (integers): the
    largest k with 2 * sum_{i<k} C(n, i) <= (1 - level) * 2^n."""
    if n < CI_MIN_N:
        return None
    miss = 1 - CI_LEVEL                     # allowed on both sides together: 2 sum <= miss 2^n
    total = miss.numerator * 2 ** n
    k, below, term = 0, 0, 1                # below = sum_{i<k} C(n, i), term = C(n, k)
    while 2 * miss.denominator * (below + term) <= total:
        below += term
        term = term * (n - k) // (k + 1)
        k += 1
    return (k, n + 1 - k) if k else None


def median_ci(v):
    """(lo, hi) values of the median's 95% interval, or None when there are
    fewer than 6 values."""
    ranks = median_ci_ranks(len(v))
    if ranks is None:
        return None
    s = sorted(v)
    return s[ranks[0] - 1], s[ranks[1] - 1]


def modified_zscores(v):
    m = median(v)
    mad = median([abs(x - m) for x in v])
    if not mad > 0:
        mad = EPSILON
    return [(x - m) / mad for x in v]


def outliers(v):
    """Indices of the values hyperfine's rule calls outliers, in order."""
    if not v:
        return []
    return [i for i, z in enumerate(modified_zscores(v)) if abs(z) > OUTLIER_THRESHOLD]


def first_much_slower(v):
    """The first value (repetition) is an outlier on the slow side."""
    return bool(v) and modified_zscores(v)[0] > OUTLIER_THRESHOLD


def intervals_overlap(a, b):
    return a[0] <= b[1] and b[0] <= a[1]


def mann_whitney_p(a, b):
    """Two-sided p-value of the U test: exact (by counting) for small samples
    without ties, the normal approximation with a tie correction otherwise."""
    n1, n2 = len(a), len(b)
    allv = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    values = [v for v, _ in allv]
    rank = [0.0] * len(allv)
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and values[j + 1] == values[i]:
            j += 1
        for k in range(i, j + 1):
            rank[k] = (i + j) / 2 + 1
        i = j + 1
    r1 = sum(rank[k] for k, (_, g) in enumerate(allv) if g == 0)
    u1 = r1 - n1 * (n1 + 1) / 2
    u = min(u1, n1 * n2 - u1)
    ties = len(set(values)) != len(values)
    if n1 + n2 <= 20 and not ties:
        # number of arrangements with U <= u, by the recurrence over the largest value
        @lru_cache(maxsize=None)
        def count(m, n, target):
            if target < 0:
                return 0
            if m == 0 or n == 0:
                return 1 if target == 0 else 0
            return count(m - 1, n, target - n) + count(m, n - 1, target)
        total = math.comb(n1 + n2, n1)
        le = sum(count(n1, n2, t) for t in range(int(u) + 1))
        return min(1.0, 2 * le / total)
    mu = n1 * n2 / 2
    tie_sum = 0
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        t = j - i + 1
        tie_sum += t ** 3 - t
        i = j + 1
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_sum / (n * (n - 1))))
    if sigma == 0:
        return 1.0
    z = (abs(u - mu) - 0.5) / sigma
    return min(1.0, math.erfc(z / math.sqrt(2)))
