/* How an idle worker (and a parent awaiting a run) waits: the wait policy,
 * as OpenMP's OMP_WAIT_POLICY / GOMP_SPINCOUNT.
 *
 *   passive   sleep on the futex (or in read/poll) at once: no CPU while
 *             waiting, every hand-off pays a wake-up
 *   adaptive  spin for a bounded time (the spin bound), then sleep:
 *             hand-offs that come soon cost no wake-up
 *   active    spin for as long as the pool is in use; a pool rested by its
 *             user (the runner does at the end of a configuration), or
 *             unused for PB_WAIT_ACTIVE_IDLE_NS, sleeps
 *
 * Whatever the policy, an idle pool ends up asleep: between configurations
 * it costs no CPU. A spinner pauses for a couple of microseconds, then
 * yields the CPU at every turn (from the first turn when the spinning
 * threads, workers and parent, outnumber the PUs), so that a waiting thread
 * never keeps the one it waits for off the CPU (src/backends/worker/spin.h). */
#ifndef PARBENCH_WAIT_H
#define PARBENCH_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "parbench/error.h"

typedef enum pb_wait_kind {
    PB_WAIT_ADAPTIVE = 0,      /* the default */
    PB_WAIT_ACTIVE = 1,
    PB_WAIT_PASSIVE = 2,
} pb_wait_kind;

/* The spin bound of `adaptive`, when --spin-us does not set one: about
 * what one sleep and wake-up costs, so that a waiter never wastes more than
 * about twice the best choice (spin-then-block's classic argument: spinning
 * S then sleeping costs at most S + wake; knowing the gap in advance, the
 * best costs min(gap, wake)). Measured on this project's 2-vCPU VM, quiet
 * (bench/forkjoin SPIN, README "Wait policies"): waking a worker whose vCPU
 * has gone idle costs 25-60 us (one task after a 100-500 us gap: 34-63 us
 * passive); a bound under one wake-up lets the parent fall asleep too, two
 * wake-ups (45-75 us with 2-10 us bounds), while from 20-50 us on the parent
 * spins through the worker's wake-up (23-28 us); 100 us and more gain
 * nothing at longer gaps and spend the whole bound in CPU at each. On a busy
 * machine, whose vCPUs do not halt, a wake-up costs 3-8 us instead. */
#define PB_SPIN_NS_DEFAULT 50000

/* `active`: how long a pool nobody rested keeps spinning without work. */
#define PB_WAIT_ACTIVE_IDLE_NS 100000000

/* --spin-us accepts 1 .. this many microseconds (no spin at all: --wait passive). */
#define PB_SPIN_US_MAX 1000000

typedef struct pb_wait_policy {
    pb_wait_kind kind;
    int64_t spin_ns;           /* adaptive: spin this long before sleeping; 0: PB_SPIN_NS_DEFAULT */
} pb_wait_policy;

/* "passive", "active" or "adaptive". */
const char *pb_wait_name(pb_wait_kind kind);
/* Parse a policy name; the message names --wait. */
int pb_wait_parse(const char *text, pb_wait_kind *out, pb_error *err);

/* How long a waiter spins before it sleeps: 0 for passive, the spin bound
 * for adaptive, PB_WAIT_ACTIVE_IDLE_NS for active (INT64_MAX when `busy`:
 * a parent awaiting a run it started spins until the run ends). */
int64_t pb_wait_spin_ns(const pb_wait_policy *w, bool busy);
/* The spinning itself is internal: src/backends/worker/spin.h. */

#endif
