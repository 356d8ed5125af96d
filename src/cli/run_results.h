/* `parbench run` after its command line: the configurations run, each
 * repetition written to the result set as it ends, progress shown, Ctrl-C
 * kept from losing what finished, the summary printed (run_results.c).
 * cmd_run.c turns the command line into this request. Internal to
 * src/cli/. */
#ifndef PARBENCH_CLI_RUN_RESULTS_H
#define PARBENCH_CLI_RUN_RESULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "parbench/launch.h"
#include "parbench/runner.h"

typedef struct pb__run_request {
    const pb_config *configs;  /* every configuration, all known before anything runs */
    unsigned nconfigs;
    unsigned reps, warmup;     /* as every configuration has them */
    pb_order order;
    uint64_t seed;
    const char *out;           /* --out, or NULL: a new folder under results/ */
    bool quiet, want_live;
    unsigned sample_hz;        /* 0: no sampler */
    bool all_cpus;             /* sample every CPU, not only those this process may use */
    bool uses_mpi;             /* some configuration runs the mpi backend */
    const pb_launch_options *launch;
    int argc;                  /* the invocation, for machine.csv */
    char **argv;
} pb__run_request;

/* Run every configuration of rq, writing the result set as runs end (an
 * interrupt keeps what finished, ends every worker and exits 128 + the
 * signal); print the summary. Returns the exit status: PB_EXIT_OK, or
 * PB_EXIT_FAILED when a run failed or could not run, or output was lost. */
int pb__run_record(const pb__run_request *rq);

#endif
