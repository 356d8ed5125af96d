/* overhead: what each execution style costs per task, next to the bare
 * system calls it rests on, all in one Google Benchmark run. Backend and
 * pool figures are one verified parbench run per iteration, timed by the
 * run's own wall clock (manual time); baselines are timed by the wall clock
 * (real time). After the runs the ratios the issues ask about are printed
 * and added to the CSV as derived rows. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "cli/cli.h"
#include "parbench/clock.h"
#include "parbench/machine.h"
#include "parbench/registry.h"
#include "shim/pb_gbench.h"

/* ---- baselines ---------------------------------------------------------- */

static void bm_thread(pb_gb_state *st, void *u)
{
    (void)u;
    while (pb_gb_keep_running(st))
        pb_bl_thread_once();
}

static void bm_fork(pb_gb_state *st, void *u)
{
    (void)u;
    void *heap = pb_bl_touch_heap((size_t)pb_gb_range(st, 0));
    while (pb_gb_keep_running(st))
        pb_bl_fork_once();
    pb_gb_counter(st, "heap_mb", (double)pb_gb_range(st, 0), 0);
    free(heap);
}

static void bm_spawn(pb_gb_state *st, void *u)
{
    (void)u;
    while (pb_gb_keep_running(st))
        pb_bl_spawn_once();
}

static void bm_round_trip(pb_gb_state *st, void *u)
{
    pb_bl_partner *p = pb_bl_partner_start((pb_bl_kind)(intptr_t)u);
    pb_bl_round_trip(p);
    while (pb_gb_keep_running(st))
        pb_bl_round_trip(p);
    pb_bl_partner_stop(p);
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

/* ---- parbench backends and pools ----------------------------------------- */

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
    pb_workload_spec ws;
    pb_plan plan;
    pb_error err = { 0 };
    snprintf(spec, sizeof spec, "counter:n=1,tasks=%u", s->tasks);
    if (pb_cli_parse_workload(spec, &ws, &err) || pb_plan_create(&plan, ws.workload, &ws.params, &err)) {
        pb_gb_skip_with_error(gs, err.msg);
        return;
    }
    pb_exec ex = { .backend = s->backend, .config = { .workers = s->workers, .ipc = s->ipc } };
    if (s->backend->open(&ex, &plan, &err)) {
        pb_gb_skip_with_error(gs, err.msg);
        pb_plan_destroy(&plan);
        return;
    }
    double cpu = 0, wall = 0;
    while (pb_gb_keep_running(gs)) {
        pb_run_stats st = { 0 };
        char result[96];
        pb_plan_reset(&plan);
        if (s->backend->execute(&ex, &plan, &st, &err) || pb_plan_verify(&plan, result, sizeof result, &err)) {
            pb_gb_skip_with_error(gs, err.msg);
            break;
        }
        double w = (double)(st.t_end - st.t_start) / 1e9;
        pb_gb_set_iteration_time(gs, w);   /* the whole run: Google Benchmark sizes its loop by it */
        wall += w;
        cpu += (double)(st.usage.user_ns + st.usage.sys_ns) / 1e9;
    }
    if (!pb_gb_error_occurred(gs)) {
        pb_gb_counter(gs, "per_task_us", wall * 1e6 / (double)s->tasks, PB_GB_AVG_ITERATIONS);
        pb_gb_counter(gs, "cpu_us_per_task", cpu * 1e6 / (double)s->tasks, PB_GB_AVG_ITERATIONS);
        pb_gb_counter(gs, "tasks_per_run", s->tasks, 0);
    }
    s->backend->close(&ex);
    pb_plan_destroy(&plan);
}

static char names[32][96];
static styled styles[32];
static unsigned nstyles;

static const char *add_style(const char *name, const pb_backend *b, pb_ipc ipc, unsigned workers, unsigned tasks)
{
    styled *s = &styles[nstyles];
    *s = (styled){ b, ipc, workers, tasks };
    snprintf(names[nstyles], sizeof names[0], "%s", name);
    pb_gb_register(&(pb_gb_def){ .name = names[nstyles], .fn = bm_backend, .user = s, .manual_time = true,
                                 .unit = PB_GB_US });
    return names[nstyles++];
}

/* a's cost per task (its per_task_us counter) over b's time per operation. */
static void ratio(const char *what, const char *a, const char *b, const char *goal)
{
    double x = pb_gb_result(a, "per_task_us"), y = pb_gb_result(b, "real_time");
    if (isnan(x))
        x = pb_gb_result(a, "real_time");   /* a is a baseline too: both in microseconds */
    char metric[64];
    snprintf(metric, sizeof metric, "ratio %s", goal);
    pb_gb_add_result(what, metric, x / y, "x");
}

static void after(void)
{
    printf("per-task cost ratios (wall time per task, or per operation, same run):\n");
    ratio("pthread backend, 1 task / pthread_create+join", "backend/pthread/W:1/tasks:1", "bare/pthread_create_join",
          "<=1.25");
    ratio("fork backend, 1 task / fork+_exit+waitpid", "backend/fork/W:1/tasks:1", "bare/fork_exit_waitpid/heap_mb/0",
          "<=1.25");
    ratio("pthread backend, 64 threads / pthread_create+join", "backend/pthread/W:64/tasks:64",
          "bare/pthread_create_join", "<=1.25");
    ratio("fork backend, 64 processes / fork+_exit+waitpid", "backend/fork/W:64/tasks:64",
          "bare/fork_exit_waitpid/heap_mb/0", "<=1.25");
    ratio("thread-pool batch / pthread_create+join", "pool/thread-pool/W:2/tasks:1000", "bare/pthread_create_join",
          "<=0.2");
    ratio("process-pool batch (shm) / fork+_exit+waitpid", "pool/process-pool/W:2/tasks:1000",
          "bare/fork_exit_waitpid/heap_mb/0", "<=0.2");
    ratio("process-pool batch (pipes) / pipe round trip", "pool/process-pool-pipe/W:2/tasks:1000",
          "bare/pipe_round_trip", "<=1");
    ratio("thread-pool one task / futex round trip (threads)", "pool/thread-pool/W:2/tasks:1",
          "bare/futex_round_trip_threads", "<=1.5");
    ratio("process-pool one task / futex round trip (processes)", "pool/process-pool/W:2/tasks:1",
          "bare/futex_round_trip_processes", "<=1.5");
    ratio("thread-pool one task / pthread_create+join", "pool/thread-pool/W:2/tasks:1", "bare/pthread_create_join",
          "shown");
    ratio("fork with 256 MiB touched / fork with none", "bare/fork_exit_waitpid/heap_mb/256",
          "bare/fork_exit_waitpid/heap_mb/0", "shown");
    ratio("atomic increments, shared line / padded lines", "bare/atomic_add/shared_line", "bare/atomic_add/padded_lines",
          "shown");
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

    add_style("backend/pthread/W:1/tasks:1", &pb_backend_pthread, PB_IPC_ARENA, 1, 1);
    add_style("backend/fork/W:1/tasks:1", &pb_backend_fork, PB_IPC_ARENA, 1, 1);
    /* one thread or process per task, 64 of them: the course's "one worker per task" */
    add_style("backend/pthread/W:64/tasks:64", &pb_backend_pthread, PB_IPC_ARENA, 64, 64);
    add_style("backend/fork/W:64/tasks:64", &pb_backend_fork, PB_IPC_ARENA, 64, 64);
    add_style("pool/thread-pool/W:2/tasks:1", &pb_backend_thread_pool, PB_IPC_ARENA, 2, 1);
    add_style("pool/process-pool/W:2/tasks:1", &pb_backend_process_pool, PB_IPC_ARENA, 2, 1);
    add_style("pool/thread-pool/W:2/tasks:1000", &pb_backend_thread_pool, PB_IPC_ARENA, 2, 1000);
    add_style("pool/process-pool/W:2/tasks:1000", &pb_backend_process_pool, PB_IPC_ARENA, 2, 1000);
    add_style("pool/process-pool-pipe/W:2/tasks:1000", &pb_backend_process_pool, PB_IPC_PIPE, 2, 1000);
    { void pb_overhead_mpi_register(void); pb_overhead_mpi_register(); }   /* MPI rows: bench/overhead_mpi.c */
    return pb_gb_main(argc, argv, after);
}
