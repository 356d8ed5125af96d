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

/* CPUs this process may use that were busy (with anything, this process
 * included) over a window of window_ms, from /proc/stat: 0 on an idle
 * machine, up to the allowed PUs. Sleeps for the window. */
double pb_machine_busy_cpus(int window_ms);

/* "x86_64-host" style short host name for result-set folder names. */
void pb_host_name(char *buf, unsigned size);

#endif
