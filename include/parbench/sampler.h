/* The CPU sampler: a thread in the parent that reads /proc/stat per CPU at a
 * fixed rate during each run, into a buffer allocated before the run, and
 * measures its own CPU cost. Busy time is user + nice + system + irq +
 * softirq; idle is idle + iowait; steal (a hypervisor's) is kept apart;
 * guest time is not added, since the kernel already counts it in user.
 * /proc/stat counts in ticks of 1/USER_HZ (10 ms here), so one sample's
 * fraction is only as fine as the ticks its interval holds. */
#ifndef PARBENCH_SAMPLER_H
#define PARBENCH_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parbench/error.h"

#define PB_SAMPLE_HZ_DEFAULT 20
#define PB_SAMPLE_HZ_MAX 1000

typedef struct pb_sampler pb_sampler;

/* One CPU over one interval between two readings: fractions of the ticks
 * that fell in it; NAN when none did (an interval shorter than a tick). */
typedef struct pb_cpu_share {
    float user, system, steal;
} pb_cpu_share;

/* Start the sampler thread (it sleeps until a window opens). cpus: the CPUs
 * to follow (OS numbers), or NULL/0 for every CPU /proc/stat lists. */
int pb_sampler_create(pb_sampler **out, unsigned hz, const int *cpus, unsigned ncpus, pb_error *err);
void pb_sampler_destroy(pb_sampler *s);

/* Open a window: readings from now, the first one at once. */
void pb_sampler_start(pb_sampler *s);
/* Close it: one last reading, then the thread sleeps again. */
void pb_sampler_stop(pb_sampler *s);

unsigned pb_sampler_cpus(const pb_sampler *s);
int pb_sampler_cpu_id(const pb_sampler *s, unsigned i);
/* Intervals in the last window (readings - 1); `dropped` says whether the
 * buffer was too small for all of them. */
size_t pb_sampler_intervals(const pb_sampler *s, bool *dropped);
/* Interval k: its end, as CLOCK_MONOTONIC ns, its length, and one CPU's share. */
int64_t pb_sampler_interval_end(const pb_sampler *s, size_t k);
int64_t pb_sampler_interval_ns(const pb_sampler *s, size_t k);
pb_cpu_share pb_sampler_share(const pb_sampler *s, size_t k, unsigned cpu);
/* The sampler's own CPU time during the last window: its thread, plus the
 * caller's first and last readings. */
int64_t pb_sampler_cpu_ns(const pb_sampler *s);

/* While a window is open, the latest interval's shares (for a live view);
 * returns the number of CPUs filled, 0 when there is none yet. */
unsigned pb_sampler_latest(pb_sampler *s, pb_cpu_share *out, unsigned max);

/* CPU shares sampled on another host (by an MPI rank there), for
 * samples.csv: the same quantities as this host's sampler. */
typedef struct pb_host_samples {
    const char *host;
    unsigned ncpus;
    const int32_t *cpu;        /* OS numbers on that host */
    size_t intervals;
    const int64_t *end_ns;     /* each interval's end, on parbench's clock */
    const int64_t *len_ns;
    const float *share;        /* intervals x ncpus x (user, system, steal); NAN: no tick fell */
} pb_host_samples;

#endif
