/* Spinning under a wait policy (parbench/wait.h): the loop every waiter of
 * the pools and the openmp backend uses before it sleeps. Internal. */
#ifndef PARBENCH_CORE_SPIN_H
#define PARBENCH_CORE_SPIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Spin while *addr == old: for at most spin_ns (INT64_MAX: no bound), and
 * only while *quit (if not NULL) is 0. `yield`: give the CPU away at every
 * turn (sched_yield) instead of pausing. true: *addr changed. */
bool pb_spin_while_equal(_Atomic uint32_t *addr, uint32_t old, int64_t spin_ns, bool yield,
                         _Atomic uint32_t *quit);

/* One turn of a spin loop: a pause instruction, or sched_yield. */
void pb_spin_relax(bool yield);

#endif
