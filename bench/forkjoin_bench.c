/* forkjoin's benchmarks: each construct in each runtime and policy (the
 * method's outer repetitions, their medians and intervals as counters);
 * BATCH and BATCH-TASKS, IDLE and SPIN in the pools (and IDLE in OpenMP). */
#include "forkjoin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parbench/clock.h"
#include "parbench/registry.h"
#include "parbench/stats.h"
#include "pb_build_config.h"

#define BATCH_TASKS 100000
#define BATCH_PLAN_TASKS 65536  /* the counter workload's largest plan */

static void report_counters(pb_gb_state *st, const double *overhead, size_t n, double ref_ns, uint64_t inner,
                            int construct)
{
    double med = pb_median(overhead, n), lo = NAN, hi = NAN;
    pb_median_ci(overhead, n, &lo, &hi);
    pb_gb_counter(st, "overhead_ns", med, 0);
    if (lo == lo) {
        pb_gb_counter(st, "overhead_lo_ns", lo, 0);
        pb_gb_counter(st, "overhead_hi_ns", hi, 0);
    }
    if (construct == PB__FJ_FOR) {
        pb_gb_counter(st, "per_iteration_ns", med / PB__FJ_ITERS, 0);
        if (lo == lo) {
            pb_gb_counter(st, "per_iteration_lo_ns", lo / PB__FJ_ITERS, 0);
            pb_gb_counter(st, "per_iteration_hi_ns", hi / PB__FJ_ITERS, 0);
        }
    }
    pb_gb_counter(st, "reference_ns", ref_ns, 0);
    pb_gb_counter(st, "inner", (double)inner, 0);
}

void pb__fj_bm_construct(pb_gb_state *st, void *user)
{
    const pb__fj_bench_case *bc = user;
    pb__fj_request rq = { .construct = bc->construct, .workers = (uint32_t)pb_gb_range(st, 0),
                   .chunk = bc->construct == PB__FJ_FOR ? (uint64_t)pb_gb_range(st, 1) : 0,
                   .delay_len = pb__fj_sh->delay_len, .target_ns = pb__fj_target_ns };
    pb__fj_answer an = { 0 };
    pb__fj_opened_pool op;
    bool local = bc->runtime != PB__FJ_OPENMP;
    if (rq.workers > PB__FJ_MAX_WORKERS) {
        pb_gb_skip_with_error(st, "too many workers for forkjoin's counters");
        return;
    }
    if (local && pb__fj_pool_open(&op, bc->runtime, rq.workers, (pb_wait_policy){ .kind = bc->wait }, an.why,
                           sizeof an.why) != 0) {
        pb_gb_skip_with_error(st, an.why);
        return;
    }
#if PB_HAVE_OPENMP
#define ASK(rq, an) (local ? (pb__fj_measure(pb__fj_pool_test, op.pool, rq, an), (an)->ok ? 0 : -1) \
                           : pb__fj_omp_ask(bc->wait, rq, an))
#else
#define ASK(rq, an) (local ? (pb__fj_measure(pb__fj_pool_test, op.pool, rq, an), (an)->ok ? 0 : -1) : -1)
#endif
    double *overhead = calloc((size_t)pb__fj_outer + 64, sizeof *overhead),
           *refs = calloc((size_t)pb__fj_outer + 64, sizeof *refs);
    size_t n = 0;
    bool failed = ASK(&rq, &an) != 0;   /* calibrates inner (the runs warm the team up) */
    rq.inner = an.inner;
    while (!failed && pb_gb_keep_running(st)) {
        if (ASK(&rq, &an) != 0) {
            failed = true;
            break;
        }
        pb_gb_set_iteration_time(st, (double)an.test_ns / 1e9 / (double)rq.inner);
        if (n < (size_t)pb__fj_outer + 64) {
            overhead[n] = (double)(an.test_ns - an.ref_ns) / (double)rq.inner;
            refs[n++] = (double)an.ref_ns / (double)rq.inner;
        }
    }
#undef ASK
    if (failed)
        pb_gb_skip_with_error(st, an.why[0] ? an.why : "openmp is not in this build");
    else
        report_counters(st, overhead, n, pb_median(refs, n), rq.inner, bc->construct);
    free(overhead);
    free(refs);
    if (local)
        pb__fj_pool_close(&op);
#if PB_HAVE_OPENMP
    else
        pb__fj_stop_child(bc->wait);
#endif
}

void pb__fj_bm_batch(pb_gb_state *st, void *user)
{
    const pb__fj_bench_case *bc = user;
    unsigned W = (unsigned)pb_gb_range(st, 0);
    pb__fj_opened_pool op;
    char why[200];
    if (pb__fj_pool_open(&op, bc->runtime, W, (pb_wait_policy){ .kind = bc->wait }, why, sizeof why) != 0) {
        pb_gb_skip_with_error(st, why);
        return;
    }
    uint64_t tasks = pb__fj_quick ? 2000 : BATCH_TASKS;
    double per[256];
    size_t n = 0;
    pb_error err = { 0 };
    int rc = pb__pool_run_tasks(op.pool, tasks, 0, pb__fj_task_empty, pb__fj_sh, &err);   /* warm */
    while (rc == 0 && pb_gb_keep_running(st)) {
        pb__fj_done_clear();
        int64_t t0 = pb_now_ns();
        rc = pb__pool_run_tasks(op.pool, tasks, 0, pb__fj_task_empty, pb__fj_sh, &err);
        int64_t t = pb_now_ns() - t0;
        if (rc == 0 && pb__fj_done_total(W) != tasks) {
            snprintf(err.msg, sizeof err.msg, "BATCH: %llu of %llu tasks ran", (unsigned long long)pb__fj_done_total(W),
                     (unsigned long long)tasks);
            rc = -1;
        }
        pb_gb_set_iteration_time(st, (double)t / 1e9);
        if (n < 256)
            per[n++] = (double)t * W / (double)tasks;
    }
    if (rc)
        pb_gb_skip_with_error(st, err.msg);
    else {
        double lo = NAN, hi = NAN;
        pb_median_ci(per, n, &lo, &hi);
        pb_gb_counter(st, "per_task_worker_ns", pb_median(per, n), 0);
        if (lo == lo) {
            pb_gb_counter(st, "per_task_worker_lo_ns", lo, 0);
            pb_gb_counter(st, "per_task_worker_hi_ns", hi, 0);
        }
        pb_gb_counter(st, "chunk", (double)pb__pool_default_chunk(tasks, W), 0);
    }
    pb__fj_pool_close(&op);
}

void pb__fj_bm_batch_tasks(pb_gb_state *st, void *user)
{
    const pb__fj_bench_case *bc = user;
    unsigned W = (unsigned)pb_gb_range(st, 0);
    char spec[64];
    snprintf(spec, sizeof spec, "counter:n=1,tasks=%d", pb__fj_quick ? 2000 : BATCH_PLAN_TASKS);
    pb_workload_spec ws;
    pb_error err = { 0 };
    pb_plan plan;
    if (pb_workload_spec_parse(spec, &ws, &err) || pb_plan_create(&plan, ws.workload, &ws.params, &err)) {
        pb_gb_skip_with_error(st, err.msg);
        return;
    }
    const pb_backend *b = bc->runtime == PB__FJ_THREAD_POOL ? &pb_backend_thread_pool : &pb_backend_process_pool;
    pb_exec ex = { .backend = b, .config = { .workers = W, .wait = { .kind = bc->wait } } };
    if (b->open(&ex, &plan, &err) != 0) {
        pb_gb_skip_with_error(st, err.msg);
        pb_plan_destroy(&plan);
        return;
    }
    double per[256];
    size_t n = 0;
    while (pb_gb_keep_running(st)) {
        pb_run_stats rs = { 0 };
        char result[96];
        pb_plan_reset(&plan);
        if (b->execute(&ex, &plan, &rs, &err) != 0 || pb_plan_verify(&plan, result, sizeof result, &err) != 0) {
            pb_gb_skip_with_error(st, err.msg);
            break;
        }
        pb_gb_set_iteration_time(st, (double)(rs.t_end - rs.t_start) / 1e9);
        if (n < 256)
            per[n++] = (double)(rs.t_end - rs.t_start) * W / (double)plan.ntasks;
    }
    if (n && !pb_gb_error_occurred(st))
        pb_gb_counter(st, "per_task_worker_ns", pb_median(per, n), 0);
    b->close(&ex);
    pb_plan_destroy(&plan);
}

void pb__fj_bm_idle(pb_gb_state *st, void *user)
{
    const pb__fj_idle_case *ic = user;
    unsigned W = (unsigned)pb_gb_range(st, 0);
    double share = NAN;
    char why[200] = "";
    while (pb_gb_keep_running(st)) {
        if (ic->runtime == PB__FJ_OPENMP) {
#if PB_HAVE_OPENMP
            pb__fj_request rq = { .workers = W, .delay_len = pb__fj_sh->delay_len, .idle = 1,
                                  .idle_ns = pb__fj_idle_ns };
            pb__fj_answer an = { 0 };
            if (pb__fj_omp_ask(ic->wait, &rq, &an) == 0)
                share = an.idle_share;
            else
                snprintf(why, sizeof why, "%s", an.why);
            pb__fj_stop_child(ic->wait);
#else
            snprintf(why, sizeof why, "openmp is not in this build");
#endif
        } else {
            pb__fj_opened_pool op;
            if (pb__fj_pool_open(&op, ic->runtime, W, (pb_wait_policy){ .kind = ic->wait }, why, sizeof why) == 0) {
                pb_error err = { 0 };
                /* every worker used once */
                if (pb__pool_run_tasks(op.pool, W, 1, pb__fj_task_empty, pb__fj_sh, &err) != 0)
                    snprintf(why, sizeof why, "%s", err.msg);
                if (ic->rest)
                    op.ex.backend->rest(&op.ex);
                int64_t c0 = pb__fj_pool_cpu_ns(op.pool), t0 = pb_now_ns();
                nanosleep(&(struct timespec){ pb__fj_idle_ns / 1000000000, pb__fj_idle_ns % 1000000000 }, NULL);
                share = (double)(pb__fj_pool_cpu_ns(op.pool) - c0) / (double)(pb_now_ns() - t0);
                pb__fj_pool_close(&op);
            }
        }
        pb_gb_set_iteration_time(st, (double)pb__fj_idle_ns / 1e9);
    }
    if (why[0])
        pb_gb_skip_with_error(st, why);
    else
        pb_gb_counter(st, "idle_cpu_pct", share * 100, 0);   /* of one core, all the workers together */
}

/* SPIN: latency of one empty task to a one-worker thread pool after an idle
 * gap (the parent keeps its CPU during the gap, as a caller busy elsewhere
 * does), and the worker's CPU per hand-off, for one spin bound. */
void pb__fj_bm_spin(pb_gb_state *st, void *user)
{
    (void)user;
    int64_t spin_us = pb_gb_range(st, 0), gap_us = pb_gb_range(st, 1);
    pb_wait_policy wait = spin_us == 0 ? (pb_wait_policy){ .kind = PB_WAIT_PASSIVE }
                        : spin_us < 0  ? (pb_wait_policy){ .kind = PB_WAIT_ACTIVE }
                                       : (pb_wait_policy){ .kind = PB_WAIT_ADAPTIVE, .spin_ns = spin_us * 1000 };
    pb__fj_opened_pool op;
    char why[200];
    if (pb__fj_pool_open(&op, PB__FJ_THREAD_POOL, 1, wait, why, sizeof why) != 0) {
        pb_gb_skip_with_error(st, why);
        return;
    }
    double lat[4096];
    size_t n = 0;
    pb_error err = { 0 };
    int rc = pb__pool_run_tasks(op.pool, 1, 1, pb__fj_task_empty, pb__fj_sh, &err);
    int64_t cpu0 = pb__fj_pool_cpu_ns(op.pool), handoffs = 0;
    while (rc == 0 && pb_gb_keep_running(st)) {
        for (int64_t until = pb_now_ns() + gap_us * 1000; pb_now_ns() < until;)
            ;
        int64_t t0 = pb_now_ns();
        rc = pb__pool_run_tasks(op.pool, 1, 1, pb__fj_task_empty, pb__fj_sh, &err);
        int64_t t = pb_now_ns() - t0;
        pb_gb_set_iteration_time(st, (double)t / 1e9);
        handoffs++;
        if (n < 4096)
            lat[n++] = (double)t;
    }
    if (rc)
        pb_gb_skip_with_error(st, err.msg);
    else {
        pb_gb_counter(st, "latency_ns", pb_median(lat, n), 0);
        pb_gb_counter(st, "worker_cpu_per_handoff_ns",
                      (double)(pb__fj_pool_cpu_ns(op.pool) - cpu0) / (double)handoffs, 0);
    }
    pb__fj_pool_close(&op);
}

