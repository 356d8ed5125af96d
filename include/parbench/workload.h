/* Workloads: named work split into tasks, that verify their own result.
 *
 * A workload is one file under src/workloads/ exporting one pb_workload:
 * its parameters, how many tasks the parameters make, the plan (input and
 * output laid out in the shared arena), the task itself and the check.
 * Task code runs inside threads and forked children alike: it must not
 * allocate, print or touch anything outside the plan and its outcome.
 */
#ifndef PARBENCH_WORKLOAD_H
#define PARBENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "parbench/arena.h"
#include "parbench/error.h"
#include "parbench/params.h"

/* What became of one task. */
typedef enum pb_task_status {
    PB_TASK_PENDING = 0,   /* never started (or its worker died first) */
    PB_TASK_RUNNING = 1,   /* started, never finished: its worker died in it */
    PB_TASK_DONE    = 2,   /* finished; the workload's verify judges the value */
    PB_TASK_LOST    = 3,   /* its worker died or was killed in it (see signal, exit_status) */
} pb_task_status;

/* One task's outcome, one cache line, in the arena: written by whichever
 * thread or process ran the task, read by the parent after the run. */
typedef struct pb_outcome {
    uint64_t value;        /* the task's result, workload-defined */
    int64_t  t_start_ns;   /* CLOCK_MONOTONIC when the task started */
    int64_t  t_end_ns;     /* CLOCK_MONOTONIC when it ended */
    int64_t  cpu_ns;       /* CPU time of the running thread during the task */
    int64_t  sleep_ns;     /* time the task asked to sleep (cost that needs no CPU) */
    int32_t  status;       /* pb_task_status */
    int32_t  worker;       /* index of the worker that ran it */
    int32_t  cpu_start;    /* sched_getcpu() at start and end */
    int32_t  cpu_end;
    uint32_t seq;          /* completion order within the run, from 1 */
    int16_t  signal;       /* LOST: the signal that ended its worker, 0 if none */
    int16_t  exit_status;  /* LOST: its worker's exit status, or -1 when it was killed */
} __attribute__((aligned(64))) pb_outcome;

typedef struct pb_workload pb_workload;

/* A plan: one workload with resolved parameters, its tasks and their data,
 * all inside the arena. The parent builds it; workers only read it. */
typedef struct pb_plan {
    const pb_workload *workload;
    pb_params params;
    size_t ntasks;
    pb_arena arena;        /* owns the shared memory below */
    const void *input;     /* written while planning, read-only afterwards */
    void *output;          /* written by tasks; poisoned before every repetition */
    size_t output_bytes;
    void *data;            /* workload-private planning data, in the arena */
    pb_outcome *outcomes;  /* ntasks outcomes, in the arena */
    int owner_pid;         /* the process that planned: workers with another pid are children */
} pb_plan;

struct pb_workload {
    const char *name;                  /* "counter" */
    const char *summary;               /* one line for `parbench list` */
    const char *origin;                /* the course note it comes from */
    const pb_param_spec *params;       /* NULL-name terminated */
    /* Cross-parameter checks (min <= max, ...); NULL if none. */
    int (*validate)(const pb_params *, pb_error *);
    /* Number of tasks these parameters make. */
    size_t (*count_tasks)(const pb_params *);
    /* Fill input/output/data in plan->arena (ntasks is already set). */
    int (*plan)(pb_plan *, pb_error *);
    /* Run one task: set out->value (and sleep with pb_task_sleep). */
    void (*run_task)(const pb_plan *, size_t task, pb_outcome *out);
    /* Check every outcome and the output; write a short result text. */
    int (*verify)(const pb_plan *, const pb_outcome *, char *result, size_t result_size, pb_error *);
    /* Where task `task` writes its part of plan->output: bytes [*offset,
     * *offset + *bytes) from plan->output. NULL when tasks write no output.
     * Workers that do not share the arena (MPI ranks, on other hosts too)
     * send this slice back with the outcome. */
    void (*task_output)(const pb_plan *, size_t task, size_t *offset, size_t *bytes);
};

/* Sleep inside a task (restarting after signals) and account the time as
 * the task's sleep cost. */
void pb_task_sleep(pb_outcome *out, int64_t ns);

/* Check parameters for a workload: its own cross-checks, and that a fault
 * names a task that exists. */
int pb_workload_check(const pb_workload *w, const pb_params *params, pb_error *err);

/* Build a plan: task count, arena, workload layout. */
int pb_plan_create(pb_plan *plan, const pb_workload *w, const pb_params *params, pb_error *err);
void pb_plan_destroy(pb_plan *plan);

/* Prepare for a repetition: outcomes zeroed, output poisoned, so that a
 * stale result from an earlier repetition can never pass verification. */
void pb_plan_reset(pb_plan *plan);

/* Run one task with its bookkeeping (times, CPUs, status) around it; every
 * backend calls this, so every backend records tasks the same way. */
void pb_run_one_task(const pb_plan *plan, size_t task, int worker, pb_outcome *out);

/* Verify plan->outcomes, first checking that every task reached
 * PB_TASK_DONE, then with the workload's own check. */
int pb_plan_verify(const pb_plan *plan, char *result, size_t result_size, pb_error *err);

#endif
