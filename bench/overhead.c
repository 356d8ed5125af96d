/* overhead: what each execution style costs, next to the bare system calls
 * it rests on, all in one Google Benchmark run.
 *
 * pairs       parbench and its bare baseline of exactly the same shape, in
 *             alternating rounds (bench/paired.h), each side summarised by
 *             the median of its per-round times; the ratio has a goal:
 *   at_once/pthread/W:N, at_once/fork/W:N (W = 1, usable PUs, 64)
 *             the backend running W one-add tasks with W workers, against W
 *             bare threads (processes) created at once, then joined (reaped)
 *   batch/process-pool-pipe/N:1000
 *             1000 tasks through a one-worker process-pool over its pipes,
 *             one task per message (--chunk 1), against 1000 messages and
 *             their replies over one bare pipe pair to one process
 *   idle/thread-pool, idle/process-pool
 *             one task through an idle one-worker pool, against one futex
 *             round trip with an idle waiter (threads; processes): both
 *             sides sleep PB_PAIR_IDLE_NS before each round
 *             In the batch and idle pairs the waker (this thread) and the
 *             waiter (the pool's worker, the bare partner) are bound to two
 *             PUs, the same two on both sides (pb__bl_pair_pus): where the
 *             scheduler would put them is a coin that could fall one way
 *             for one side and the other way for the other.
 * figures     the bare system calls one at a time (create+join, fork with 0
 *             and 256 MiB of touched heap, posix_spawn, round trips,
 *             mutexes, atomics) and the pools' cost per task in a batch:
 *             shown, with no goal (no baseline has their shape).
 *
 * A pair's parbench side is timed by the run's own wall clock (t_start to
 * t_end, runs.csv's wall_s), its bare side by the same clock around the bare
 * operation; Google Benchmark's time of a pair is a whole round (both sides
 * and the idle gaps): read its counters parbench_us, bare_us, ratio and
 * rounds. After the runs each ratio is printed with its goal, MET or NOT
 * MET, and added to the files as a derived row. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "opened.h"
#include "paired.h"
#include "parbench/clock.h"
#include "parbench/machine.h"
#include "parbench/registry.h"
#include "shim/pb_gbench.h"

/* ---- baselines ---------------------------------------------------------- */

static void bm_thread(pb_gb_state *st, void *u)
{
    (void)u;
    while (pb_gb_keep_running(st))
        pb__bl_thread_once();
}

static void bm_fork(pb_gb_state *st, void *u)
{
    (void)u;
    void *heap = pb__bl_touch_heap((size_t)pb_gb_range(st, 0));
    while (pb_gb_keep_running(st))
        pb__bl_fork_once();
    pb_gb_counter(st, "heap_mb", (double)pb_gb_range(st, 0), 0);
    free(heap);
}

static void bm_spawn(pb_gb_state *st, void *u)
{
    (void)u;
    while (pb_gb_keep_running(st))
        pb__bl_spawn_once();
}

static void bm_round_trip(pb_gb_state *st, void *u)
{
    pb_bl_partner *p = pb__bl_partner_start((pb_bl_kind)(intptr_t)u);
    pb__bl_round_trip(p);
    while (pb_gb_keep_running(st))
        pb__bl_round_trip(p);
    pb__bl_partner_stop(p);
}

static pthread_mutex_t shared_mutex = PTHREAD_MUTEX_INITIALIZER;
static _Atomic bool rival_stop;

static void bm_mutex_uncontended(pb_gb_state *st, void *u)
{
    (void)u;
    static uint64_t guarded;
    while (pb_gb_keep_running(st)) {
        pthread_mutex_lock(&shared_mutex);
        guarded++;
        pthread_mutex_unlock(&shared_mutex);
    }
    pb_gb_do_not_optimize(&guarded);
}

static void *mutex_rival(void *arg)
{
    uint64_t *guarded = arg;
    while (!atomic_load_explicit(&rival_stop, memory_order_relaxed)) {
        pthread_mutex_lock(&shared_mutex);
        (*guarded)++;
        pthread_mutex_unlock(&shared_mutex);
    }
    return NULL;
}

static void bm_mutex_contended(pb_gb_state *st, void *u)
{
    (void)u;
    static uint64_t guarded;
    pthread_t t;
    atomic_store(&rival_stop, false);
    pthread_create(&t, NULL, mutex_rival, &guarded);
    while (pb_gb_keep_running(st)) {
        pthread_mutex_lock(&shared_mutex);
        guarded++;
        pthread_mutex_unlock(&shared_mutex);
    }
    atomic_store(&rival_stop, true);
    pthread_join(t, NULL);
}

/* Two threads incrementing: one cache line shared, or one line each. */
typedef struct { _Atomic uint64_t v; char pad[56]; } padded_counter;
static padded_counter lines[2];
static _Atomic uint64_t *rival_target;

static void *atomic_rival(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&rival_stop, memory_order_relaxed))
        atomic_fetch_add_explicit(rival_target, 1, memory_order_relaxed);
    return NULL;
}

static void bm_atomics(pb_gb_state *st, void *u)
{
    bool padded = u != NULL;
    static _Atomic uint64_t same_line[2];
    _Atomic uint64_t *mine = padded ? &lines[0].v : &same_line[0];
    rival_target = padded ? &lines[1].v : &same_line[1];
    pthread_t t;
    atomic_store(&rival_stop, false);
    pthread_create(&t, NULL, atomic_rival, NULL);
    while (pb_gb_keep_running(st))
        atomic_fetch_add_explicit(mine, 1, memory_order_relaxed);
    atomic_store(&rival_stop, true);
    pthread_join(t, NULL);
}

/* ---- pairs: parbench and its bare baseline of the same shape ------------ */

typedef enum bare_shape {
    BARE_THREADS_AT_ONCE,      /* n threads created at once, then joined */
    BARE_FORKS_AT_ONCE,        /* n processes forked at once, then reaped */
    BARE_PIPE_MESSAGES,        /* n messages and replies over one pipe pair */
    BARE_FUTEX_THREAD,         /* one futex round trip, the waiter a thread */
    BARE_FUTEX_PROCESS,        /* the waiter a process */
} bare_shape;

typedef struct pair_def {
    char name[64];             /* the benchmark */
    char what[128];            /* its derived row */
    const char *goal;
    const pb_backend *backend; /* the parbench side: `spec` under backend with cfg */
    pb_exec_config cfg;
    char spec[64];
    bare_shape bare;           /* the bare side */
    unsigned n;
    int64_t idle_ns;           /* sleep before each side's round */
    bool placed;               /* waker and waiter bound apart, alike on both sides (pb__bl_pair_pus) */
} pair_def;

typedef struct bare_side {
    const pair_def *d;
    pb_bl_partner *partner;
} bare_side;

static int64_t bare_round(void *ctx)
{
    bare_side *b = ctx;
    int64_t t0 = pb_now_ns();
    switch (b->d->bare) {
    case BARE_THREADS_AT_ONCE: pb__bl_threads_at_once(b->d->n); break;
    case BARE_FORKS_AT_ONCE: pb__bl_forks_at_once(b->d->n); break;
    case BARE_PIPE_MESSAGES: pb__bl_pipe_messages(b->partner, b->d->n); break;
    case BARE_FUTEX_THREAD:
    case BARE_FUTEX_PROCESS: pb__bl_round_trip(b->partner); break;
    }
    return pb_now_ns() - t0;
}

static void bm_pair(pb_gb_state *gs, void *user)
{
    const pair_def *d = user;
    int waker = -1, waiter = -1;
    if (d->placed)
        pb__bl_pair_pus(&waker, &waiter);
    pb_error err;
    if (waker >= 0 && pb__bl_bind(waker, &err) != 0) {
        pb_gb_skip_with_error(gs, err.msg);
        return;
    }
    pb_opened o;
    if (pb__opened_open_on(&o, d->spec, d->backend, &d->cfg, waiter) != 0) {
        pb_gb_skip_with_error(gs, o.err.msg);
        pb__bl_bind(-1, NULL);
        return;
    }
    bare_side b = { d, NULL };
    if (d->bare == BARE_PIPE_MESSAGES)
        b.partner = pb__bl_partner_start_on(PB_BL_PIPE_MESSAGES, waiter);
    else if (d->bare == BARE_FUTEX_THREAD || d->bare == BARE_FUTEX_PROCESS)
        b.partner = pb__bl_partner_start_on(d->bare == BARE_FUTEX_THREAD ? PB_BL_FUTEX_THREAD : PB_BL_FUTEX_PROCESS,
                                           waiter);
    pb_pair p;
    pb__pair_init(&p, pb__opened_round, &o, bare_round, &b, d->idle_ns);
    bool ok = pb__pair_round(&p) == 0;   /* warm-up: every worker and partner up once, not counted */
    pb__pair_clear(&p);
    while (pb_gb_keep_running(gs))
        if (ok && pb__pair_round(&p) != 0)
            ok = false;
    if (!ok)
        pb_gb_skip_with_error(gs, o.err.msg[0] ? o.err.msg : "a round failed");
    else {
        double a = pb__pair_median_a(&p), bare = pb__pair_median_b(&p);
        pb_gb_counter(gs, "parbench_us", a / 1e3, 0);
        pb_gb_counter(gs, "bare_us", bare / 1e3, 0);
        pb_gb_counter(gs, "ratio", a / bare, 0);
        pb_gb_counter(gs, "rounds", (double)p.rounds, 0);
    }
    pb__pair_free(&p);
    if (b.partner)
        pb__bl_partner_stop(b.partner);
    pb__opened_close(&o);
    if (waker >= 0)
        pb__bl_bind(-1, NULL);
}

static pair_def pairs[16];
static unsigned npairs;

static pair_def *add_pair(const pb_backend *backend, unsigned workers, const char *spec, bare_shape bare, unsigned n,
                          const char *goal)
{
    pair_def *d = &pairs[npairs++];
    *d = (pair_def){ .goal = goal, .backend = backend, .cfg = { .workers = workers }, .bare = bare, .n = n };
    snprintf(d->spec, sizeof d->spec, "%s", spec);
    return d;
}

static void register_pairs(void)
{
    unsigned pus = pb_allowed_pus(), ws[3] = { 1, pus, 64 }, nws = 0;
    if (ws[1] > ws[2]) {   /* more than 64 PUs: 1, 64, PUs */
        ws[1] = 64;
        ws[2] = pus;
    }
    for (unsigned i = 0; i < 3; i++)   /* W = 1, PUs and 64 (on 1 to 256 PUs), each once, in increasing order */
        if (!nws || ws[i] > ws[nws - 1])
            ws[nws++] = ws[i];
    for (unsigned k = 0; k < 2; k++)
        for (unsigned i = 0; i < nws; i++) {
            char spec[64];
            snprintf(spec, sizeof spec, "counter:n=1,tasks=%u", ws[i]);
            pair_def *d = add_pair(k ? &pb_backend_fork : &pb_backend_pthread, ws[i], spec,
                                   k ? BARE_FORKS_AT_ONCE : BARE_THREADS_AT_ONCE, ws[i], "<=1.25");
            snprintf(d->name, sizeof d->name, "at_once/%s/W:%u", k ? "fork" : "pthread", ws[i]);
            snprintf(d->what, sizeof d->what, "%s backend W=%u / bare: %u %s at once, then %s", k ? "fork" : "pthread",
                     ws[i], ws[i],
                     k ? (ws[i] == 1 ? "process forked" : "processes forked")
                       : (ws[i] == 1 ? "thread created" : "threads created"),
                     k ? "reaped" : "joined");
        }
    enum { BATCH = 1000 };
    pair_def *d = add_pair(&pb_backend_process_pool, 1, "counter:n=1,tasks=1000", BARE_PIPE_MESSAGES, BATCH, "<=1.25");
    d->cfg.ipc = PB_IPC_PIPE;
    d->cfg.chunk = 1;
    d->cfg.wait.kind = PB_WAIT_PASSIVE;   /* the bare pipe pair blocks in read(): the pool's ends too */
    d->placed = true;
    snprintf(d->name, sizeof d->name, "batch/process-pool-pipe/N:%d", BATCH);
    snprintf(d->what, sizeof d->what, "process-pool --ipc pipe, %d tasks / bare: %d messages over a pipe pair", BATCH,
             BATCH);
    d = add_pair(&pb_backend_thread_pool, 1, "counter:n=1,tasks=1", BARE_FUTEX_THREAD, 1, "<=1.5");
    d->cfg.wait.kind = PB_WAIT_PASSIVE;   /* the bare waiter and waker sleep in the futex at once: so do these */
    d->idle_ns = PB_PAIR_IDLE_NS;
    d->placed = true;
    snprintf(d->name, sizeof d->name, "idle/thread-pool");
    snprintf(d->what, sizeof d->what, "thread-pool, 1 task when idle / bare: futex round trip, idle thread");
    d = add_pair(&pb_backend_process_pool, 1, "counter:n=1,tasks=1", BARE_FUTEX_PROCESS, 1, "<=1.5");
    d->cfg.wait.kind = PB_WAIT_PASSIVE;
    d->idle_ns = PB_PAIR_IDLE_NS;
    d->placed = true;
    snprintf(d->name, sizeof d->name, "idle/process-pool");
    snprintf(d->what, sizeof d->what, "process-pool, 1 task when idle / bare: futex round trip, idle process");
    for (unsigned i = 0; i < npairs; i++)
        pb_gb_register(&(pb_gb_def){ .name = pairs[i].name, .fn = bm_pair, .user = &pairs[i], .real_time = true,
                                     .unit = PB_GB_US });
}

/* ---- the pools' cost per task in a batch (shown) ------------------------ */

typedef struct styled {
    const pb_backend *backend;
    pb_ipc ipc;
    unsigned workers;
    unsigned tasks;            /* tasks per run */
} styled;

static void bm_backend(pb_gb_state *gs, void *user)
{
    styled *s = user;
    char spec[64];
    pb_opened o;
    snprintf(spec, sizeof spec, "counter:n=1,tasks=%u", s->tasks);
    if (pb__opened_open(&o, spec, s->backend, &(pb_exec_config){ .workers = s->workers, .ipc = s->ipc }) != 0) {
        pb_gb_skip_with_error(gs, o.err.msg);
        return;
    }
    double cpu = 0, wall = 0;
    while (pb_gb_keep_running(gs)) {
        int64_t ns = pb__opened_round(&o);
        if (ns < 0) {
            pb_gb_skip_with_error(gs, o.err.msg);
            break;
        }
        pb_gb_set_iteration_time(gs, (double)ns / 1e9);   /* the whole run: Google Benchmark sizes its loop by it */
        wall += (double)ns / 1e9;
        cpu += (double)(o.last.usage.user_ns + o.last.usage.sys_ns) / 1e9;
    }
    if (!pb_gb_error_occurred(gs)) {
        pb_gb_counter(gs, "per_task_us", wall * 1e6 / (double)s->tasks, PB_GB_AVG_ITERATIONS);
        pb_gb_counter(gs, "cpu_us_per_task", cpu * 1e6 / (double)s->tasks, PB_GB_AVG_ITERATIONS);
        pb_gb_counter(gs, "tasks_per_run", s->tasks, 0);
    }
    pb__opened_close(&o);
}

static styled styles[4];
static unsigned nstyles;

static void add_style(const char *name, const pb_backend *b, pb_ipc ipc, unsigned workers, unsigned tasks)
{
    styled *s = &styles[nstyles++];
    *s = (styled){ b, ipc, workers, tasks };
    pb_gb_register(&(pb_gb_def){ .name = name, .fn = bm_backend, .user = s, .manual_time = true, .unit = PB_GB_US });
}

/* a's time per operation over b's: both bare figures of one shape, shown. */
static void shown(const char *what, const char *a, const char *b)
{
    pb_gb_add_result(what, "ratio", pb_gb_result(a, "real_time") / pb_gb_result(b, "real_time"), "x", NULL);
}

static void after(void)
{
    FILE *out = pb_gb_text();
    fprintf(out, "parbench / its bare baseline of the same shape (median per round each, rounds alternating):\n");
    for (unsigned i = 0; i < npairs; i++)
        pb_gb_add_result(pairs[i].what, "ratio", pb_gb_result(pairs[i].name, "ratio"), "x", pairs[i].goal);
    fprintf(out, "\nshown, no goal (Google Benchmark's time per operation of each):\n");
    shown("fork with 256 MiB touched / fork with none", "bare/fork_exit_waitpid/heap_mb/256",
          "bare/fork_exit_waitpid/heap_mb/0");
    shown("atomic increments, shared line / padded lines", "bare/atomic_add/shared_line", "bare/atomic_add/padded_lines");
}

int main(int argc, char **argv)
{
    static const int64_t heaps[] = { 0, 256 };
    pb_gb_register(&(pb_gb_def){ .name = "bare/pthread_create_join", .fn = bm_thread, .real_time = true,
                                 .unit = PB_GB_US });
    pb_gb_register(&(pb_gb_def){ .name = "bare/fork_exit_waitpid/heap_mb", .fn = bm_fork, .args = heaps, .nargs = 2,
                                 .real_time = true, .unit = PB_GB_US });
    pb_gb_register(&(pb_gb_def){ .name = "bare/posix_spawn_true", .fn = bm_spawn, .real_time = true, .unit = PB_GB_US });
    struct { const char *name; pb_bl_kind kind; } trips[] = {
        { "bare/futex_round_trip_threads", PB_BL_FUTEX_THREAD },
        { "bare/futex_round_trip_processes", PB_BL_FUTEX_PROCESS },
        { "bare/pipe_round_trip", PB_BL_PIPE },
        { "bare/socketpair_round_trip", PB_BL_SOCKETPAIR },
    };
    for (size_t i = 0; i < 4; i++)
        pb_gb_register(&(pb_gb_def){ .name = trips[i].name, .fn = bm_round_trip, .user = (void *)(intptr_t)trips[i].kind,
                                     .real_time = true, .unit = PB_GB_US });
    pb_gb_register(&(pb_gb_def){ .name = "bare/mutex_uncontended", .fn = bm_mutex_uncontended, .real_time = true });
    pb_gb_register(&(pb_gb_def){ .name = "bare/mutex_contended", .fn = bm_mutex_contended, .real_time = true });
    pb_gb_register(&(pb_gb_def){ .name = "bare/atomic_add/shared_line", .fn = bm_atomics, .user = NULL, .real_time = true });
    pb_gb_register(&(pb_gb_def){ .name = "bare/atomic_add/padded_lines", .fn = bm_atomics, .user = (void *)1,
                                 .real_time = true });

    register_pairs();
    add_style("pool/thread-pool/W:2/tasks:1000", &pb_backend_thread_pool, PB_IPC_ARENA, 2, 1000);
    add_style("pool/process-pool/W:2/tasks:1000", &pb_backend_process_pool, PB_IPC_ARENA, 2, 1000);
    add_style("pool/process-pool-pipe/W:2/tasks:1000", &pb_backend_process_pool, PB_IPC_PIPE, 2, 1000);
    { void pb__overhead_mpi_register(void); pb__overhead_mpi_register(); }   /* MPI rows: bench/overhead_mpi.c */
    return pb_gb_main(argc, argv, after);
}
