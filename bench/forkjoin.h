/* What the files of bench/forkjoin share (forkjoin.c: registration, goals
 * and main; forkjoin_method.c: EPCC's method, one outer repetition;
 * forkjoin_pools.c and forkjoin_openmp.c: the constructs in each runtime;
 * forkjoin_bench.c: the benchmarks). Internal to forkjoin. */
#ifndef PB_BENCH_FORKJOIN_H
#define PB_BENCH_FORKJOIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/pool.h"
#include "parbench/wait.h"
#include "shim/pb_gbench.h"

#define PB__FJ_DELAY_NS 100           /* EPCC syncbench's default delay time: 0.1 us */
#define PB__FJ_ITERS 128              /* FOR: iterations per worker in each loop */
#define PB__FJ_MAX_WORKERS 256        /* per-worker counters in the shared page */

enum { PB__FJ_PARALLEL, PB__FJ_BARRIER, PB__FJ_FOR, PB__FJ_NCONSTRUCTS };
enum { PB__FJ_THREAD_POOL, PB__FJ_PROCESS_POOL, PB__FJ_OPENMP, PB__FJ_NRUNTIMES };
extern const char *const pb__fj_construct_name[];   /* by construct: "PARALLEL", ... */

/* The run's settings (main: PB_FORKJOIN_QUICK makes them tiny). */
extern bool pb__fj_quick;
extern int64_t pb__fj_target_ns;    /* EPCC's target test time: 1000 us */
extern int64_t pb__fj_outer;        /* outer repetitions */
extern int64_t pb__fj_idle_ns;      /* IDLE: how long the idle CPU is measured */

/* What every worker reads (MAP_SHARED: pool processes see it too). */
typedef struct pb__fj_shared {
    uint64_t delay_len;                 /* delay loop turns for DELAY_NS */
    uint64_t inner;                     /* BARRIER: passes per worker */
    struct { _Atomic uint64_t n; char pad[56]; } done[PB__FJ_MAX_WORKERS];   /* work each worker did: checked */
} pb__fj_shared;
extern pb__fj_shared *pb__fj_sh;

/* Worker w did one more piece of work. Only worker w writes its slot, so a
 * relaxed load and store do (plain moves on x86, the same in every runtime
 * measured); atomic so that ThreadSanitizer, which cannot see libgomp's
 * barriers (libgomp is not built with it), sees no race when the parent
 * reads the counts after a region. */
static inline void pb__fj_count(pb__fj_shared *s, unsigned w)
{
    atomic_store_explicit(&s->done[w].n, atomic_load_explicit(&s->done[w].n, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

typedef struct pb__fj_request {
    int32_t construct;
    uint32_t workers;
    uint64_t chunk, inner, delay_len;
    int64_t target_ns;
    int32_t idle;                       /* 1: measure idle CPU instead (openmp child) */
    int64_t idle_ns;
} pb__fj_request;

typedef struct pb__fj_answer {
    int64_t test_ns, ref_ns;
    uint64_t inner;
    double idle_share;                  /* idle: CPU of the team's other threads / idle time */
    int32_t ok;
    char why[200];
} pb__fj_answer;

/* Run `inner` constructs; 0, or -1 with the reason in why. */
typedef int (*pb__fj_test_fn)(void *ctx, const pb__fj_request *rq, uint64_t inner, char *why, size_t why_size);

/* ---- EPCC's method (forkjoin_method.c) ---- */

/* The delay loop: n turns, one real add each. Static, in every file that
 * runs it: the reference, the calibration and the constructs run the same
 * code, inlined alike (a call in some of them would count in the overhead). */
static inline void pb__fj_delay(uint64_t n)
{
    uint64_t a = 0;
    for (uint64_t i = 0; i < n; i++) {
        a += i;
        __asm__ volatile("" : "+r"(a));   /* one real add per turn: the loop cannot be folded */
    }
}
/* Work the first W workers did since pb__fj_done_clear(). */
uint64_t pb__fj_done_total(unsigned W);
void pb__fj_done_clear(void);
/* Turns of pb__fj_delay() for PB__FJ_DELAY_NS, measured here (EPCC's getdelaylengthfromtime). */
uint64_t pb__fj_calibrate_delay(void);
/* One outer repetition: the reference, then the test of rq->inner
 * constructs (0: chosen first, doubling until a test lasts the target
 * time), the workers' work checked; an->ok, or an->why. */
void pb__fj_measure(pb__fj_test_fn test, void *ctx, const pb__fj_request *rq, pb__fj_answer *an);

/* ---- the pools: lean batches (forkjoin_pools.c) ---- */

/* A pool of W workers under a wait policy, opened through its backend. */
typedef struct pb__fj_opened_pool {
    pb_plan plan;
    pb_exec ex;
    pb_pool *pool;
} pb__fj_opened_pool;

/* The constructs in a pool (ctx: the pb_pool). */
int pb__fj_pool_test(void *ctx, const pb__fj_request *rq, uint64_t inner, char *why, size_t why_size);
/* runtime: PB__FJ_THREAD_POOL or PB__FJ_PROCESS_POOL. 0, or -1 with why. */
int pb__fj_pool_open(pb__fj_opened_pool *o, int runtime, unsigned W, pb_wait_policy wait, char *why,
                     size_t why_size);
void pb__fj_pool_close(pb__fj_opened_pool *o);
/* CPU of every worker of a pool so far (their CPU clocks). */
int64_t pb__fj_pool_cpu_ns(pb_pool *p);
/* An empty task: counted, nothing else (arg: the shared page). */
void pb__fj_task_empty(void *arg, uint64_t t, unsigned w);

/* ---- openmp: a child per wait policy (forkjoin_openmp.c, with OpenMP only) ---- */

/* The child (forkjoin --pb_omp_server): answer requests on stdin/stdout
 * until the parent closes them. */
int pb__fj_omp_server(void);
/* Ask the child of policy k (started at first use) to run rq. 0, or -1
 * with an->why. */
int pb__fj_omp_ask(pb_wait_kind k, const pb__fj_request *rq, pb__fj_answer *an);
/* End the child of a policy: under OMP_WAIT_POLICY=ACTIVE its idle threads
 * spin for minutes, which would take CPU from whatever is measured next. */
void pb__fj_stop_child(pb_wait_kind k);
void pb__fj_stop_children(void);

/* ---- the benchmarks (forkjoin_bench.c) ---- */

typedef struct pb__fj_bench_case {
    int construct, runtime;
    pb_wait_kind wait;
} pb__fj_bench_case;

/* IDLE: CPU of idle workers over pb__fj_idle_ns; rested or not. */
typedef struct pb__fj_idle_case {
    int runtime;
    pb_wait_kind wait;
    bool rest;
} pb__fj_idle_case;

/* PARALLEL, BARRIER, FOR: user is a pb__fj_bench_case; range 0 is W (FOR: range 1 the chunk). */
void pb__fj_bm_construct(pb_gb_state *st, void *user);
/* BATCH: 10^5 empty tasks; wall per task per worker (user: a pb__fj_bench_case). */
void pb__fj_bm_batch(pb_gb_state *st, void *user);
/* The same batch as parbench tasks (outcomes, timestamps, CPU clocks) through execute(). */
void pb__fj_bm_batch_tasks(pb_gb_state *st, void *user);
/* IDLE (user: a pb__fj_idle_case). */
void pb__fj_bm_idle(pb_gb_state *st, void *user);
/* SPIN: one empty task to a one-worker thread pool after an idle gap; range 0 the spin bound in us (0:
 * passive, -1: active), range 1 the gap in us. */
void pb__fj_bm_spin(pb_gb_state *st, void *user);

#endif
