/* Statistics of repeated measurements, as the summary and the reports show
 * them (plots/stats.py is the same in Python, tested on the same cases):
 *
 * - the median, and a 95% confidence interval for it that assumes nothing
 *   about the distribution: two order statistics x_(lo) <= x_(hi) of the
 *   sorted sample such that the true median lies between them with
 *   probability >= 95% whatever the distribution (the binomial method:
 *   P(x_(k) <= median <= x_(n+1-k)) = 1 - 2 P(B <= k - 1), B ~ Bin(n, 1/2));
 *   below 6 values no such pair exists (1 - 2/2^5 < 95%);
 * - outliers by hyperfine's rule (its src/outlier_detection.rs): the
 *   modified z-score (x - median) / MAD, MAD the unscaled median absolute
 *   deviation (DBL_EPSILON when it is 0), beyond 14.826 in absolute value
 *   (10 times 1.4826, the factor that turns a MAD into a standard deviation
 *   for normal data: 10 "standard deviations"). */
#ifndef PARBENCH_STATS_H
#define PARBENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>

#define PB_CI_LEVEL 0.95             /* coverage of the median's interval */
#define PB_CI_MIN_N 6                /* fewer values: no interval ("n too small") */
#define PB_OUTLIER_THRESHOLD 14.826  /* |modified z-score| above it: an outlier */

/* Median of n values (the mean of the two middle ones when n is even);
 * sorts a copy. NAN when n is 0 or memory runs out. */
double pb_median(const double *v, size_t n);

/* Ranks (1-based, as in the tables: x_(1) is the smallest) of the order
 * statistics bounding the median's 95% interval for n values: the
 * narrowest symmetric pair with coverage >= PB_CI_LEVEL. false when
 * n < PB_CI_MIN_N (lo and hi untouched). */
bool pb_median_ci_ranks(size_t n, size_t *lo, size_t *hi);

/* The interval's values for v[0..n). 0, or PB_E_RANGE when n is too small
 * (see above), PB_E_NOMEM; *lo and *hi are NAN unless 0 is returned. */
int pb_median_ci(const double *v, size_t n, double *lo, double *hi);

/* Modified z-score of every value into z[0..n): (v[i] - median) / MAD as
 * hyperfine computes it. 0, or PB_E_ARG (n == 0), PB_E_NOMEM. */
int pb_modified_zscores(const double *v, size_t n, double *z);

/* How many of v[0..n) are outliers by hyperfine's rule; is_outlier (if not
 * NULL) gets a flag per value. 0 when n is 0; (size_t)-1 when memory runs out. */
size_t pb_outliers(const double *v, size_t n, bool *is_outlier);

/* Whether the first value (the first repetition) is an outlier on the slow
 * side: its modified z-score is above PB_OUTLIER_THRESHOLD, hyperfine's
 * "first run significantly slower than the rest". */
bool pb_first_much_slower(const double *v, size_t n);

#endif
