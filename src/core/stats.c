/* The median, its distribution-free interval and hyperfine's outlier rule
 * (include/parbench/stats.h says what each one means). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parbench/error.h"
#include "parbench/stats.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A sorted copy of v[0..n), or NULL. */
static double *sorted_copy(const double *v, size_t n)
{
    double *c = malloc((n ? n : 1) * sizeof *c);
    if (!c)
        return NULL;
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    return c;
}

static double median_of_sorted(const double *s, size_t n)
{
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double pb_median(const double *v, size_t n)
{
    if (n == 0)
        return NAN;
    double *s = sorted_copy(v, n);
    if (!s)
        return NAN;
    double m = median_of_sorted(s, n);
    free(s);
    return m;
}

/* P(B = j) for B ~ Bin(n, 1/2), through logarithms so that no term
 * underflows or overflows for any n the command line allows (10^5). */
static double half_binomial_pmf(size_t n, size_t j)
{
    double nn = (double)n, jj = (double)j;
    return exp(lgamma(nn + 1) - lgamma(jj + 1) - lgamma(nn - jj + 1) - nn * M_LN2);
}

bool pb_median_ci_ranks(size_t n, size_t *lo, size_t *hi)
{
    if (n < PB_CI_MIN_N)
        return false;
    /* The interval [x_(k), x_(n+1-k)] misses the median with probability
     * 2 P(B <= k - 1); the widest miss allowed on each side is (1 - level) / 2.
     * Find the first j with P(B <= j) above it: k = j is the largest rank that
     * still has coverage >= level. (Rounding in the sum is ~1e-13 relative: it
     * could only flip a rank whose coverage is within that of 95%.) */
    double tail = (1 - PB_CI_LEVEL) / 2, cum = 0;
    size_t j = 0;
    for (; j < n; j++) {
        cum += half_binomial_pmf(n, j);
        if (cum > tail)
            break;
    }
    if (j == 0)   /* cannot happen for n >= 6: P(B = 0) = 2^-n <= 1/64 */
        return false;
    *lo = j;
    *hi = n + 1 - j;
    return true;
}

int pb_median_ci(const double *v, size_t n, double *lo, double *hi)
{
    size_t rl, rh;
    *lo = *hi = NAN;
    if (!pb_median_ci_ranks(n, &rl, &rh))
        return PB_E_RANGE;
    double *s = sorted_copy(v, n);
    if (!s)
        return PB_E_NOMEM;
    *lo = s[rl - 1];
    *hi = s[rh - 1];
    free(s);
    return 0;
}

int pb_modified_zscores(const double *v, size_t n, double *z)
{
    if (n == 0)
        return PB_E_ARG;
    double *s = sorted_copy(v, n);
    if (!s)
        return PB_E_NOMEM;
    double med = median_of_sorted(s, n);
    for (size_t i = 0; i < n; i++)
        s[i] = fabs(v[i] - med);
    qsort(s, n, sizeof *s, cmp_double);
    double mad = median_of_sorted(s, n);
    free(s);
    /* hyperfine: when more than half the values equal the median the MAD is
     * 0, and the machine epsilon stands in for it, so that any value off the
     * median gets a huge score. */
    if (!(mad > 0))
        mad = DBL_EPSILON;
    for (size_t i = 0; i < n; i++)
        z[i] = (v[i] - med) / mad;
    return 0;
}

size_t pb_outliers(const double *v, size_t n, bool *is_outlier)
{
    if (n == 0)
        return 0;
    double *z = malloc(n * sizeof *z);
    if (!z || pb_modified_zscores(v, n, z) != 0) {
        free(z);
        return (size_t)-1;
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        bool out = fabs(z[i]) > PB_OUTLIER_THRESHOLD;
        count += out;
        if (is_outlier)
            is_outlier[i] = out;
    }
    free(z);
    return count;
}

bool pb_first_much_slower(const double *v, size_t n)
{
    if (n == 0)
        return false;
    double *z = malloc(n * sizeof *z);
    bool slow = z && pb_modified_zscores(v, n, z) == 0 && z[0] > PB_OUTLIER_THRESHOLD;
    free(z);
    return slow;
}
