/* The runner: one configuration (workload + parameters, backend, workers)
 * executed for warm-up and measured repetitions, each verified.
 *
 * It plans once, opens the backend once (a pool's start-up is timed and
 * reported on its own), then for every repetition resets the plan, executes,
 * verifies and hands a pb_run_record to the observer, which writes it out
 * at once, so a later failure never takes completed results with it. */
#ifndef PARBENCH_RUNNER_H
#define PARBENCH_RUNNER_H

#include <stdbool.h>

#include "parbench/backend.h"
#include "parbench/workload.h"

typedef struct pb_config {
    const pb_workload *workload;
    pb_params params;
    const pb_backend *backend;
    unsigned workers;          /* W */
    unsigned reps;             /* measured repetitions, >= 1 */
    unsigned warmup;           /* unrecorded repetitions before them */
    uint64_t chunk;            /* pools: tasks claimed at a time; 0 = automatic */
    pb_ipc ipc;                /* how outcomes come back */
    int64_t task_timeout_ns;   /* 0 = none */
    const pb_pin_policy *pin;  /* NULL: workers are not bound */
    bool gil;                  /* one global lock per process, as CPython's (parbench/gil.h) */
    const pb_launch_options *launch;   /* mpi: how to start the ranks; NULL: the defaults */
} pb_config;

typedef struct pb_run_record {
    unsigned rep;              /* 1..reps; 0 for a warm-up */
    bool warmup;
    bool ran;                  /* false: the backend could not start (note says why); nothing was measured */
    int64_t t_start_ns;        /* CLOCK_MONOTONIC at the start of the run */
    double wall_s;             /* whole run, spawn and join included */
    double spawn_s, work_s, join_s;   /* the three phases; they add up to wall_s */
    double user_s, sys_s;      /* CPU time of every participant */
    double busy_cores;         /* (user_s + sys_s) / wall_s */
    double cpu_util;           /* busy_cores / allowed PUs */
    double startup_s;          /* the backend's open() for this configuration */
    double ideal_s;            /* makespan lower bound for W workers on the allowed PUs */
    pb_usage usage;            /* context switches, faults, peak RSS */
    unsigned pus;              /* PUs the process may use */
    uint64_t chunk;            /* tasks a worker took at a time */
    unsigned replaced;         /* pool workers that died and were replaced */
    char pin[64];              /* the policy, "none" when unbound */
    char pus_used[2048];       /* each worker's PUs, "0 1 0 1"; "-" when unbound */
    bool oversubscribed;       /* more workers than the PUs (or cores) they were placed on */
    int bound;                 /* 1: every worker bound as placed; 0: refused; -1: not pinned */
    int held;                  /* 1: every task started and ended on its worker's PUs; 0: not; -1: not pinned */
    int bind_error;            /* errno of a refused binding, 0 if none */
    double sampler_cpu_s;      /* the CPU sampler's own CPU time during the run */
    size_t samples;            /* sampler intervals recorded during the run */
    bool ok;                   /* every worker ended well and verification passed */
    char result[96];           /* the workload's result text */
    char note[512];            /* why ok is false; "" when ok */
    /* Where the workers ran (mpi may use other hosts): NULL/"" is this host. */
    const char *const *worker_host;   /* host of each worker, W entries */
    char hosts[256];                  /* the hosts, space-separated */
    const struct pb_host_samples *host_samples;   /* CPU samples taken on the other hosts */
    unsigned nhost_samples;
} pb_run_record;

typedef struct pb_sampler pb_sampler;

typedef struct pb_run_observer {
    /* Sampled around every repetition when not NULL. */
    pb_sampler *sampler;
    /* Before each repetition (progress display); may be NULL. */
    void (*run_starting)(void *user, const pb_config *, unsigned index, unsigned total);
    /* After each repetition, warm-ups included (rec->warmup). Non-zero stops
     * the configuration (an output error) and is returned by pb_run_config. */
    int (*run_done)(void *user, const pb_config *, const pb_plan *, const pb_run_record *, pb_error *);
    void *user;
} pb_run_observer;

/* Run one configuration. Returns 0 when every repetition was recorded
 * (whether or not it verified), a negative code when the configuration
 * could not run at all (plan, backend: when the backend could not start,
 * the observer is first given one record with ran false and the reason in
 * its note) or the observer failed, and PB_E_HUNG
 * (after recording the run) when a thread is stuck in a task: nothing more
 * may run in this process. */
int pb_run_config(const pb_config *cfg, const pb_run_observer *obs, pb_error *err);

/* The makespan lower bound of a finished run: task costs are their CPU time
 * plus their declared sleep; W workers on min(W, pus) processing units:
 *   max(longest task, total cost / W, total CPU / min(W, pus)). */
double pb_ideal_seconds(const pb_plan *plan, unsigned workers, unsigned pus);

#endif
