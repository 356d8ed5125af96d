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
 * ThreadSanitizer: libgomp is not instrumented, so TSan cannot see the
 * ordering its barriers give. The region therefore passes nothing through
 * OpenMP's data sharing: the team finds its state through an atomic
 * hand-off (release, acquire), and every thread ends its part with a
 * release that the driver acquires after the region: the happens-before
 * edges libgomp provides, made visible. */
#include "backends/openmp.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "backends/worker/crash.h"
#include "backends/worker/gate.h"
#include "backends/worker/spin.h"
#include "backends/worker/usage.h"
#include "core/futex.h"
#include "parbench/backend.h"
#include "parbench/clock.h"
#include "parbench/machine.h"
#include "pb_build_config.h"

#if PB_HAVE_OPENMP
#include <omp.h>
#endif

/* ---- the environment libgomp reads at start-up ---------------------------- */

static bool env_is(const char *name, const char *want)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return want == NULL;
    if (!want)
        return false;
    while (isspace((unsigned char)*v))
        v++;
    size_t n = strlen(want);
    if (strncasecmp(v, want, n) != 0)
        return false;
    for (v += n; *v; v++)
        if (!isspace((unsigned char)*v))
            return false;
    return true;
}

bool pb__openmp_env_ready(const pb_wait_policy *w, char *why, size_t why_size)
{
    const char *policy = w->kind == PB_WAIT_PASSIVE ? "PASSIVE" : w->kind == PB_WAIT_ACTIVE ? "ACTIVE" : NULL;
    bool spin = w->kind == PB_WAIT_ADAPTIVE && w->spin_ns > 0;
    const char *have_policy = getenv("OMP_WAIT_POLICY"), *have_spin = getenv("GOMP_SPINCOUNT");
    bool ok = env_is("OMP_WAIT_POLICY", policy) && (spin ? have_spin && *have_spin : !have_spin || !*have_spin) &&
              (env_is("OMP_PROC_BIND", NULL) || env_is("OMP_PROC_BIND", "false"));
    if (!ok) {
        char need[96];
        if (policy)
            snprintf(need, sizeof need, "OMP_WAIT_POLICY=%s and GOMP_SPINCOUNT unset", policy);
        else
            snprintf(need, sizeof need, "OMP_WAIT_POLICY unset and GOMP_SPINCOUNT %s", spin ? "set" : "unset");
        const char *bind = getenv("OMP_PROC_BIND");
        snprintf(why, why_size, "--wait %s%s needs %s (OMP_PROC_BIND unset or false) in the environment the "
                 "process starts with, since libgomp reads them once; this one started with OMP_WAIT_POLICY=%s "
                 "GOMP_SPINCOUNT=%s OMP_PROC_BIND=%s (`parbench run` sets them itself)", pb_wait_name(w->kind),
                 spin ? " --spin-us" : "", need, have_policy ? have_policy : "(unset)",
                 have_spin ? have_spin : "(unset)", bind ? bind : "(unset)");
    }
    return ok;
}

/* Nanoseconds one turn of libgomp's spin loop takes here (a relaxed load
 * and a pause), measured over 2^17 turns. */
static double spin_turn_ns(void)
{
    static _Atomic uint32_t word;
    enum { TURNS = 1 << 17 };
    int64_t t0 = pb_now_ns();
    for (int i = 0; i < TURNS; i++) {
        if (atomic_load_explicit(&word, memory_order_relaxed) != 0)
            break;
        pb__spin_relax(false);
    }
    double ns = (double)(pb_now_ns() - t0) / TURNS;
    return ns > 0.1 ? ns : 0.1;
}

void pb__openmp_env_set(const pb_wait_policy *w)
{
    unsetenv("GOMP_SPINCOUNT");
    setenv("OMP_PROC_BIND", "false", 1);
    if (w->kind == PB_WAIT_PASSIVE)
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    else if (w->kind == PB_WAIT_ACTIVE)
        setenv("OMP_WAIT_POLICY", "ACTIVE", 1);
    else
        unsetenv("OMP_WAIT_POLICY");
    if (w->kind == PB_WAIT_ADAPTIVE && w->spin_ns > 0) {
        char count[32];
        double turns = (double)w->spin_ns / spin_turn_ns();
        snprintf(count, sizeof count, "%.0f", turns < 1 ? 1 : turns);
        setenv("GOMP_SPINCOUNT", count, 1);
    }
}

#if PB_HAVE_OPENMP

#define POLL_NS 10000000          /* how often the parent looks at the team while waiting */
#define CLOSE_GRACE_NS 2000000000 /* how long close waits for the driver */

typedef struct omp_state {
    pb_exec_config cfg;
    const pb_plan *plan;
    uint64_t chunk;                 /* dynamic chunk; 0: schedule(static) */
    pb_control *ctl;                /* one slot per thread index: progress, tid, binding, done_ns */
    clockid_t *clock;               /* each thread's CPU clock, recorded by the thread */
    _Atomic uint32_t *ended;        /* the thread serving this index ended (pthread_exit in a task):
                                       1 while its last words run, 2 once it touches nothing of ours */
    pb_task_sample *before;
    bool *sampled;
    int64_t idle_spin_ns;           /* the driver between runs */
    bool spin_yield;                /* more spinners than PUs: yield while spinning */
    bool startup;                   /* the region only makes the team (no tasks) */
    /* parent <-> driver */
    _Atomic uint32_t run;           /* the run the parent asks for: the driver waits on it */
    _Atomic uint32_t done;          /* the last run the driver finished */
    _Atomic uint32_t bell;          /* bumped for the parent: a run done, a thread ended, the team made */
    _Atomic uint32_t stop, resting;
    _Atomic uint32_t driver_asleep, parent_asleep;
    _Atomic uint32_t entered, left; /* team threads that began / finished their part of this region */
    _Atomic uint32_t team_size;     /* omp_get_num_threads() of the last region */
    _Atomic uint32_t ready;         /* 1: the driver made its team; 2: it could not */
    uint32_t seq;                   /* the parent's run counter */
    pthread_t driver;
    bool driver_running;            /* a driver to join at close */
    bool hung;                      /* a thread is stuck in a task: nothing may be freed */
} omp_state;

/* The state of the region starting: set by its driver, read by each team
 * thread as it enters, cleared by the last one to enter. */
static _Atomic(omp_state *) team_handoff;

static void ring(omp_state *s)
{
    atomic_fetch_add(&s->bell, 1);
    if (atomic_load(&s->parent_asleep))
        pb__futex_wake(&s->bell, INT_MAX);
}

typedef struct ended_arg {
    omp_state *s;
    unsigned w, W;
} ended_arg;

/* A task ended its thread: unwinding passes here first. Thread 0 (the
 * driver) first waits until the whole team has entered the region: its
 * exit makes libgomp hand its idle threads a "leave" order, which a thread
 * still on its way in would take instead of its part of the region. */
static void on_thread_end(void *arg)
{
    ended_arg *a = arg;
    omp_state *s = a->s;
    if (a->w == 0)
        for (int64_t until = pb_now_ns() + CLOSE_GRACE_NS; atomic_load(&s->entered) < a->W && pb_now_ns() < until;)
            sched_yield();
    else
        pthread_detach(pthread_self());   /* libgomp's thread: nobody will join it now */
    atomic_store(&s->ended[a->w], 1);
    ring(s);
    atomic_store(&s->ended[a->w], 2);   /* the last touch: the parent may free s from here on */
}

static void run_tasks(omp_state *s, pb_worker_slot *slot, unsigned w)
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
    omp_state *s = atomic_load_explicit(&team_handoff, memory_order_acquire);
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
static void run_region(omp_state *s, bool startup)
{
    s->startup = startup;
    atomic_store(&s->entered, 0);
    atomic_store(&s->left, 0);
    omp_state *none = NULL;
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
    omp_state *s = arg;
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

/* The parent waits (by the policy) until the bell moves from `b`. */
static void await_bell(omp_state *s, uint32_t b, int64_t *spin_left)
{
    if (*spin_left > 0) {
        int64_t slice = *spin_left < POLL_NS ? *spin_left : POLL_NS, t0 = pb_now_ns();
        bool rang = pb__spin_while_equal(&s->bell, b, slice, s->spin_yield, NULL);
        if (*spin_left != INT64_MAX)
            *spin_left -= pb_now_ns() - t0;
        if (rang || *spin_left > 0)
            return;
    }
    struct timespec poll_ts = { 0, POLL_NS };
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

/* Start a driver and its team; wait until the team is made. */
static int start_team(omp_state *s, pb_error *err)
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
        await_bell(s, b, &no_spin);
    }
}

static void stop_driver(omp_state *s)
{
    atomic_store(&s->resting, 1);
    atomic_store(&s->stop, 1);
    pb__futex_wake(&s->run, INT_MAX);
    if (!s->driver_running)
        return;
    struct timespec now, until;
    clock_gettime(CLOCK_REALTIME, &now);
    until = now;
    until.tv_sec += CLOSE_GRACE_NS / 1000000000;
    if (pthread_timedjoin_np(s->driver, NULL, &until) != 0)
        pthread_detach(s->driver);   /* stuck in libgomp: the process's exit ends it */
    s->driver_running = false;
}

static void free_state(omp_state *s)
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
    omp_state *s = calloc(1, sizeof *s);
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
    int rc = start_team(s, err);
    if (rc) {
        stop_driver(s);
        pb__crash_guard_remove();
        free_state(s);
        return rc;
    }
    ex->state = s;
    return 0;
}

/* Thread w of the team ended in a task: record it, let the others finish
 * their parts, give the team up (its barrier waits for w forever) and make
 * a new one. */
static int replace_team(omp_state *s, unsigned w, pb_run_stats *st, pb_error *err, int64_t *spin_left)
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
        await_bell(s, b, spin_left);
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
    if (start_team(s, &serr) != 0) {
        pb__stats_note(st, serr.msg);
        return pb_fail(err, PB_E_WORKER, "%s", serr.msg);
    }
    return pb_fail(err, PB_E_WORKER, "%s", what);
}

/* Wait for the run; watch for ended threads and overrunning tasks. */
static int wait_run(omp_state *s, pb_run_stats *st, pb_error *err)
{
    int64_t spin_left = pb_wait_spin_ns(&s->cfg.wait, true), next_check = pb_now_ns() + POLL_NS;
    for (;;) {
        uint32_t b = atomic_load(&s->bell);
        if (atomic_load(&s->done) == s->seq)
            return 0;
        for (unsigned w = 0; w < s->cfg.workers; w++)
            if (atomic_load(&s->ended[w]))
                return replace_team(s, w, st, err, &spin_left);
        int64_t now = pb_now_ns();
        if (now >= next_check) {
            next_check = now + POLL_NS;
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
        await_bell(s, b, &spin_left);
    }
}

static int sample_thread(omp_state *s, unsigned w, pb_task_sample *out)
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
    omp_state *s = ex->state;
    unsigned W = s->cfg.workers;
    s->plan = plan;
    /* the team's readings, CPU clocks last and right before the run (see pool.c) */
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
    omp_state *s = ex->state;
    if (s)
        atomic_store(&s->resting, 1);
}

static void omp_close(pb_exec *ex)
{
    omp_state *s = ex->state;
    if (!s)
        return;
    ex->state = NULL;
    pb__crash_guard_remove();
    if (s->hung)
        return;   /* a thread is stuck in a task and still uses all of this: the process's exit ends it */
    stop_driver(s);
    free_state(s);
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
