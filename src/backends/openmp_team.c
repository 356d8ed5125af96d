/* The openmp backend's team: a driver thread of the backend's own starts
 * the regions of one libgomp team (the driver is thread 0 and runs tasks
 * too) and waits for the next run by the wait policy; each thread of the
 * team binds itself the first time it serves its index, runs its part of
 * the plan, and says when it ended its thread (pthread_exit in a task).
 * The parent's side is in openmp.c.
 *
 * ThreadSanitizer: libgomp is not instrumented, so TSan cannot see the
 * ordering its barriers give. The region therefore passes nothing through
 * OpenMP's data sharing: the team finds its state through an atomic
 * hand-off (release, acquire), and every thread ends its part with a
 * release that the driver acquires after the region: the happens-before
 * edges libgomp provides, made visible. */
#include "pb_build_config.h"

#if PB_HAVE_OPENMP   /* built without OpenMP, openmp.c says why the backend cannot run */

#include "openmp_internal.h"

#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "backends/worker/spin.h"
#include "parbench/clock.h"


/* The state of the region starting: set by its driver, read by each team
 * thread as it enters, cleared by the last one to enter. */
static _Atomic(pb__omp_state *) team_handoff;

static void ring(pb__omp_state *s)
{
    atomic_fetch_add(&s->bell, 1);
    if (atomic_load(&s->parent_asleep))
        pb__futex_wake(&s->bell, INT_MAX);
}

typedef struct ended_arg {
    pb__omp_state *s;
    unsigned w, W;
} ended_arg;

/* A task ended its thread: unwinding passes here first. Thread 0 (the
 * driver) first waits until the whole team has entered the region: its
 * exit makes libgomp hand its idle threads a "leave" order, which a thread
 * still on its way in would take instead of its part of the region. */
static void on_thread_end(void *arg)
{
    ended_arg *a = arg;
    pb__omp_state *s = a->s;
    if (a->w == 0)
        for (int64_t until = pb_now_ns() + PB__OMP_CLOSE_GRACE_NS; atomic_load(&s->entered) < a->W && pb_now_ns() < until;)
            sched_yield();
    else
        pthread_detach(pthread_self());   /* libgomp's thread: nobody will join it now */
    atomic_store(&s->ended[a->w], 1);
    ring(s);
    atomic_store(&s->ended[a->w], 2);   /* the last touch: the parent may free s from here on */
}

static void run_tasks(pb__omp_state *s, pb_worker_slot *slot, unsigned w)
{
    const pb_plan *plan = s->plan;
    size_t n = plan->ntasks;
    if (s->chunk) {
        long chunk = s->chunk > LONG_MAX ? LONG_MAX : (long)s->chunk;
#pragma omp for schedule(dynamic, chunk) nowait
        for (size_t i = 0; i < n; i++)
            pb__slot_run_task(slot, &s->ctl->seq, plan, i, w);
    } else {
#pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++)
            pb__slot_run_task(slot, &s->ctl->seq, plan, i, w);
    }
}

/* What every thread of the team does in a region. */
static void team_body(void)
{
    pb__omp_state *s = atomic_load_explicit(&team_handoff, memory_order_acquire);
    unsigned W = (unsigned)omp_get_num_threads(), w = (unsigned)omp_get_thread_num();
    if (atomic_fetch_add(&s->entered, 1) + 1 == W)
        atomic_store_explicit(&team_handoff, NULL, memory_order_release);
    pb_worker_slot *slot = &s->ctl->slot[w];
    int32_t tid = (int32_t)gettid();
    if (atomic_load(&slot->tid) != tid) {   /* a thread new to this index: note it and bind it, once */
        if (pthread_getcpuclockid(pthread_self(), &s->clock[w]) != 0)
            s->clock[w] = (clockid_t)-1;
        atomic_store(&slot->tid, tid);
        pb__slot_bind(s->ctl, &s->cfg, w);
    }
    if (w == 0)
        atomic_store(&s->team_size, W);
    if (!s->startup) {
        ended_arg arg = { s, w, W };
        pthread_cleanup_push(on_thread_end, &arg);
        run_tasks(s, slot, w);
        pthread_cleanup_pop(0);
    }
    atomic_store(&slot->done_ns, pb_now_ns());
    atomic_fetch_add_explicit(&s->left, 1, memory_order_release);
}

/* One region of the team, started by the driver. */
static void run_region(pb__omp_state *s, bool startup)
{
    s->startup = startup;
    atomic_store(&s->entered, 0);
    atomic_store(&s->left, 0);
    pb__omp_state *none = NULL;
    while (!atomic_compare_exchange_weak_explicit(&team_handoff, &none, s, memory_order_release,
                                                  memory_order_relaxed)) {
        none = NULL;   /* another team is still entering its region */
        sched_yield();
    }
    int W = (int)s->cfg.workers;
#pragma omp parallel num_threads(W)
    team_body();
    (void)atomic_load_explicit(&s->left, memory_order_acquire);   /* every thread's part happened before */
}

static void *driver_main(void *arg)
{
    pb__omp_state *s = arg;
    omp_set_dynamic(0);
    run_region(s, true);
    uint32_t seen = atomic_load(&s->run);   /* before ready: the first run may be asked for at once */
    atomic_store(&s->ready, atomic_load(&s->team_size) == s->cfg.workers ? 1 : 2);
    ring(s);
    for (;;) {
        if (atomic_load(&s->run) == seen && !atomic_load(&s->stop)) {
            if (!atomic_load(&s->resting) &&
                pb__spin_while_equal(&s->run, seen, s->idle_spin_ns, s->spin_yield, &s->resting))
                continue;
            atomic_store(&s->driver_asleep, 1);   /* then read run: the parent writes run, then reads this */
            if (atomic_load(&s->run) == seen && !atomic_load(&s->stop))
                pb__futex_wait(&s->run, seen, NULL);
            atomic_store(&s->driver_asleep, 0);
            continue;
        }
        if (atomic_load(&s->stop))
            break;
        seen = atomic_load(&s->run);
        run_region(s, false);
        atomic_store(&s->done, seen);
        ring(s);
    }
    return NULL;
}

void pb__omp_await_bell(pb__omp_state *s, uint32_t b, int64_t *spin_left)
{
    if (*spin_left > 0) {
        int64_t slice = *spin_left < PB__OMP_POLL_NS ? *spin_left : PB__OMP_POLL_NS, t0 = pb_now_ns();
        bool rang = pb__spin_while_equal(&s->bell, b, slice, s->spin_yield, NULL);
        if (*spin_left != INT64_MAX)
            *spin_left -= pb_now_ns() - t0;
        if (rang || *spin_left > 0)
            return;
    }
    struct timespec poll_ts = { 0, PB__OMP_POLL_NS };
    atomic_store(&s->parent_asleep, 1);
    if (atomic_load(&s->bell) == b)
        pb__futex_wait(&s->bell, b, &poll_ts);
    atomic_store(&s->parent_asleep, 0);
}

static void *idle_thread(void *arg)
{
    _Atomic uint32_t *go = arg;
    while (!atomic_load(go))
        pb__futex_wait(go, 0, NULL);
    return NULL;
}

/* libgomp ends the whole process when it cannot create a thread: first
 * make sure W threads can be made (then let them go), so that a refusal
 * (RLIMIT_NPROC, memory) is reported and the next configuration runs. */
static int threads_available(unsigned W, pb_error *err)
{
    pthread_t *t = calloc(W, sizeof *t);
    _Atomic uint32_t go = 0;
    unsigned made = 0;
    int e = t ? 0 : ENOMEM;
    while (!e && made < W && (e = pthread_create(&t[made], NULL, idle_thread, &go)) == 0)
        made++;
    atomic_store(&go, 1);
    pb__futex_wake(&go, INT_MAX);
    for (unsigned k = 0; k < made; k++)
        pthread_join(t[k], NULL);
    free(t);
    if (e)
        return pb_fail_errno(err, PB_E_WORKER, e, "openmp: cannot create worker %u of %u", made + 1, W);
    return 0;
}

int pb__omp_start_team(pb__omp_state *s, pb_error *err)
{
    int rc = threads_available(s->cfg.workers, err);
    if (rc)
        return rc;
    atomic_store(&s->ready, 0);
    atomic_store(&s->stop, 0);
    atomic_store(&s->run, 0);
    atomic_store(&s->done, 0);
    s->seq = 0;
    for (unsigned w = 0; w < s->cfg.workers; w++) {
        atomic_store(&s->ended[w], 0);
        atomic_store(&s->ctl->slot[w].tid, 0);
    }
    int e = pthread_create(&s->driver, NULL, driver_main, s);
    if (e)
        return pb_fail_errno(err, PB_E_WORKER, e, "openmp: cannot create the thread that drives the team");
    s->driver_running = true;
    int64_t no_spin = 0;   /* making a team takes a while: sleep */
    for (;;) {
        uint32_t b = atomic_load(&s->bell);
        uint32_t r = atomic_load(&s->ready);
        if (r == 1)
            return 0;
        if (r == 2)
            return pb_fail(err, PB_E_WORKER, "openmp: libgomp made a team of %u threads, not %u (OMP_THREAD_LIMIT? "
                           "OMP_DYNAMIC?)", atomic_load(&s->team_size), s->cfg.workers);
        pb__omp_await_bell(s, b, &no_spin);
    }
}

bool pb__omp_stop_driver(pb__omp_state *s)
{
    atomic_store(&s->resting, 1);
    atomic_store(&s->stop, 1);
    /* run moves too: a driver between its look at stop and its futex_wait on run would otherwise sleep
     * on an unchanged word through the wake-up (the pools had this lost wake-up; see pool.c's close).
     * A driver that sees the new run sees stop first, and stops. */
    atomic_fetch_add(&s->run, 1);
    pb__futex_wake(&s->run, INT_MAX);
    if (!s->driver_running)
        return true;
    struct timespec now, until;
    clock_gettime(CLOCK_REALTIME, &now);
    until = now;
    until.tv_sec += PB__OMP_CLOSE_GRACE_NS / 1000000000;
    bool joined = pthread_timedjoin_np(s->driver, NULL, &until) == 0;
    if (!joined)
        pthread_detach(s->driver);   /* stuck in libgomp: the process's exit ends it */
    s->driver_running = false;
    return joined;
}

#endif
