/* The runner: configurations (workload + parameters, backend, workers)
 * executed for warm-up and measured repetitions, each verified.
 *
 * It plans once per workload, opens each configuration's backend once (a
 * pool's start-up is timed and reported on its own), then for every
 * repetition resets the plan, executes, verifies and hands a pb_run_record
 * to the observer, which writes it out at once, so a later failure never
 * takes completed results with it.
 *
 * Order: by default repetitions are interleaved (as Google Benchmark's
 * random interleaving): within one workload, every configuration is opened
 * first, warm-ups run, then round r runs repetition r of every
 * configuration, in an order shuffled per round from a seed, before round
 * r + 1 starts. A slow minute of a shared machine then lands on every
 * configuration alike instead of on one. Grouped order runs all
 * repetitions of one configuration, then the next. */
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
    pb_wait_policy wait;       /* pools and openmp: --wait and --spin-us */
    const pb_launch_options *launch;   /* mpi: how to start the ranks; NULL: the defaults */
} pb_config;

/* In which order the repetitions of several configurations run. */
typedef enum pb_order {
    PB_ORDER_INTERLEAVED = 0,  /* round r: repetition r of every configuration of a workload, shuffled */
    PB_ORDER_GROUPED = 1,      /* every repetition of a configuration, then the next configuration */
} pb_order;

typedef struct pb_run_record {
    unsigned rep;              /* 1..reps; 0 for a warm-up */
    unsigned round;            /* the round it ran in, 1..reps (grouped: equal to rep); 0 for a warm-up */
    unsigned position;         /* its place within the round, 1..configurations of the workload (grouped: 1) */
    bool warmup;
    bool ran;                  /* false: the backend could not start (note says why); nothing was measured */
    int64_t t_start_ns;        /* CLOCK_MONOTONIC at the start of the run */
    double wall_s;             /* whole run, spawn and join included */
    double spawn_s, work_s, join_s;   /* the three phases; they add up to wall_s */
    double user_s, sys_s;      /* CPU time of every participant */
    double cpu_window_s;       /* the interval user_s and sys_s were read over: wall_s or a little more */
    double busy_cores;         /* (user_s + sys_s) / cpu_window_s */
    double cpu_util;           /* busy_cores / allowed PUs */
    double startup_s;          /* the backend's open() for this configuration */
    double ideal_s;            /* makespan lower bound for W workers on the allowed PUs */
    double idle_before_s;      /* since the previous run in this process ended (writing rows, verifying);
                                * NAN for the first run */
    double bind_s;             /* the slowest worker's own binding inside the timed run (pthread, fork:
                                * part of spawn); 0 when workers bound before the clock or not at all */
    pb_usage usage;            /* context switches, faults, peak RSS */
    unsigned pus;              /* PUs the process may use */
    uint64_t chunk;            /* tasks a worker took at a time */
    unsigned replaced;         /* pool workers that died and were replaced */
    char pin[PB_PIN_TEXT_MAX]; /* the policy, "none" when unbound */
    char pus_used[2048];       /* each worker's PUs, "0 1 0 1"; "-" when unbound */
    bool oversubscribed;       /* more workers than the PUs (or cores) they were placed on */
    int bound;                 /* 1: every worker bound as placed; 0: refused; -1: not pinned */
    int held;                  /* 1: every task started and ended on its worker's PUs; 0: not; -1: not pinned */
    char bind_refusal[PB_BIND_REFUSAL_LEN];   /* why binding was refused (bound 0), else "" */
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
    /* Before each repetition (progress display); may be NULL. index counts
     * the configuration's own repetitions, warm-ups first, of total. */
    void (*run_starting)(void *user, const pb_config *, unsigned index, unsigned total);
    /* After each repetition, warm-ups included (rec->warmup). Non-zero stops
     * every configuration (an output error) and is returned. */
    int (*run_done)(void *user, const pb_config *, const pb_plan *, const pb_run_record *, pb_error *);
    /* pb_run_configs: a configuration could not run (plan, placement or
     * backend; a backend that could not start was first given to run_done
     * as a record with ran false). The others go on. May be NULL. */
    void (*config_failed)(void *user, const pb_config *, const pb_error *);
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

/* Run n configurations. Consecutive configurations with the same workload
 * and parameters form one workload group, planned once; in interleaved
 * order their backends are open together and round r's order is a
 * shuffle drawn from (seed, group, r). A configuration that cannot run is
 * told to obs->config_failed and the rest go on. Returns 0, the
 * observer's error (nothing more runs), or PB_E_HUNG (nothing more may
 * run in this process). */
int pb_run_configs(const pb_config *cfgs, unsigned n, pb_order order, uint64_t seed, const pb_run_observer *obs,
                   pb_error *err);

/* The order of round `round` of n configurations: a permutation of 0..n-1
 * drawn from (seed, round), the same on every machine. */
void pb_round_order(uint64_t seed, unsigned round, unsigned n, unsigned *order);

/* "interleaved" or "grouped". */
const char *pb_order_name(pb_order order);

/* The makespan lower bound of a finished run: task costs are their CPU time
 * plus their declared sleep; W workers on min(W, pus) processing units:
 *   max(longest task, total cost / W, total CPU / min(W, pus)). */
double pb_ideal_seconds(const pb_plan *plan, unsigned workers, unsigned pus);

#endif
