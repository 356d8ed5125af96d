/* A benchmark registered from C through the shim, for tests/test_gbench.py:
 * it sees its arguments and reports a counter, a label and an error; after
 * the runs, derived rows from its counters (exact numbers, not timings): one
 * goal met, one not met, one row only shown. */
#include "shim/pb_gbench.h"

static void bm_sum(pb_gb_state *st, void *user)
{
    int64_t n = pb_gb_range(st, 0), m = pb_gb_range(st, 1), x = 0;
    int *calls = user;
    ++*calls;
    while (pb_gb_keep_running(st))
        for (int64_t i = 0; i < n; i++) {
            x += i * m;
            pb_gb_do_not_optimize(&x);
        }
    pb_gb_counter(st, "n_seen", (double)n, 0);
    pb_gb_counter(st, "m_seen", (double)m, 0);
    pb_gb_counter(st, "user_calls_positive", *calls > 0 ? 1 : 0, 0);
    pb_gb_items_processed(st, pb_gb_iterations(st) * n);
    pb_gb_label(st, "from C");
}

static void bm_fails(pb_gb_state *st, void *user)
{
    (void)user;
    pb_gb_skip_with_error(st, "failed on purpose");
    while (pb_gb_keep_running(st))
        ;
}

static void after(void)
{
    /* n_seen of the two instances: 100 / 10, exactly 10 */
    double tenfold = pb_gb_result("probe/sum/100/3", "n_seen") / pb_gb_result("probe/sum/10/3", "n_seen");
    pb_gb_add_result("probe/goal met", "ratio", tenfold, "x", "<=10");
    pb_gb_add_result("probe/goal not met", "ratio", tenfold, "x", ">=10.5");
    pb_gb_add_result("probe/derived", "sum_time_ratio", pb_gb_result("probe/sum/100/3", "real_time") /
                                                          pb_gb_result("probe/sum/10/3", "real_time"), "x", NULL);
}

int main(int argc, char **argv)
{
    static int calls;
    static const int64_t n[] = { 10, 100 }, m[] = { 3 };
    pb_gb_register(&(pb_gb_def){ .name = "probe/sum", .fn = bm_sum, .user = &calls, .args = n, .nargs = 2,
                                 .args2 = m, .nargs2 = 1, .real_time = true });
    pb_gb_register(&(pb_gb_def){ .name = "probe/fails", .fn = bm_fails });
    if (pb_gb_register(&(pb_gb_def){ .name = NULL, .fn = bm_sum }) != -1)
        return 3;   /* an incomplete definition must be refused */
    return pb_gb_main(argc, argv, after);
}
