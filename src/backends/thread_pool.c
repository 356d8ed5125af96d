/* thread-pool: W threads started once when the backend opens, pulling
 * chunks of tasks from one shared queue; when there is none they wait as
 * the wait policy says (--wait: spin, then sleep on a futex). A run costs
 * only dispatch and wake-up; the threads' start-up is measured apart
 * (startup_s).
 *
 * Threads cannot be isolated: a task that crashes ends parbench (loudly,
 * with the finished results kept); a task that ends its thread
 * (pthread_exit) is reported and the thread replaced; a task that overruns
 * --task-timeout cannot be stopped, so the run is reported and parbench
 * stops. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "backends/worker/crash.h"
#include "parbench/clock.h"
#include "pool.h"

typedef struct tp_worker {
    pb_pool *pool;
    unsigned index;
    pthread_t thread;
    bool running;              /* created and not yet joined */
    pb_task_sample last;       /* its own reading as it ended (pthread_exit in a task) */
    bool has_last;
} tp_worker;

typedef struct tp_state {
    pb_pool pool;              /* first: pb__pool_of relies on it */
    tp_worker *worker;
} tp_state;

/* A thread leaving through pthread_exit (a task ended it) reads its own
 * usage on the way out, so its CPU in the run is not lost with it. */
static void tp_on_exit(void *arg)
{
    tp_worker *w = arg;
    w->has_last = pb__sample_self(&w->last) == 0;
}

static void *tp_main(void *arg)
{
    tp_worker *w = arg;
    w->has_last = false;
    pthread_cleanup_push(tp_on_exit, w);
    pb__pool_worker_main(w->pool, w->index);
    pthread_cleanup_pop(0);
    return NULL;
}

static int tp_spawn(pb_pool *p, unsigned w, pb_error *err)
{
    tp_state *s = p->impl;
    tp_worker *tw = &s->worker[w];
    atomic_store(&p->ctl->slot[w].tid, 0);
    atomic_store(&p->ctl->slot[w].finished, 0);
    tw->pool = p;
    tw->index = w;
    int e = pthread_create(&tw->thread, NULL, tp_main, tw);
    if (e)
        return pb_fail_errno(err, PB_E_WORKER, e, "thread-pool: cannot create worker %u of %u", w + 1, p->workers);
    tw->running = true;
    return 0;
}

static bool tp_ended(pb_pool *p, unsigned w, char *how, size_t size, int *sig, int *status)
{
    tp_worker *tw = &((tp_state *)p->impl)->worker[w];
    if (!tw->running || pthread_tryjoin_np(tw->thread, NULL) != 0)
        return false;
    tw->running = false;
    snprintf(how, size, "ended its thread (pthread_exit)");
    *sig = 0;
    *status = -2;
    return true;
}

static bool tp_kill(pb_pool *p, unsigned w)
{
    (void)p, (void)w;
    return false;   /* there is no safe way to stop a thread from outside */
}

static bool tp_reap(pb_pool *p, unsigned w, int64_t deadline_ns)
{
    tp_worker *tw = &((tp_state *)p->impl)->worker[w];
    if (!tw->running)
        return true;
    struct timespec now, until;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t left = deadline_ns - pb_now_ns();
    if (left < 0)
        left = 0;
    int64_t ns = now.tv_nsec + left % 1000000000;
    until.tv_sec = now.tv_sec + left / 1000000000 + ns / 1000000000;
    until.tv_nsec = ns % 1000000000;
    if (pthread_timedjoin_np(tw->thread, NULL, &until) == 0) {
        tw->running = false;
        return true;
    }
    pthread_detach(tw->thread);   /* stuck: the process's exit ends it */
    return false;
}

static int tp_sample(pb_pool *p, unsigned w, pb_task_sample *out)
{
    tp_worker *tw = &((tp_state *)p->impl)->worker[w];
    clockid_t clk;
    int tid = atomic_load(&p->ctl->slot[w].tid);
    if (!tw->running || tid == 0 || pthread_getcpuclockid(tw->thread, &clk) != 0)
        return PB_E_SYS;
    return pb__sample_task(getpid(), tid, clk, out);
}

static int tp_cpu_clock(pb_pool *p, unsigned w, clockid_t *clk)
{
    tp_worker *tw = &((tp_state *)p->impl)->worker[w];
    return tw->running && pthread_getcpuclockid(tw->thread, clk) == 0 ? 0 : PB_E_SYS;
}

static bool tp_final_sample(pb_pool *p, unsigned w, pb_task_sample *out)
{
    tp_worker *tw = &((tp_state *)p->impl)->worker[w];
    if (tw->running || !tw->has_last)   /* read only once the thread was joined */
        return false;
    *out = tw->last;
    tw->has_last = false;
    return true;
}

static const pb_pool_ops tp_ops = {
    .kind = "thread",
    .spawn = tp_spawn,
    .ended = tp_ended,
    .kill = tp_kill,
    .reap = tp_reap,
    .sample = tp_sample,
    .cpu_clock = tp_cpu_clock,
    .final_sample = tp_final_sample,
};

static void tp_close(pb_exec *ex)
{
    tp_state *s = ex->state;
    if (!s)
        return;
    bool hung = s->pool.hung;
    pb__pool_close(&s->pool);
    pb__crash_guard_remove();
    if (!hung) {          /* a stuck thread may still read its tp_worker */
        free(s->worker);
        free(s);
    }
    ex->state = NULL;
}

static int tp_open(pb_exec *ex, const pb_plan *plan, pb_error *err)
{
    tp_state *s = calloc(1, sizeof *s);
    if (!s || !(s->worker = calloc(ex->config.workers, sizeof *s->worker))) {
        free(s);
        return pb_fail(err, PB_E_NOMEM, "thread-pool: out of memory");
    }
    ex->state = s;
    pb__crash_guard_install("its thread-pool worker is a thread, which cannot be isolated from its process");
    int rc = pb__pool_open(&s->pool, &tp_ops, "thread-pool", &ex->config, plan, s, err);
    if (rc) {
        pb__crash_guard_remove();
        free(s->worker);
        free(s);
        ex->state = NULL;
    }
    return rc;
}

static int tp_execute(pb_exec *ex, const pb_plan *plan, pb_run_stats *st, pb_error *err)
{
    (void)plan;
    return pb__pool_execute(&((tp_state *)ex->state)->pool, st, err);
}

static void tp_rest(pb_exec *ex)
{
    if (ex->state)
        pb__pool_rest(&((tp_state *)ex->state)->pool);
}

const pb_backend pb_backend_thread_pool = {
    .name = "thread-pool",
    .summary = "W threads started once, pulling chunks of tasks from one shared queue",
    .is_pool = true,
    .uses_wait = true,
    .ipc_mask = 1u << PB_IPC_ARENA,
    .open = tp_open,
    .execute = tp_execute,
    .close = tp_close,
    .rest = tp_rest,
};
