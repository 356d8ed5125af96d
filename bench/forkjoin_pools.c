/* forkjoin's constructs in parbench's pools, through their lean batches
 * (src/backends/pool.h: the pool's dispatch and waiting without the
 * runner's accounting). */
#include "forkjoin.h"

#include <stdio.h>
#include <time.h>

#include "parbench/registry.h"

static void task_delay(void *arg, uint64_t t, unsigned w)
{
    (void)t;
    pb__fj_shared *s = arg;
    pb__fj_delay(s->delay_len);
    pb__fj_count(s, w);
}

void pb__fj_task_empty(void *arg, uint64_t t, unsigned w)
{
    (void)t;
    pb__fj_count(arg, w);
}

static void team_barrier(pb_pool *p, void *arg, unsigned w)
{
    pb__fj_shared *s = arg;
    for (uint64_t j = 0; j < s->inner; j++) {
        pb__fj_delay(s->delay_len);
        pb__pool_barrier(p);
        pb__fj_count(s, w);
    }
}

int pb__fj_pool_test(void *ctx, const pb__fj_request *rq, uint64_t inner, char *why, size_t why_size)
{
    pb_pool *p = ctx;
    pb_error err = { 0 };
    int rc = 0;
    switch (rq->construct) {
    case PB__FJ_PARALLEL:
        for (uint64_t j = 0; j < inner && rc == 0; j++)
            rc = pb__pool_run_tasks(p, rq->workers, 1, task_delay, pb__fj_sh, &err);
        break;
    case PB__FJ_BARRIER:
        pb__fj_sh->inner = inner;
        rc = pb__pool_run_team(p, team_barrier, pb__fj_sh, &err);
        break;
    default:
        for (uint64_t j = 0; j < inner && rc == 0; j++)
            rc = pb__pool_run_tasks(p, (uint64_t)PB__FJ_ITERS * rq->workers, rq->chunk, task_delay, pb__fj_sh, &err);
        break;
    }
    if (rc)
        snprintf(why, why_size, "%s", err.msg);
    return rc ? -1 : 0;
}

int pb__fj_pool_open(pb__fj_opened_pool *o, int runtime, unsigned W, pb_wait_policy wait, char *why, size_t why_size)
{
    pb_workload_spec ws;
    pb_error err = { 0 };
    if (pb_workload_spec_parse("counter:n=1,tasks=1", &ws, &err) ||
        pb_plan_create(&o->plan, ws.workload, &ws.params, &err)) {
        snprintf(why, why_size, "%s", err.msg);
        return -1;
    }
    const pb_backend *b = runtime == PB__FJ_THREAD_POOL ? &pb_backend_thread_pool : &pb_backend_process_pool;
    o->ex = (pb_exec){ .backend = b, .config = { .workers = W, .wait = wait } };
    if (b->open(&o->ex, &o->plan, &err) != 0) {
        snprintf(why, why_size, "%s", err.msg);
        pb_plan_destroy(&o->plan);
        return -1;
    }
    o->pool = pb__pool_of(&o->ex);
    return 0;
}

void pb__fj_pool_close(pb__fj_opened_pool *o)
{
    o->ex.backend->close(&o->ex);
    pb_plan_destroy(&o->plan);
}

int64_t pb__fj_pool_cpu_ns(pb_pool *p)
{
    int64_t sum = 0;
    for (unsigned w = 0; w < p->workers; w++) {
        clockid_t clk;
        struct timespec ts;
        if (p->ops->cpu_clock(p, w, &clk) == 0 && clock_gettime(clk, &ts) == 0)
            sum += (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    return sum;
}
