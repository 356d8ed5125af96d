/* Spinning under a wait policy (parbench/wait.h): the loop every waiter of
 * the pools and the openmp backend uses before it sleeps. Internal. */
#ifndef PARBENCH_BACKENDS_WORKER_SPIN_H
#define PARBENCH_BACKENDS_WORKER_SPIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* A spinner pauses (a pause instruction per turn) for this long, then
 * yields the CPU (sched_yield) at every turn. Measured on the shared 2-vCPU
 * VM (bench/forkjoin SPIN): a hand-off to a spinning thread on another CPU
 * takes about 1 us; when the thread waited for shares the spinner's CPU
 * (other load moved it there), pausing keeps it off the CPU for the whole
 * spin bound (one task took 2x the bound, 8 ms under `active`), while a
 * yield lets it run at once. 2 us covers the first case with margin. */
#define PB_SPIN_PAUSE_NS 2000

/* Spin while *addr == old: for at most spin_ns (INT64_MAX: no bound), and
 * only while *quit (if not NULL) is 0; pausing for PB_SPIN_PAUSE_NS, then
 * yielding. `yield`: yield from the first turn (more spinners than PUs).
 * true: *addr changed. */
bool pb__spin_while_equal(_Atomic uint32_t *addr, uint32_t old, int64_t spin_ns, bool yield,
                         _Atomic uint32_t *quit);

/* One turn of a spin loop: a pause instruction, or sched_yield. */
void pb__spin_relax(bool yield);

#endif
