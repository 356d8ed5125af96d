/* What a result set says about the machine it was measured on. */
#ifndef PARBENCH_MACHINE_H
#define PARBENCH_MACHINE_H

/* Processing units this process may run on (its affinity mask: cgroups and
 * taskset respected). At least 1. */
unsigned pb_allowed_pus(void);

/* Emit the machine's description as key/value pairs, in a fixed order:
 * host, CPU model, topology (hwloc), allowed set, kernel, compiler and
 * flags, parbench version and revision, and what makes numbers noisy
 * (frequency governor, SMT, load average, hypervisor). */
void pb_machine_describe(void (*emit)(void *user, const char *key, const char *value), void *user);

/* What the CPUs this process may use have done so far, from /proc/stat:
 * seconds busy (with anything, this process included) and seconds in all,
 * summed over those CPUs. Two marks give the CPUs busy between them. */
typedef struct pb_cpu_mark {
    double busy_s;
    double total_s;
    unsigned cpus;             /* the allowed CPUs /proc/stat listed */
} pb_cpu_mark;
pb_cpu_mark pb_machine_cpu_mark(void);
/* Average CPUs busy between two marks: 0 on an idle machine, up to the
 * allowed PUs (0 when no time passed). */
double pb_machine_busy_between(const pb_cpu_mark *from, const pb_cpu_mark *to);

/* CPUs this process may use that were busy (with anything, this process
 * included) over a window of window_ms: two marks around a sleep. */
double pb_machine_busy_cpus(int window_ms);

/* "x86_64-host" style short host name for result-set folder names. */
void pb_host_name(char *buf, unsigned size);

#endif
