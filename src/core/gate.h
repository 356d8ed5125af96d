/* The start gate and per-worker slots, in one shared mapping.
 *
 * Workers are created first; each checks in at the gate and waits. The
 * parent waits until all have checked in (end of the spawn phase), then
 * opens the gate once (start of the work phase). Each worker stamps its
 * slot when its last task is done. Futexes on a MAP_SHARED page serve
 * threads and forked processes alike. Internal to backends.
 */
#ifndef PARBENCH_CORE_GATE_H
#define PARBENCH_CORE_GATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "parbench/backend.h"

typedef struct pb_worker_slot {
    _Atomic int64_t done_ns;   /* CLOCK_MONOTONIC when the worker's tasks were done; 0: not yet */
    pb_usage usage;            /* thread workers: their own rusage when they finished */
} __attribute__((aligned(64))) pb_worker_slot;

enum { PB_GATE_CLOSED = 0, PB_GATE_OPEN = 1, PB_GATE_ABORT = 2 };

typedef struct pb_control {
    _Atomic uint32_t ready;    /* workers waiting at the gate */
    _Atomic uint32_t state;    /* PB_GATE_* */
    unsigned workers;
    size_t bytes;              /* size of this mapping */
    pb_worker_slot slot[];     /* one per worker, one cache line each */
} pb_control;

/* A shared control block for `workers` workers. */
pb_control *pb_control_create(unsigned workers, pb_error *err);
void pb_control_destroy(pb_control *c);
/* Close the gate and clear the slots before a run. */
void pb_control_reset(pb_control *c);

/* Worker: check in and wait for the gate. false: the run was aborted. */
bool pb_gate_arrive(pb_control *c);

/* Parent: wait until every worker has checked in. Every `poll_ms` the
 * callback (if any) is asked whether to give up (non-zero: a worker died).
 * Returns 0 when all are ready, else the callback's value. */
int pb_gate_wait_ready(pb_control *c, int poll_ms, int (*give_up)(void *), void *arg);

/* Parent: open the gate (PB_GATE_OPEN) or release workers to quit (PB_GATE_ABORT). */
void pb_gate_release(pb_control *c, uint32_t state);

/* Worker: stamp the end of its tasks. */
void pb_worker_done(pb_control *c, unsigned worker);

/* Parent: the latest done stamp (0 if no worker finished). */
int64_t pb_control_last_done(const pb_control *c);

#endif
