/* Futex wait and wake on a 32-bit word, shared (not FUTEX_PRIVATE): the
 * waiters may be threads of this process or other processes on a
 * MAP_SHARED page. Internal: for the backends' workers, the sampler and the
 * bare baselines of bench/. Includes nothing of parbench's. */
#ifndef PARBENCH_CORE_FUTEX_H
#define PARBENCH_CORE_FUTEX_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/* Sleep while *addr == expected, until woken or (timeout not NULL) the
 * relative timeout passes. Returns at once if *addr != expected; may also
 * return spuriously: callers re-check their condition. */
void pb__futex_wait(_Atomic uint32_t *addr, uint32_t expected, const struct timespec *timeout);
/* Wake up to `count` waiters on addr (INT_MAX: all). */
void pb__futex_wake(_Atomic uint32_t *addr, int count);

#endif
