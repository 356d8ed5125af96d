/* A parbench backend opened once on one workload, then run one verified
 * round at a time: the parbench side of the bench programs' pairs. */
#ifndef PB_BENCH_OPENED_H
#define PB_BENCH_OPENED_H

#include <stdint.h>

#include "parbench/backend.h"
#include "parbench/error.h"
#include "parbench/workload.h"

typedef struct pb_opened {
    pb_plan plan;
    pb_exec ex;
    pb_run_stats last;         /* what the last round measured */
    pb_error err;              /* why the last call failed */
    pb_placement placement;    /* pb__opened_open_on: every worker on one PU */
} pb_opened;

/* Parse `spec` ("counter:n=1,tasks=8"), make its plan and open backend b
 * with cfg. 0, or a negative code with the reason in o->err. */
int pb__opened_open(pb_opened *o, const char *spec, const pb_backend *b, const pb_exec_config *cfg);
/* The same, every worker bound to PU `pu` (< 0: as cfg says). */
int pb__opened_open_on(pb_opened *o, const char *spec, const pb_backend *b, const pb_exec_config *cfg, int pu);
/* One execute() of every task, verified: the run's own wall time in ns
 * (t_end - t_start, as runs.csv's wall_s), or -1 with the reason printed on
 * stderr and kept in o->err. A pb_pair_fn (ctx is the pb_opened). */
int64_t pb__opened_round(void *o);
void pb__opened_close(pb_opened *o);

#endif
