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
 * never keeps the one it waits for off the CPU (src/core/spin.h). */
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
 * best costs min(gap, wake)). Measured (README "Wait policies"): one task to
 * a sleeping one-worker pool with a sleeping parent, two wake-ups, took
 * 5.5-8 us on this project's 2-vCPU VM (bench/forkjoin SPIN, passive), a
 * futex round trip 5.9-7.4 us here (bench/pool_overhead) and 16-24 us on
 * another VM of its kind (issue 13): one wake-up costs 3-12 us. 10 us
 * covers both; 50 us would waste up to 7x a wake-up on the gaps it cannot
 * bridge anyway (the runs of `parbench run` are 150-200 us apart). */
#define PB_SPIN_NS_DEFAULT 10000

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
/* The spinning itself is internal: src/core/spin.h. */

#endif
