/* Backends: ways to execute the tasks of a plan with W workers.
 *
 * A backend is a small table of verbs with its private state behind one
 * pointer; the runner drives every backend through the same verbs and never
 * knows which one it holds. One file per backend under src/backends/.
 */
#ifndef PARBENCH_BACKEND_H
#define PARBENCH_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "parbench/error.h"
#include "parbench/topology.h"
#include "parbench/wait.h"
#include "parbench/workload.h"

#define PB_MAX_WORKERS 4096

/* How outcomes travel back to the parent. */
typedef enum pb_ipc {
    PB_IPC_ARENA = 0,          /* written in place in the shared arena */
    PB_IPC_PIPE = 1,           /* tasks and outcomes sent over pipes (process-pool) */
    PB_IPC_TCP = 2,            /* outcomes sent over a TCP stream per worker (mpi ranks, on any host) */
} pb_ipc;

/* How the mpi backend starts its ranks (the other backends ignore it). */
typedef struct pb_launch_options {
    const char *launcher;      /* --mpirun: the launcher command, words split at spaces; NULL: "mpirun" */
    const char *hostfile;      /* --hosts: an Open MPI hostfile; NULL: this machine (or the launcher's allocation) */
    bool verbose;              /* print each launch command, and the launcher's output, on stderr */
    unsigned sample_hz;        /* samplers on the ranks' other hosts, per second; 0: none */
    bool sample_all_cpus;      /* those samplers follow every CPU of their host */
} pb_launch_options;

typedef struct pb_exec_config {
    unsigned workers;          /* W, 1..PB_MAX_WORKERS */
    uint64_t chunk;            /* pools: tasks claimed at a time; 0 = automatic */
    pb_ipc ipc;
    int64_t task_timeout_ns;   /* a task running longer is killed (processes) or fatal (threads); 0 = none */
    const pb_placement *placement;   /* where each worker binds itself; NULL or kind NONE: unbound */
    pb_wait_policy wait;       /* pools and openmp: how idle workers and the waiting parent wait */
    const pb_launch_options *launch; /* mpi: how to start the ranks; NULL: the defaults */
} pb_exec_config;

/* The place of worker w, or NULL when workers are not bound. */
static inline const pb_worker_place *pb_exec_place(const pb_exec_config *c, unsigned w)
{
    return c->placement && c->placement->kind != PB_PIN_NONE ? &c->placement->place[w] : NULL;
}

/* CPU and memory accounting of every participant in one run. */
typedef struct pb_usage {
    int64_t user_ns, sys_ns;   /* CPU time, user and system apart */
    int64_t nvcsw, nivcsw;     /* voluntary and involuntary context switches */
    int64_t minflt, majflt;    /* page faults (copy-on-write shows in minflt) */
    int64_t maxrss_kb;         /* peak resident set of the largest participant */
} pb_usage;

/* Room for one sentence saying why a worker could not bind (pb_bind_self's). */
#define PB_BIND_REFUSAL_LEN 160

/* What a backend measured during one execute(). Timestamps are
 * CLOCK_MONOTONIC; the phases partition the run:
 *   spawn = t_gate - t_start   (until every worker waits at the start gate)
 *   work  = t_work_end - t_gate (gate open until the last task is done)
 *   join  = t_end - t_work_end (until every worker is joined or reaped) */
typedef struct pb_run_stats {
    int64_t t_start, t_gate, t_work_end, t_end;
    pb_usage usage;
    /* When usage's CPU times were read, for a backend that reads its
     * workers' CPU clocks just before t_start and just after t_end (the
     * pools, openmp): busy cores are that CPU over this interval, which
     * holds it whole (a worker spinning while its clock is read counts
     * there). 0, 0: [t_start, t_end]. */
    int64_t t_usage_from, t_usage_to;
    uint64_t chunk;            /* tasks a worker took at a time (a static block: the largest) */
    unsigned replaced;         /* workers that died and were replaced during the run */
    char bind_refusal[PB_BIND_REFUSAL_LEN];   /* why the first worker refused a binding could not bind; "" if none */
    int64_t bind_ns;           /* the slowest worker's binding inside the timed run; 0 if none there */
    char note[256];            /* what went wrong with workers, "" if nothing */
    /* Backends whose workers may run on other hosts (mpi); left zero, every
     * worker ran on this host and the runner judges oversubscription. */
    const char *const *worker_host;  /* host of each worker (W entries), valid until the next execute or close */
    char hosts[256];                 /* the hosts the workers ran on, space-separated */
    bool oversubscribed_known;       /* the backend says whether a host had more workers than PUs */
    bool oversubscribed;
    const struct pb_host_samples *host_samples;   /* CPU samples taken on the workers' other hosts */
    unsigned nhost_samples;
} pb_run_stats;

typedef struct pb_backend pb_backend;

typedef struct pb_exec {
    const pb_backend *backend;
    pb_exec_config config;
    void *state;               /* the backend's private state */
} pb_exec;

struct pb_backend {
    const char *name;          /* "fork" */
    const char *summary;       /* one line for `parbench list` */
    /* NULL when it can always run; else asked: NULL or "" when it can run
     * here, or why it cannot (one sentence: it is listed, never run). */
    const char *(*unavailable)(void);
    unsigned max_workers;      /* the most workers it can have: 1 for serial (the calling thread); 0: any */
    bool is_pool;              /* workers outlive runs: started in open() */
    unsigned ipc_mask;         /* 1 << pb_ipc for every transport it offers */
    bool uses_wait;            /* its idle workers and waiting parent follow --wait */
    bool opt_in;               /* not in `--backend all`: named on its own (mpi: a launcher, ~0.5 s per configuration) */
    /* Prepare to run `plan` many times (pools start their workers here). */
    int  (*open)(pb_exec *, const pb_plan *, pb_error *);
    /* Run every task of the plan once. Returns 0 when every worker ran to
     * its end (task results are judged by verification, not here); a
     * negative code when workers could not start or were lost, with the
     * reason in err and in stats->note. */
    int  (*execute)(pb_exec *, const pb_plan *, pb_run_stats *, pb_error *);
    void (*close)(pb_exec *);
    /* Optional (NULL: nothing spins): the caller will not execute for a
     * while (another configuration runs, or it measures idle cost): workers
     * that spin under the wait policy go to sleep now. The next execute
     * wakes them as usual. */
    void (*rest)(pb_exec *);
};

/* PB_E_HUNG from execute: a thread is stuck in a task and cannot be stopped;
 * the caller must not run anything else in this process and should exit. */

/* Name of a transport ("arena"). */
const char *pb_ipc_name(pb_ipc ipc);

/* The tasks of worker w under a static split of n tasks into W blocks:
 * [*first, *last). Blocks differ in size by at most one task. */
static inline void pb_static_block(size_t n, unsigned W, unsigned w, size_t *first, size_t *last)
{
    *first = n * w / W;
    *last = n * (w + 1) / W;
}

#endif
