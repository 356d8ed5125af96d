/* parbench/stats.h on the cases of tests/stats_cases.txt (which the Python
 * side, plots/stats.py, is tested on too), and the median's interval against
 * ranks derived here from exact integer binomial sums.
 *
 * usage: test_stats CASES_FILE
 *        test_stats --ranks N     prints "n lo hi" for n = 1..N ("-" when none),
 *                                 for tests/test_stats.py to compare with Python */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "parbench/error.h"
#include "parbench/stats.h"

enum { MAX_VALUES = 64 };

/* Ranks from exact integers, another way than stats.c's floating sums: the
 * largest k with P(B <= k - 1) <= 2.5%, i.e. 40 * sum_{i<k} C(n, i) <= 2^n.
 * Exact in 64 bits for n <= 57 (every partial sum is below 2^n, and
 * C(n, i) * (n - i) below 2^63). */
static bool exact_ranks(unsigned n, size_t *lo, size_t *hi)
{
    uint64_t total = (uint64_t)1 << n, below = 0, term = 1;   /* term = C(n, k) */
    size_t k = 0;
    while (40 * (below + term) <= total) {
        below += term;
        term = term * (n - k) / (k + 1);
        k++;
    }
    if (k == 0)
        return false;
    *lo = k;
    *hi = n + 1 - k;
    return true;
}

/* "a b c" -> values; returns how many, or -1 on a word that is not a number. */
static int parse_values(char *text, double *v)
{
    int n = 0;
    for (char *w = strtok(text, " \t\n"); w; w = strtok(NULL, " \t\n")) {
        char *end;
        errno = 0;
        double x = strtod(w, &end);
        if (*end || errno || n == MAX_VALUES)
            return -1;
        v[n++] = x;
    }
    return n;
}

/* "3,4" -> flags over n values; "-" -> none. Returns how many, -1 if bad. */
static int parse_indices(const char *text, bool *flag, int n)
{
    memset(flag, 0, (size_t)n * sizeof *flag);
    if (strcmp(text, "-") == 0)
        return 0;
    int count = 0;
    for (const char *p = text; *p;) {
        char *end;
        long i = strtol(p, &end, 10);
        if (end == p || i < 0 || i >= n)
            return -1;
        flag[i] = true;
        count++;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    return count;
}

static int run_cases(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    char line[4096];
    int lineno = 0, cases = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char kind[32], arg[64] = "", arg2[64] = "", arg3[64] = "";
        char *colon = strchr(line, ':');
        if (colon)
            *colon = '\0';
        int words = sscanf(line, "%31s %63s %63s %63s", kind, arg, arg2, arg3);
        double v[MAX_VALUES];
        int n = colon ? parse_values(colon + 1, v) : 0;
        CHECK_MSG(n >= 0, "%s:%d: a value is not a number", path, lineno);
        if (n < 0)
            continue;
        cases++;
        if (strcmp(kind, "ci") == 0 && words == 4) {
            size_t lo = 0, hi = 0, want_n = strtoul(arg, NULL, 10);
            bool have = pb_median_ci_ranks(want_n, &lo, &hi);
            if (strcmp(arg2, "-") == 0)
                CHECK_MSG(!have, "%s:%d: n=%zu has an interval [%zu, %zu], expected none", path, lineno, want_n, lo, hi);
            else
                CHECK_MSG(have && lo == strtoul(arg2, NULL, 10) && hi == strtoul(arg3, NULL, 10),
                          "%s:%d: n=%zu gave ranks %zu, %zu (have=%d), expected %s, %s", path, lineno, want_n, lo, hi,
                          have, arg2, arg3);
        } else if (strcmp(kind, "median") == 0 && words == 2) {
            double m = pb_median(v, (size_t)n), want = strtod(arg, NULL);
            CHECK_MSG(m == want, "%s:%d: median %g, expected %g", path, lineno, m, want);
        } else if (strcmp(kind, "ci_values") == 0 && words == 3) {
            double lo, hi;
            int rc = pb_median_ci(v, (size_t)n, &lo, &hi);
            CHECK_MSG(rc == 0 && lo == strtod(arg, NULL) && hi == strtod(arg2, NULL),
                      "%s:%d: interval [%g, %g] (rc %d), expected [%s, %s]", path, lineno, lo, hi, rc, arg, arg2);
        } else if (strcmp(kind, "outliers") == 0 && words == 2) {
            bool want[MAX_VALUES], got[MAX_VALUES];
            int nwant = parse_indices(arg, want, n);
            CHECK_MSG(nwant >= 0, "%s:%d: bad indices %s", path, lineno, arg);
            size_t count = pb_outliers(v, (size_t)n, got);
            CHECK_MSG(count == (size_t)nwant, "%s:%d: %zu outliers, expected %d", path, lineno, count, nwant);
            for (int i = 0; i < n; i++)
                CHECK_MSG(got[i] == want[i], "%s:%d: value %d (%g) %s flagged", path, lineno, i, v[i],
                          got[i] ? "wrongly" : "not");
            CHECK(pb_outliers(v, (size_t)n, NULL) == count);
        } else if (strcmp(kind, "first_slow") == 0 && words == 2) {
            bool want = strcmp(arg, "yes") == 0;
            CHECK_MSG(pb_first_much_slower(v, (size_t)n) == want, "%s:%d: first much slower: expected %s", path,
                      lineno, arg);
        } else {
            CHECK_MSG(false, "%s:%d: cannot read this case", path, lineno);
        }
    }
    fclose(f);
    CHECK_MSG(cases >= 40, "%s: only %d cases read", path, cases);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--ranks") == 0) {
        unsigned long max = strtoul(argv[2], NULL, 10);
        for (size_t n = 1; n <= max; n++) {
            size_t lo, hi;
            if (pb_median_ci_ranks(n, &lo, &hi))
                printf("%zu %zu %zu\n", n, lo, hi);
            else
                printf("%zu - -\n", n);
        }
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: test_stats CASES_FILE | --ranks N\n");
        return 2;
    }
    if (run_cases(argv[1]) != 0)
        return 1;

    /* every n the 64-bit exact sums reach */
    for (unsigned n = 0; n <= 57; n++) {
        size_t lo = 0, hi = 0, wlo = 0, whi = 0;
        bool have = pb_median_ci_ranks(n, &lo, &hi), want = exact_ranks(n, &wlo, &whi);
        CHECK_MSG(have == want && lo == wlo && hi == whi, "n=%u: ranks %zu, %zu; exact %zu, %zu", n, lo, hi, wlo, whi);
        CHECK_MSG(have == (n >= PB_CI_MIN_N), "n=%u: an interval exactly from n = %d on", n, PB_CI_MIN_N);
    }
    /* the interval is two of the values, lo <= median <= hi */
    double v[9] = { 5, 3, 8, 1, 9, 2, 7, 4, 6 }, lo, hi;
    CHECK(pb_median_ci(v, 9, &lo, &hi) == 0 && lo == 2 && hi == 8);
    CHECK(pb_median_ci(v, 5, &lo, &hi) == PB_E_RANGE && isnan(lo) && isnan(hi));
    /* the old report rule (0.6745 (x - median) / MAD > 14.826, nothing when
     * MAD is 0) found none of these: a value 20 MADs out, and MAD = 0 */
    double twenty[5] = { 0.5, 0.30, 0.29, 0.31, 0.30 }, mad0[8] = { 10, 10, 10, 10, 10, 10, 10, 100 }, z[8];
    CHECK(pb_modified_zscores(twenty, 5, z) == 0 && fabs(z[0] - 20) < 1e-9);
    CHECK(pb_modified_zscores(mad0, 8, z) == 0 && z[0] == 0 && z[7] == 90 / 2.220446049250313e-16);
    CHECK(pb_modified_zscores(v, 0, z) == PB_E_ARG);
    CHECK(isnan(pb_median(v, 0)));
    return check_report("stats");
}
