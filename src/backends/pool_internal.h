/* What the pool's own files share (pool.c: open, execute, close;
 * pool_worker.c: the worker loop; pool_wait.c: the parent awaiting a run;
 * pool_recover.c: dead and overrunning workers; pool_lean.c: lean batches
 * and the team barrier). Internal to the pool: the pools and bench/ use
 * pool.h. */
#ifndef PARBENCH_BACKENDS_POOL_INTERNAL_H
#define PARBENCH_BACKENDS_POOL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/futex.h"
#include "pool.h"

/* claim = batch << PB__POOL_INDEX_BITS | next unclaimed task */
#define PB__POOL_BATCH_BITS 24
#define PB__POOL_INDEX_BITS 40
#define PB__POOL_INDEX_MASK ((UINT64_C(1) << PB__POOL_INDEX_BITS) - 1)
#define PB__POOL_BATCH_MASK ((UINT32_C(1) << PB__POOL_BATCH_BITS) - 1)
#define PB__POOL_POLL_NS 10000000          /* how often the parent looks for dead or overrunning workers */
#define PB__POOL_CLOSE_GRACE_NS 2000000000 /* how long close waits for a worker before killing it */

typedef struct pb__task_msg {     /* parent -> worker over the task pipe */
    uint64_t lo, hi;
} pb__task_msg;

typedef struct pb__result_msg {   /* worker -> parent over the result pipe */
    uint64_t task;
    pb_outcome outcome;
} pb__result_msg;

/* ---- the parent awaiting a run (pool_wait.c) ---- */

/* The parent spins on *addr while it holds `old`, within what is left of
 * its spin budget (*left, INT64_MAX: no bound), a slice of
 * PB__POOL_POLL_NS at most so that workers are still checked. true: it
 * changed. */
bool pb__pool_parent_spin(pb_pool *p, _Atomic uint32_t *addr, uint32_t old, int64_t *left);
/* Pipes: read every outcome waiting in the result pipe. */
void pb__pool_drain_results(pb_pool *p);
/* Pipes: write queued chunks (resends first) into the task pipe until it is full. */
void pb__pool_feed_pipe(pb_pool *p);
/* Wait for the run to complete, by the wait policy, checking the workers
 * as it goes: arena transport, and pipe transport (the first chunks are
 * written). */
int pb__pool_wait_arena(pb_pool *p, pb_run_stats *st, pb_error *err);
int pb__pool_wait_pipe(pb_pool *p, pb_run_stats *st, pb_error *err);

/* ---- dead and overrunning workers (pool_recover.c) ---- */

/* Wait until worker w is in its loop (its tid published), so that it can
 * be read and measured; fails if it ended while starting. */
int pb__pool_await_started(pb_pool *p, unsigned w, pb_error *err);
/* Look for ended and overrunning workers: an ended one has its task
 * accounted, the rest of its chunk handed on and a replacement started; an
 * overrunning one (--task-timeout, in a run) is killed and treated so, or,
 * a thread, makes the pool hung. st may be NULL. */
int pb__pool_check_workers(pb_pool *p, bool in_run, pb_run_stats *st, pb_error *err);

#endif
