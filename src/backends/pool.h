/* What the thread pool and the process pool share: one queue of tasks in
 * shared memory, the worker loop, and the parent's side of a run (publish,
 * wait, recover from dead or overrunning workers, account CPU). The two
 * pools differ only in how a worker is started, noticed dead, killed and
 * measured: the pb_pool_ops below. Internal to src/backends/.
 *
 * The queue: the parent starts run number b by storing claim = b << 40 and
 * bumping `batch` (idle workers sleep on it with a futex). Workers claim
 * chunks with a compare-and-swap on `claim`, so a worker still holding an
 * older batch number can never take a task of a newer run. Each worker
 * counts finished tasks in its slot's progress word; the run is complete
 * when those counts, plus the tasks the parent accounted for dead workers,
 * reach the task count. With --ipc pipe the same workers take chunks from
 * a pipe and send every outcome back over another pipe instead.
 *
 * Waiting follows the pool's wait policy (parbench/wait.h): an idle worker
 * spins on `batch` (pipes: tries reads that do not block) for the policy's time, then
 * sleeps; `sleepers` and `parent_asleep` say who sleeps, so that a hand-off
 * to a thread that spins costs no system call. `resting` stops every spin. */
#ifndef PARBENCH_BACKENDS_POOL_H
#define PARBENCH_BACKENDS_POOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "backends/worker/gate.h"
#include "backends/worker/spin.h"
#include "backends/worker/usage.h"
#include "parbench/backend.h"

typedef struct pb_pool pb_pool;

/* What a batch runs (pb_pool_shared.mode). */
enum { PB_POOL_PLAN = 0, PB_POOL_FUNCTION = 1, PB_POOL_TEAM = 2 };
typedef void (*pb_pool_task_fn)(void *arg, uint64_t task, unsigned worker);
typedef void (*pb_pool_team_fn)(pb_pool *pool, void *arg, unsigned worker);

typedef struct pb_pool_ops {
    const char *kind;          /* "thread" or "process", for messages */
    /* Start worker w; it runs pb__pool_worker_main(pool, w). */
    int  (*spawn)(pb_pool *, unsigned w, pb_error *);
    /* Without blocking: has worker w ended? If so, reap it and describe how. */
    bool (*ended)(pb_pool *, unsigned w, char *how, size_t how_size, int *signal, int *exit_status);
    /* Kill worker w and reap it. false: it cannot be killed (a thread). */
    bool (*kill)(pb_pool *, unsigned w);
    /* After stop was published: wait for worker w to leave until deadline,
     * then kill it if it can be killed. true: it is gone; false: it still
     * runs (a thread that would not leave), so nothing it uses may be freed. */
    bool (*reap)(pb_pool *, unsigned w, int64_t deadline_ns);
    /* A usage reading of worker w: 0, or PB_E_SYS when it is gone. */
    int  (*sample)(pb_pool *, unsigned w, pb_task_sample *);
    /* Worker w's CPU clock (read apart, right at the run's edges: a worker
     * that spins between runs must not be counted outside the run): 0, or
     * PB_E_SYS when it is gone. */
    int  (*cpu_clock)(pb_pool *, unsigned w, clockid_t *);
    /* After ended() or kill() reaped worker w: the reading taken at its
     * end (a child's wait4 rusage, a thread's own last look at itself),
     * so the CPU it used in the run before it died is kept. false: none. */
    bool (*final_sample)(pb_pool *, unsigned w, pb_task_sample *);
} pb_pool_ops;

typedef struct pb_pool_shared {
    _Atomic uint32_t batch;         /* the run in progress; idle workers wait on it */
    _Atomic uint32_t stop;          /* workers leave their loop */
    _Atomic uint64_t claim;         /* batch << 40 | next unclaimed task */
    _Atomic uint32_t finished;      /* the last batch whose tasks were all hinted done */
    _Atomic uint32_t hint;          /* tasks hinted done in this batch: wakes the parent */
    _Atomic int64_t last_done_ns;   /* when the batch's last task ended */
    _Atomic uint32_t resting;       /* 1: no run soon (rested or closing): workers stop spinning */
    _Atomic uint32_t sleepers;      /* workers asleep on `batch` (or about to be): the parent wakes them */
    _Atomic uint32_t parent_asleep; /* the parent sleeps on `finished`: the last finisher wakes it */
    /* lean batches (pb__pool_run_tasks, pb__pool_run_team): written before `batch` is published;
     * atomic, since a worker that comes late may still read a batch's while the next is written
     * (its claim then fails: claims carry the batch number) */
    _Atomic uint32_t mode;          /* PB_POOL_PLAN, _FUNCTION or _TEAM */
    _Atomic uint64_t fn_tasks, fn_chunk;
    _Atomic(pb_pool_task_fn) task_fn;
    _Atomic(pb_pool_team_fn) team_fn;
    _Atomic(void *) fn_arg;
    _Atomic uint32_t bar_count, bar_gen, bar_sleepers;   /* pb__pool_barrier */
} pb_pool_shared;

struct pb_pool {
    const pb_pool_ops *ops;
    const pb_plan *plan;
    const char *name;               /* the backend's name */
    unsigned workers;
    pb_exec_config cfg;             /* as opened (placement included) */
    uint64_t chunk;                 /* resolved chunk size */
    bool pipe_ipc;
    int64_t task_timeout_ns;
    pb_wait_policy wait;            /* as opened */
    int64_t idle_spin_ns;           /* an idle worker spins this long, then sleeps */
    bool spin_yield;                /* more spinners than PUs: spin with sched_yield */
    pb_pool_shared *sh;             /* shared mapping */
    pb_control *ctl;                /* per-worker slots */
    void *impl;                     /* the kind's own state */
    uint32_t batch;                 /* parent's copy of the current batch */
    uint32_t *base_count;           /* slot progress counts at the start of a run */
    pb_task_sample *before;         /* usage readings at the start of a run */
    clockid_t *clock;               /* each worker's CPU clock, taken when its reading was */
    int64_t *cpu_after;             /* CPU clock readings at the end of a run */
    bool *sampled;
    uint64_t accounted;             /* tasks the parent accounted for dead workers */
    pb_usage lost_usage;            /* what workers that died during the run used in it */
    unsigned replaced;
    bool hung;                      /* a thread is stuck: nothing may be joined */
    int task_pipe[2], result_pipe[2];
    uint64_t received;              /* pipe: outcomes received this run */
    uint64_t pending_lo, pending_hi;   /* pipe: chunks not yet written to the task pipe */
    uint64_t (*resend)[2];          /* pipe: rests of dead workers' chunks, to send again */
    unsigned resend_count, resend_cap;
};

/* Create the pool's shared state and start its workers (timed by the
 * runner as start-up). On failure everything started is stopped. */
int pb__pool_open(pb_pool *p, const pb_pool_ops *ops, const char *name, const pb_exec_config *cfg,
                 const pb_plan *plan, void *impl, pb_error *err);
/* One run of every task of the plan. */
int pb__pool_execute(pb_pool *p, pb_run_stats *st, pb_error *err);
/* Stop and reap every worker; free the shared state. */
void pb__pool_close(pb_pool *p);
/* No run for a while: spinning workers go to sleep (backend verb `rest`). */
void pb__pool_rest(pb_pool *p);

/* Lean batches, for bench/forkjoin: the pool's own dispatch, claiming and
 * waiting (by its wait policy), without a plan's tasks and without the
 * per-run accounting of pb__pool_execute (usage readings, outcomes, fault
 * recovery: a worker that dies makes them fail). Arena transport only. The
 * functions run in every worker, a process for the process pool: `arg`
 * must point to memory they all see (MAP_SHARED, or written before the
 * pool opened and only read since).
 *   run_tasks  fn(arg, t, worker) for t in 0..ntasks-1, claimed in chunks
 *   run_team   fn(pool, arg, worker) once in every worker (an OpenMP
 *              parallel region's shape); workers may meet in pb__pool_barrier */
int pb__pool_run_tasks(pb_pool *p, uint64_t ntasks, uint64_t chunk, pb_pool_task_fn fn, void *arg, pb_error *err);
int pb__pool_run_team(pb_pool *p, pb_pool_team_fn fn, void *arg, pb_error *err);
/* In a team: wait until every worker of the pool has arrived (spinning,
 * then sleeping, as the wait policy says). */
void pb__pool_barrier(pb_pool *p);
/* The pool behind an opened thread-pool or process-pool (each keeps its
 * pb_pool first in its state); NULL for other backends. */
pb_pool *pb__pool_of(pb_exec *ex);

/* The body of every worker, thread or process. Returns when told to stop. */
void pb__pool_worker_main(pb_pool *p, unsigned w);

/* Chunk size a pool uses for n tasks on W workers when none is given:
 * ceil(n / (4 W)), the choice of Python's Pool.map. */
uint64_t pb__pool_default_chunk(size_t ntasks, unsigned workers);

#endif
