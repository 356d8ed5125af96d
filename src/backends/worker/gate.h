/* The start gate and per-worker slots, in one shared mapping.
 *
 * Workers are created first; each checks in at the gate and waits. The
 * parent waits until all have checked in (end of the spawn phase), then
 * opens the gate once (start of the work phase). Each worker stamps its
 * slot when its last task is done. Futexes on a MAP_SHARED page serve
 * threads and forked processes alike. Internal to backends.
 */
#ifndef PARBENCH_BACKENDS_WORKER_GATE_H
#define PARBENCH_BACKENDS_WORKER_GATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "parbench/backend.h"

typedef struct pb_worker_slot {
    _Atomic int64_t done_ns;   /* CLOCK_MONOTONIC when the worker's tasks were done; 0: not yet */
    /* What the worker is doing, in one word so a reader never sees the two
     * halves disagree: tasks finished (high 32 bits), task running + 1
     * (low 32 bits, 0 when between tasks). Survives the worker's death. */
    _Atomic uint64_t progress;
    _Atomic int32_t tid;       /* the worker's thread id (its pid for processes) */
    _Atomic uint32_t finished; /* 1 once the worker left its loop normally */
    _Atomic int64_t bind_ns;      /* how long binding itself took the worker; 0 when unbound */
    /* Pools: the chunk in hand [chunk_lo, chunk_hi), and the progress count
     * when it was taken, so the parent can hand its rest to a replacement. */
    _Atomic uint64_t chunk_lo, chunk_hi;
    _Atomic uint32_t chunk_count0;
    _Atomic int64_t task_start_ns;   /* pools over pipes: when the running task started */
    /* Pools: tasks a replacement worker must run first (its predecessor's rest). */
    _Atomic uint64_t redo_lo, redo_hi;
    pb_usage usage;            /* thread workers: their own usage when they finished */
} __attribute__((aligned(64))) pb_worker_slot;

/* Run one task with the slot's progress word kept up to date around it,
 * and its place in the completion order (from `seq`) set before it counts. */
void pb__slot_run_task(pb_worker_slot *slot, _Atomic uint32_t *seq, const pb_plan *plan, size_t task,
                      unsigned worker);

/* Worker w binds itself to its place (if any); the first refusal's sentence
 * is kept in the control block; the run goes on unbound. */
typedef struct pb_control pb_control;
void pb__slot_bind(pb_control *c, const pb_exec_config *cfg, unsigned w);
/* Decode a progress word. */
static inline uint32_t pb__progress_count(uint64_t p) { return (uint32_t)(p >> 32); }
static inline int64_t pb__progress_task(uint64_t p) { return (int64_t)(p & 0xffffffffu) - 1; }

enum { PB_GATE_CLOSED = 0, PB_GATE_OPEN = 1, PB_GATE_ABORT = 2 };

struct pb_control {
    _Atomic uint32_t ready;    /* workers waiting at the gate */
    _Atomic uint32_t state;    /* PB_GATE_* */
    _Atomic uint32_t done_workers;   /* workers whose tasks are done; the parent waits on it */
    _Atomic uint32_t seq;            /* tasks finished so far in the run: completion order */
    unsigned workers;
    int64_t spin_ns;           /* workers spin this long at the gate before sleeping (0: they sleep) */
    size_t bytes;              /* size of this mapping */
    _Atomic uint32_t bind_refused;   /* 0; 1: the first refused worker writes bind_refusal; 2: written */
    char bind_refusal[PB_BIND_REFUSAL_LEN];   /* why it could not bind (pb_bind_self's sentence) */
    pb_worker_slot slot[];     /* one per worker, one cache line each */
};

/* A shared control block for `workers` workers. */
pb_control *pb__control_create(unsigned workers, pb_error *err);
void pb__control_destroy(pb_control *c);
/* Close the gate and clear the slots before a run. */
void pb__control_reset(pb_control *c);

/* Worker: check in and wait for the gate. false: the run was aborted. */
bool pb__gate_arrive(pb_control *c);

/* Parent: wait until every worker has checked in. Every `poll_ms` the
 * callback (if any) is asked whether to give up (non-zero: a worker died).
 * Returns 0 when all are ready, else the callback's value. */
int pb__gate_wait_ready(pb_control *c, int poll_ms, int (*give_up)(void *), void *arg);

/* Parent: open the gate (PB_GATE_OPEN) or release workers to quit (PB_GATE_ABORT). */
void pb__gate_release(pb_control *c, uint32_t state);

/* Worker: stamp the end of its tasks. */
void pb__worker_done(pb_control *c, unsigned worker);

/* Parent: wait until every worker has stamped its end. While waiting, every
 * 10 ms, `check` looks for dead and overrunning workers; its non-zero
 * result stops the wait and is returned. */
int pb__wait_workers_done(pb_control *c, int64_t task_timeout_ns, int (*check)(void *, int64_t), void *arg);

/* How long worker w has been in its current task, if that is over
 * timeout_ns (and which task); 0 otherwise. */
int64_t pb__slot_overrun(const pb_control *c, const pb_plan *plan, unsigned w, int64_t timeout_ns, int64_t *task);

/* Record that worker w died in its current task (if it was in one). */
void pb__slot_mark_lost(pb_control *c, const pb_plan *plan, unsigned w, int sig, int exit_status);

/* Why the first worker refused a binding could not bind; "" if none. */
const char *pb__control_bind_refusal(const pb_control *c);
/* The longest time a worker spent binding itself, 0 if none bound. */
int64_t pb__control_bind_ns(const pb_control *c);

/* Append one sentence to a run's note ("; " between sentences). */
void pb__stats_note(pb_run_stats *st, const char *what);

/* Parent: the latest done stamp (0 if no worker finished). */
int64_t pb__control_last_done(const pb_control *c);

#endif
