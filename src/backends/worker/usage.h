/* CPU and memory accounting of threads and children. Internal to backends.
 *
 * getrusage's user and system times are tick-sampled and clamped to stay
 * monotonic, so their difference over a short interval can be zero or a
 * whole tick too much. The totals here come from the scheduler's precise
 * runtime (CLOCK_THREAD_CPUTIME_ID, or a child's full-life rusage, whose
 * sum is exact); rusage only supplies the user/system proportion. */
#ifndef PARBENCH_BACKENDS_WORKER_USAGE_H
#define PARBENCH_BACKENDS_WORKER_USAGE_H

#include <sys/resource.h>
#include <time.h>

#include "parbench/backend.h"

typedef struct pb_thread_meter {
    int64_t cpu_ns;            /* CLOCK_THREAD_CPUTIME_ID at the start */
    struct rusage ru;          /* RUSAGE_THREAD at the start */
} pb_thread_meter;

/* Start measuring the calling thread. */
void pb__meter_begin(pb_thread_meter *m);
/* What the calling thread used since pb__meter_begin (maxrss: the process's). */
void pb__meter_end(const pb_thread_meter *m, pb_usage *used);
/* What the calling thread used in its whole life. */
void pb__usage_of_thread(pb_usage *used);
/* What an exited child used, from its wait4 rusage. */
void pb__usage_of_child(pb_usage *used, const struct rusage *r);
/* A reading of another live thread or process, taken from outside: CPU
 * from its CPU clock (exact), sampled user/system ticks, faults and context
 * switches from /proc/<pid>/task/<tid>/. For pool workers, which outlive
 * runs: a run's usage is the difference of two readings. */
typedef struct pb_task_sample {
    int64_t cpu_ns;
    int64_t utime_ticks, stime_ticks;
    pb_usage counters;         /* nvcsw, nivcsw, minflt, majflt, maxrss_kb */
} pb_task_sample;

/* Returns 0, or PB_E_SYS when the thread is gone (its clock or its /proc
 * entry cannot be read). */
int pb__sample_task(int pid, int tid, clockid_t cpu_clock, pb_task_sample *out);
/* The last reading of a child, from its wait4 rusage (its whole life):
 * comparable with pb__sample_task readings taken while it lived. */
void pb__sample_of_child(const struct rusage *r, pb_task_sample *out);
/* The calling thread's own reading (a thread about to end takes it): 0 or
 * PB_E_SYS, as pb__sample_task. */
int pb__sample_self(pb_task_sample *out);
/* What it used between two readings. */
void pb__usage_between_samples(pb_usage *used, const pb_task_sample *a, const pb_task_sample *b);
/* The kernel's state letter of a process or thread (its id) in /proc:
 * R running or runnable, S sleeping, Z zombie, ...; '?' when it is gone. */
char pb__proc_state(int id);
/* *sum += add; maxrss the larger of the two. */
void pb__usage_add(pb_usage *sum, const pb_usage *add);

#endif
