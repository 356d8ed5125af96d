/* openmp: one OpenMP team (libgomp) of W threads, made once per
 * configuration (startup_s) and reused: each run is one `#pragma omp
 * parallel` region whose threads run the plan's tasks with schedule(static)
 * blocks, or schedule(dynamic, --chunk). What a C programmer's usual pool
 * costs, beside parbench's own; same plan, same task code, same outcomes.
 *
 * A driver thread of the backend's own starts the regions (it is thread 0
 * of the team and runs tasks), so that the parent stays free to watch each
 * run as it does for the pools: task timeouts, threads that end. The
 * parent hands a run to the driver, and the driver waits for the next one,
 * by the wait policy (parbench/wait.h); libgomp's own threads wait by
 * OMP_WAIT_POLICY / GOMP_SPINCOUNT, which --wait sets (openmp.h). --pin:
 * each thread binds itself once, when it first serves its index
 * (OMP_PROC_BIND stays false).
 *
 * Faults, as in the thread pool: a crash ends parbench, loudly, finished
 * results kept; a task that ends its thread (pthread_exit) is reported, and
 * since the team's barrier would wait for that thread forever, the team is
 * abandoned (its threads sleep, or under --wait active spin until libgomp
 * gives up) and a new team is made; a task past --task-timeout cannot be
 * stopped: the run is recorded and parbench stops.
 *
 * Here: the backend's verbs (open, execute, rest, close), the parent's side
 * of a run; openmp_team.c holds the team and its driver, openmp_env.c the
 * environment libgomp reads. */
#include "backends/openmp.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/worker/crash.h"
#include "backends/worker/gate.h"
#include "backends/worker/usage.h"
#include "parbench/backend.h"
#include "parbench/clock.h"
#include "parbench/machine.h"
#include "pb_build_config.h"

#if PB_HAVE_OPENMP

#include "openmp_internal.h"

static void free_state(pb__omp_state *s)
{
    pb__control_destroy(s->ctl);
    free(s->clock);
    free((void *)s->ended);
    free(s->before);
    free(s->sampled);
    free(s);
}

static int omp_open(pb_exec *ex, const pb_plan *plan, pb_error *err)
{
    char why[400];
    if (!pb__openmp_env_ready(&ex->config.wait, why, sizeof why))
        return pb_fail(err, PB_E_UNSUPP, "openmp: %s", why);
    unsigned W = ex->config.workers;
    pb__omp_state *s = calloc(1, sizeof *s);
    if (!s)
        return pb_fail(err, PB_E_NOMEM, "openmp: out of memory");
    s->cfg = ex->config;
    s->cfg.placement = ex->config.placement;   /* owned by the runner, alive until close */
    s->plan = plan;
    s->chunk = ex->config.chunk;
    s->idle_spin_ns = pb_wait_spin_ns(&ex->config.wait, false);
    s->spin_yield = W + 1 > pb_allowed_pus();
    s->ctl = pb__control_create(W, err);
    s->clock = calloc(W, sizeof *s->clock);
    s->ended = calloc(W, sizeof *s->ended);
    s->before = calloc(W, sizeof *s->before);
    s->sampled = calloc(W, sizeof *s->sampled);
    if (!s->ctl || !s->clock || !s->ended || !s->before || !s->sampled) {
        int code = s->ctl ? pb_fail(err, PB_E_NOMEM, "openmp: out of memory") : PB_E_NOMEM;
        free_state(s);
        return code;
    }
    pb__crash_guard_install("its openmp worker is a thread, which cannot be isolated from its process");
    int rc = pb__omp_start_team(s, err);
    if (rc) {
        bool stopped = pb__omp_stop_driver(s);
        pb__crash_guard_remove();
        if (stopped)
            free_state(s);
        return rc;
    }
    ex->state = s;
    return 0;
}

/* Thread w of the team ended in a task: record it, let the others finish
 * their parts, give the team up (its barrier waits for w forever) and make
 * a new one. */
static int replace_team(pb__omp_state *s, unsigned w, pb_run_stats *st, pb_error *err, int64_t *spin_left)
{
    char what[200];
    int64_t cur = pb__progress_task(atomic_load(&s->ctl->slot[w].progress));
    snprintf(what, sizeof what, "openmp thread %u ended its thread (pthread_exit) in task %lld; the team, whose "
             "barrier would wait for it forever, was replaced", w, (long long)cur);   /* "ended its thread": as the pools say */
    pb__stats_note(st, what);
    while (atomic_load(&s->ended[w]) != 2)   /* its last words take microseconds */
        sched_yield();
    pb__slot_mark_lost(s->ctl, s->plan, w, 0, -2);
    unsigned gone = 0;
    for (unsigned k = 0; k < s->cfg.workers; k++)
        gone += atomic_load(&s->ended[k]) != 0;
    while (atomic_load(&s->left) + gone < atomic_load(&s->team_size)) {   /* the others finish */
        uint32_t b = atomic_load(&s->bell);
        if (atomic_load(&s->left) + gone >= atomic_load(&s->team_size))
            break;
        pb__omp_await_bell(s, b, spin_left);
        for (unsigned k = 0; k < s->cfg.workers; k++) {
            int64_t task;
            if (pb__slot_overrun(s->ctl, s->plan, k, s->cfg.task_timeout_ns, &task) > 0) {
                s->hung = true;
                return pb_fail(err, PB_E_HUNG, "openmp: task %lld has run for over %.3f s in team thread %u; a "
                               "thread cannot be stopped from outside, so parbench must stop", (long long)task,
                               (double)s->cfg.task_timeout_ns / 1e9, k);
            }
        }
    }
    st->t_work_end = pb__control_last_done(s->ctl);
    pthread_detach(s->driver);   /* stuck in the old team for good */
    s->driver_running = false;
    for (unsigned k = 0; k < s->cfg.workers; k++)
        atomic_store(&s->ctl->slot[k].progress, (uint64_t)pb__progress_count(atomic_load(&s->ctl->slot[k].progress)) << 32);
    st->replaced = 1;
    pb_error serr;
    if (pb__omp_start_team(s, &serr) != 0) {
        pb__stats_note(st, serr.msg);
        return pb_fail(err, PB_E_WORKER, "%s", serr.msg);
    }
    return pb_fail(err, PB_E_WORKER, "%s", what);
}

/* Wait for the run; watch for ended threads and overrunning tasks. */
static int wait_run(pb__omp_state *s, pb_run_stats *st, pb_error *err)
{
    int64_t spin_left = pb_wait_spin_ns(&s->cfg.wait, true), next_check = pb_now_ns() + PB__OMP_POLL_NS;
    for (;;) {
        uint32_t b = atomic_load(&s->bell);
        if (atomic_load(&s->done) == s->seq)
            return 0;
        for (unsigned w = 0; w < s->cfg.workers; w++)
            if (atomic_load(&s->ended[w]))
                return replace_team(s, w, st, err, &spin_left);
        int64_t now = pb_now_ns();
        if (now >= next_check) {
            next_check = now + PB__OMP_POLL_NS;
            for (unsigned w = 0; w < s->cfg.workers; w++) {
                int64_t task;
                if (pb__slot_overrun(s->ctl, s->plan, w, s->cfg.task_timeout_ns, &task) > 0) {
                    char what[200];
                    s->hung = true;
                    snprintf(what, sizeof what, "openmp thread %u has run task %lld for over %.3f s (--task-timeout) "
                             "and cannot be stopped", w, (long long)task, (double)s->cfg.task_timeout_ns / 1e9);
                    pb__stats_note(st, what);
                    return pb_fail(err, PB_E_HUNG, "openmp: task %lld has run for over %.3f s in team thread %u; "
                                   "a thread cannot be stopped from outside, so parbench must stop", (long long)task,
                                   (double)s->cfg.task_timeout_ns / 1e9, w);
                }
            }
        }
        pb__omp_await_bell(s, b, &spin_left);
    }
}

static int sample_thread(pb__omp_state *s, unsigned w, pb_task_sample *out)
{
    int tid = atomic_load(&s->ctl->slot[w].tid);
    if (tid == 0 || s->clock[w] == (clockid_t)-1)
        return -1;
    return pb__sample_task(getpid(), tid, s->clock[w], out);
}

static int64_t clock_ns(clockid_t clk)
{
    struct timespec ts;
    if (clock_gettime(clk, &ts) != 0)
        return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int omp_execute(pb_exec *ex, const pb_plan *plan, pb_run_stats *st, pb_error *err)
{
    pb__omp_state *s = ex->state;
    unsigned W = s->cfg.workers;
    s->plan = plan;
    /* the team's readings, CPU clocks last and right before the run (see pool.c) */
    st->t_usage_from = pb_now_ns();   /* before any reading: a clock that could not be read falls back on the sample's */
    for (unsigned w = 0; w < W; w++)
        s->sampled[w] = sample_thread(s, w, &s->before[w]) == 0;
    for (unsigned w = 0; w < W; w++)
        if (s->sampled[w] && (s->before[w].cpu_ns = clock_ns(s->clock[w])) < 0)
            s->sampled[w] = false;
    pb_thread_meter meter;
    pb__meter_begin(&meter);
    atomic_store(&s->ctl->seq, 0);
    for (unsigned w = 0; w < W; w++)
        atomic_store(&s->ctl->slot[w].done_ns, 0);
    st->chunk = s->chunk ? s->chunk : (plan->ntasks + W - 1) / W;

    atomic_store(&s->resting, 0);
    st->t_start = pb_now_ns();
    atomic_store(&s->run, ++s->seq);
    if (atomic_load(&s->driver_asleep))   /* a spinning driver needs no wake-up */
        pb__futex_wake(&s->run, 1);
    st->t_gate = pb_now_ns();
    int rc = wait_run(s, st, err);
    st->t_end = pb_now_ns();
    if (rc == PB_E_HUNG)
        return rc;   /* a thread is still in a task: nothing of it may be read or freed */
    int64_t last = st->t_work_end ? st->t_work_end : pb__control_last_done(s->ctl);
    st->t_work_end = (last && last >= st->t_gate && last <= st->t_end) ? last : st->t_end;
    snprintf(st->bind_refusal, sizeof st->bind_refusal, "%s", pb__control_bind_refusal(s->ctl));

    pb__meter_end(&meter, &st->usage);   /* the parent's own part */
    int64_t *after_cpu = calloc(W, sizeof *after_cpu);
    for (unsigned w = 0; after_cpu && w < W; w++)
        after_cpu[w] = s->sampled[w] ? clock_ns(s->clock[w]) : -1;
    st->t_usage_to = pb_now_ns();
    st->usage.maxrss_kb = 0;
    for (unsigned w = 0; after_cpu && w < W; w++) {
        pb_task_sample after;
        if (after_cpu[w] < 0 || sample_thread(s, w, &after) != 0)
            continue;
        after.cpu_ns = after_cpu[w];
        pb_usage used;
        pb__usage_between_samples(&used, &s->before[w], &after);
        pb__usage_add(&st->usage, &used);
    }
    free(after_cpu);
    return rc;
}

static void omp_rest(pb_exec *ex)
{
    pb__omp_state *s = ex->state;
    if (s)
        atomic_store(&s->resting, 1);
}

static void omp_close(pb_exec *ex)
{
    pb__omp_state *s = ex->state;
    if (!s)
        return;
    ex->state = NULL;
    pb__crash_guard_remove();
    if (s->hung)
        return;   /* a thread is stuck in a task and still uses all of this: the process's exit ends it */
    if (pb__omp_stop_driver(s))
        free_state(s);   /* else the driver still uses it: left to the process's exit */
}

const pb_backend pb_backend_openmp = {
    .name = "openmp",
    .summary = "one OpenMP team (libgomp) of W threads, made once; static blocks, or dynamic chunks (--chunk)",
    .is_pool = true,
    .uses_wait = true,
    .ipc_mask = 1u << PB_IPC_ARENA,
    .open = omp_open,
    .execute = omp_execute,
    .close = omp_close,
    .rest = omp_rest,
};

#else   /* built without OpenMP: listed, with the reason */

static const char *omp_missing(void)
{
    return PB_OPENMP_MISSING;
}

static int omp_unavailable(pb_exec *ex, const pb_plan *plan, pb_error *err)
{
    (void)ex, (void)plan;
    return pb_fail(err, PB_E_UNSUPP, "openmp: not in this build: %s", PB_OPENMP_MISSING);
}

static int omp_no_execute(pb_exec *ex, const pb_plan *plan, pb_run_stats *st, pb_error *err)
{
    (void)ex, (void)st;
    return omp_unavailable(NULL, plan, err);
}

static void omp_no_close(pb_exec *ex)
{
    (void)ex;
}

const pb_backend pb_backend_openmp = {
    .name = "openmp",
    .summary = "one OpenMP team (libgomp) of W threads, made once; static blocks, or dynamic chunks (--chunk)",
    .unavailable = omp_missing,
    .is_pool = true,
    .uses_wait = true,
    .ipc_mask = 1u << PB_IPC_ARENA,
    .open = omp_unavailable,
    .execute = omp_no_execute,
    .close = omp_no_close,
};

#endif
