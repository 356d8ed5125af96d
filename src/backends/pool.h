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
 * a pipe and send every outcome back over another pipe instead. */
#ifndef PARBENCH_BACKENDS_POOL_H
#define PARBENCH_BACKENDS_POOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/gate.h"
#include "core/usage.h"
#include "parbench/backend.h"

typedef struct pb_pool pb_pool;

typedef struct pb_pool_ops {
    const char *kind;          /* "thread" or "process", for messages */
    /* Start worker w; it runs pb_pool_worker_main(pool, w). */
    int  (*spawn)(pb_pool *, unsigned w, pb_error *);
    /* Without blocking: has worker w ended? If so, reap it and describe how. */
    bool (*ended)(pb_pool *, unsigned w, char *how, size_t how_size, int *signal, int *exit_status);
    /* Kill worker w and reap it. false: it cannot be killed (a thread). */
    bool (*kill)(pb_pool *, unsigned w);
    /* After stop was published: wait for worker w to leave until deadline,
     * then kill it if it can be killed. */
    void (*reap)(pb_pool *, unsigned w, int64_t deadline_ns);
    /* A usage reading of worker w. */
    int  (*sample)(pb_pool *, unsigned w, pb_task_sample *);
    /* After ended() or kill() reaped worker w: the reading taken at its
     * end (a child's wait4 rusage, a thread's own last look at itself),
     * so the CPU it used in the run before it died is kept. -1: none. */
    int  (*final_sample)(pb_pool *, unsigned w, pb_task_sample *);
} pb_pool_ops;

typedef struct pb_pool_shared {
    _Atomic uint32_t batch;         /* the run in progress; idle workers wait on it */
    _Atomic uint32_t stop;          /* workers leave their loop */
    _Atomic uint64_t claim;         /* batch << 40 | next unclaimed task */
    _Atomic uint32_t finished;      /* the last batch whose tasks were all hinted done */
    _Atomic uint32_t hint;          /* tasks hinted done in this batch: wakes the parent */
    _Atomic int64_t last_done_ns;   /* when the batch's last task ended */
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
    pb_pool_shared *sh;             /* shared mapping */
    pb_control *ctl;                /* per-worker slots */
    void *impl;                     /* the kind's own state */
    uint32_t batch;                 /* parent's copy of the current batch */
    uint32_t *base_count;           /* slot progress counts at the start of a run */
    pb_task_sample *before;         /* usage readings at the start of a run */
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
int pb_pool_open(pb_pool *p, const pb_pool_ops *ops, const char *name, const pb_exec_config *cfg,
                 const pb_plan *plan, void *impl, pb_error *err);
/* One run of every task of the plan. */
int pb_pool_execute(pb_pool *p, pb_run_stats *st, pb_error *err);
/* Stop and reap every worker; free the shared state. */
void pb_pool_close(pb_pool *p);

/* The body of every worker, thread or process. Returns when told to stop. */
void pb_pool_worker_main(pb_pool *p, unsigned w);

/* Chunk size a pool uses for n tasks on W workers when none is given:
 * ceil(n / (4 W)), the choice of Python's Pool.map. */
uint64_t pb_pool_default_chunk(size_t ntasks, unsigned workers);

#endif
