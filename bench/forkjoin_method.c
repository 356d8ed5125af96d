/* forkjoin's method, EPCC's (forkjoin.c says more): a delay loop calibrated
 * to PB__FJ_DELAY_NS, and one outer repetition: the reference (the delays
 * alone, as one worker of the construct runs them), then the test (the
 * same delays inside `inner` constructs), in whichever process hosts the
 * runtime, the work every worker did checked. */
#include "forkjoin.h"

#include <stdio.h>
#include <string.h>

#include "parbench/clock.h"

const char *const pb__fj_construct_name[] = { "PARALLEL", "BARRIER", "FOR" };
pb__fj_shared *pb__fj_sh;

uint64_t pb__fj_done_total(unsigned W)
{
    uint64_t sum = 0;
    for (unsigned w = 0; w < W; w++)
        sum += atomic_load_explicit(&pb__fj_sh->done[w].n, memory_order_relaxed);
    return sum;
}

void pb__fj_done_clear(void)
{
    for (unsigned w = 0; w < PB__FJ_MAX_WORKERS; w++)
        atomic_store_explicit(&pb__fj_sh->done[w].n, 0, memory_order_relaxed);
}

uint64_t pb__fj_calibrate_delay(void)
{
    uint64_t len = 1;
    for (;;) {
        int64_t t0 = pb_now_ns();
        for (int i = 0; i < 1000; i++)
            pb__fj_delay(len);
        if ((pb_now_ns() - t0) / 1000 >= PB__FJ_DELAY_NS)
            return len;
        len = len * 11 / 10 + 1;
    }
}

/* The delays alone, as one worker of the construct runs them. */
static void reference(const pb__fj_request *rq, uint64_t inner)
{
    uint64_t n = rq->construct == PB__FJ_FOR ? inner * PB__FJ_ITERS : inner;
    for (uint64_t i = 0; i < n; i++)
        pb__fj_delay(rq->delay_len);
}

static uint64_t expected_work(const pb__fj_request *rq, uint64_t inner)
{
    uint64_t W = rq->workers;
    return rq->construct == PB__FJ_FOR ? inner * PB__FJ_ITERS * W : inner * W;
}

void pb__fj_measure(pb__fj_test_fn test, void *ctx, const pb__fj_request *rq, pb__fj_answer *an)
{
    memset(an, 0, sizeof *an);
    uint64_t inner = rq->inner;
    if (!inner) {   /* EPCC: double until a test lasts the target time; these runs warm the team up */
        for (inner = 1;; inner *= 2) {
            pb__fj_done_clear();
            int64_t t0 = pb_now_ns();
            if (test(ctx, rq, inner, an->why, sizeof an->why) != 0)
                return;
            if (pb_now_ns() - t0 >= rq->target_ns || inner >= (1u << 22))
                break;
        }
    }
    pb__fj_done_clear();
    int64_t t0 = pb_now_ns();
    reference(rq, inner);
    int64_t t1 = pb_now_ns();
    if (test(ctx, rq, inner, an->why, sizeof an->why) != 0)
        return;
    int64_t t2 = pb_now_ns();
    uint64_t got = pb__fj_done_total(rq->workers), want = expected_work(rq, inner);
    if (got != want) {
        snprintf(an->why, sizeof an->why, "%s: the workers ran %llu delays, %llu expected",
                 pb__fj_construct_name[rq->construct], (unsigned long long)got, (unsigned long long)want);
        return;
    }
    an->ref_ns = t1 - t0;
    an->test_ns = t2 - t1;
    an->inner = inner;
    an->ok = 1;
}
