/* CPU and memory accounting of threads and children. Internal to backends.
 *
 * getrusage's user and system times are tick-sampled and clamped to stay
 * monotonic, so their difference over a short interval can be zero or a
 * whole tick too much. The totals here come from the scheduler's precise
 * runtime (CLOCK_THREAD_CPUTIME_ID, or a child's full-life rusage, whose
 * sum is exact); rusage only supplies the user/system proportion. */
#ifndef PARBENCH_CORE_USAGE_H
#define PARBENCH_CORE_USAGE_H

#include <sys/resource.h>

#include "parbench/backend.h"

typedef struct pb_thread_meter {
    int64_t cpu_ns;            /* CLOCK_THREAD_CPUTIME_ID at the start */
    struct rusage ru;          /* RUSAGE_THREAD at the start */
} pb_thread_meter;

/* Start measuring the calling thread. */
void pb_meter_begin(pb_thread_meter *m);
/* What the calling thread used since pb_meter_begin (maxrss: the process's). */
void pb_meter_end(const pb_thread_meter *m, pb_usage *used);
/* What the calling thread used in its whole life. */
void pb_usage_of_thread(pb_usage *used);
/* What an exited child used, from its wait4 rusage. */
void pb_usage_of_child(pb_usage *used, const struct rusage *r);
/* *sum += add; maxrss the larger of the two. */
void pb_usage_add(pb_usage *sum, const pb_usage *add);

#endif
