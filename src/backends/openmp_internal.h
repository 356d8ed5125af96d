/* What the openmp backend's files share (openmp.c: the backend's verbs;
 * openmp_team.c: the team, its driver thread and its regions). Internal to
 * the openmp backend; built with OpenMP only. */
#ifndef PARBENCH_BACKENDS_OPENMP_INTERNAL_H
#define PARBENCH_BACKENDS_OPENMP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backends/worker/gate.h"
#include "backends/worker/usage.h"
#include "core/futex.h"
#include "parbench/backend.h"

#define PB__OMP_POLL_NS 10000000          /* how often the parent looks at the team while waiting */
#define PB__OMP_CLOSE_GRACE_NS 2000000000 /* how long close waits for the driver */

typedef struct pb__omp_state {
    pb_exec_config cfg;
    const pb_plan *plan;
    uint64_t chunk;                 /* dynamic chunk; 0: schedule(static) */
    pb_control *ctl;                /* one slot per thread index: progress, tid, binding, done_ns */
    clockid_t *clock;               /* each thread's CPU clock, recorded by the thread */
    _Atomic uint32_t *ended;        /* the thread serving this index ended (pthread_exit in a task):
                                       1 while its last words run, 2 once it touches nothing of ours */
    pb_task_sample *before;
    bool *sampled;
    int64_t idle_spin_ns;           /* the driver between runs */
    bool spin_yield;                /* more spinners than PUs: yield while spinning */
    bool startup;                   /* the region only makes the team (no tasks) */
    /* parent <-> driver */
    _Atomic uint32_t run;           /* the run the parent asks for: the driver waits on it */
    _Atomic uint32_t done;          /* the last run the driver finished */
    _Atomic uint32_t bell;          /* bumped for the parent: a run done, a thread ended, the team made */
    _Atomic uint32_t stop, resting;
    _Atomic uint32_t driver_asleep, parent_asleep;
    _Atomic uint32_t entered, left; /* team threads that began / finished their part of this region */
    _Atomic uint32_t team_size;     /* omp_get_num_threads() of the last region */
    _Atomic uint32_t ready;         /* 1: the driver made its team; 2: it could not */
    uint32_t seq;                   /* the parent's run counter */
    pthread_t driver;
    bool driver_running;            /* a driver to join at close */
    bool hung;                      /* a thread is stuck in a task: nothing may be freed */
} pb__omp_state;

/* Start a driver and its team; wait until the team is made (a refusal to
 * make W threads, or a team of another size, is an error). */
int pb__omp_start_team(pb__omp_state *s, pb_error *err);
/* Tell the driver to stop and join it. false: it is stuck in libgomp and
 * left to the process's exit, so nothing it uses may be freed. */
bool pb__omp_stop_driver(pb__omp_state *s);
/* The parent waits (by the policy: spin within *spin_left, then sleep a
 * poll slice) until the bell moves from `b`. */
void pb__omp_await_bell(pb__omp_state *s, uint32_t b, int64_t *spin_left);

#endif
