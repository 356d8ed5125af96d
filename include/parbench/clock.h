/* Time in nanoseconds from CLOCK_MONOTONIC: one clock for every thread and
 * process, so timestamps taken by workers and by the parent compare. */
#ifndef PARBENCH_CLOCK_H
#define PARBENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t pb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPU time of the calling thread. */
static inline int64_t pb_thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
