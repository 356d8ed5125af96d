/* A small model of Python's concurrent.futures.ProcessPoolExecutor, for the
 * futures demo to show its rules beside parbench's own pool: W worker
 * processes take tasks from one pipe and send each result back on another;
 * an exception in a task comes back through result() and the worker goes
 * on; a worker that dies breaks the whole executor (every future not yet
 * done fails with BrokenProcessPool, the other workers are ended); waiting
 * with a timeout (as_completed(timeout=)) stops the waiting, not the task.
 * Internal to src/demos/. */
#ifndef PARBENCH_DEMOS_EXECUTOR_H
#define PARBENCH_DEMOS_EXECUTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum { PB__EXEC_MAX_TASKS = 16, PB__EXEC_MAX_WORKERS = 8 };

typedef enum pb__task_kind {
    PB__TASK_RETURNS = 0,      /* sleeps, then returns its index squared */
    PB__TASK_RAISES = 1,       /* sleeps, then raises (an error result; the worker lives) */
    PB__TASK_DIES = 2,         /* sleeps, then its worker process exits (os._exit) */
} pb__task_kind;

typedef enum pb__future_state {
    PB__FUTURE_PENDING = 0,
    PB__FUTURE_DONE = 1,       /* result() returns value */
    PB__FUTURE_RAISED = 2,     /* result() raises the task's exception */
    PB__FUTURE_BROKEN = 3,     /* result() raises BrokenProcessPool */
} pb__future_state;

typedef struct pb__future {
    pb__future_state state;
    long value;
    int worker_pid;            /* the process that ran it (0: none) */
    int64_t done_ns;           /* when its result reached the caller */
} pb__future;

typedef struct pb__executor {
    int workers;
    pid_t pid[PB__EXEC_MAX_WORKERS];
    int tasks_w, results_r;    /* the caller's ends */
    int ntasks;
    pb__future future[PB__EXEC_MAX_TASKS];
    bool broken;
    int64_t t0_ns;             /* submission */
} pb__executor;

/* Start W workers and submit the tasks (kind and sleep of each). 0;
 * PB_E_RANGE when W or the task count is beyond the executor's room,
 * PB_E_SYS when its pipes cannot be made or written. */
int pb__executor_start(pb__executor *e, int workers, int ntasks, const pb__task_kind *kind, const int *sleep_ms);

/* Wait until every future is settled or timeout_ms passed (-1: no
 * timeout). Returns how many are settled. A dead worker breaks the pool. */
int pb__executor_wait(pb__executor *e, int timeout_ms);

/* shutdown(wait=True): no more tasks, workers leave and are reaped; a
 * broken pool's workers are ended first. */
void pb__executor_shutdown(pb__executor *e);

#endif
