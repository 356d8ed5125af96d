/* What the files of parbench-mpi-rank share (rank.c: start-up and main;
 * rank_stream.c: the stream to parbench; rank_wait.c: waiting; rank_runs.c:
 * runs; rank_bare.c: bare MPI for bench/overhead). Internal to src/mpi/. */
#ifndef PARBENCH_MPI_RANK_H
#define PARBENCH_MPI_RANK_H

#include <mpi.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backends/mpi_wire.h"
#include "parbench/sampler.h"
#include "parbench/workload.h"

/* This rank, set once at start-up (rank.c). */
extern int pb__rank_id, pb__world_size;
extern int pb__parent_fd;                 /* the stream to parbench; -1 before it is connected */
extern int64_t pb__spin_ns;               /* between runs (PB_RANK_SPIN_NS, or 0: no PU to spare) */
extern int64_t pb__run_spin_ns;           /* within a run (RUN_SPIN_NS, or 0 when oversubscribed) */
extern pid_t pb__launcher_pid;            /* the parent at start-up: the launcher (or its daemon) */
extern pb_sampler *pb__node_sampler;      /* this host's sampler, on its sampling rank; else NULL */
extern _Atomic int64_t pb__current_task;  /* the task running, -1 none: for the crash report */

/* A configuration in this rank: its plan, and how its tasks are taken. */
typedef struct pb__rank_job {
    pb_plan plan;
    uint64_t chunk;            /* 0: static blocks */
    bool by_window;            /* chunk: claims by MPI_Fetch_and_op on win, else by messages to rank 0 */
    MPI_Win win;               /* rank 0's counter */
    uint64_t *counter;
    uint64_t next;             /* by messages: rank 0's counter */
    unsigned final_grants;     /* by messages: ranks told "no task left" in this run */
    bool holding;              /* the last outcome, kept to go out with DONE */
    pb_wire_outcome held;
    const void *held_slice;
    MPI_Comm node;             /* the ranks of this host */
    bool sampling;             /* this rank runs its host's sampler */
    bool node_barrier;         /* the ranks of this host meet after their tasks (a sampler runs here) */
} pb__rank_job;

/* ---- the stream to parbench (rank_stream.c) ---- */

/* Connect to parbench: 127.0.0.1 first when `local` (parbench's host),
 * then each address of `addrs` (comma-separated). The stream, or -1. */
int pb__rank_connect_parent(bool local, const char *addrs, unsigned port);
/* One message from the parent without waiting (NULL when none is whole);
 * the rank exits (70) when parbench is gone. */
const void *pb__rank_poll_parent(pb_wire_head *h);
/* Send one message of two parts; the rank exits (70) when parbench is gone. */
void pb__rank_send_or_die(uint32_t type, const void *a, size_t alen, const void *b, size_t blen);
/* The thread that ends the rank when the stream closes or the launcher dies. */
void *pb__rank_watch_parent(void *arg);
/* A crash signal in a task is reported (FAULT) before the rank dies of it;
 * no core file. */
void pb__rank_install_crash_report(void);

/* ---- waiting (rank_wait.c) ---- */

/* Wait for a request that others complete soon (a collective in a run):
 * spin, then yield, then sleep in growing steps. */
void pb__rank_wait_soon(MPI_Request *req);
/* One step of that ladder, `waited` ns into the wait: spin (a pause),
 * yield, or sleep *nap ns (which grows). */
void pb__rank_back_off(int64_t waited, int64_t *nap);
/* Ranks other than 0 between runs: wait for rank 0's Bcast of the next
 * command; after the spin, sleep on the socket until the parent's WAKE. */
void pb__rank_wait_idle(MPI_Request *req, uint32_t run);
/* Rank 0 between runs: the parent's next command (a run number, or -1 to
 * quit), and when it came into *at. Spins on the socket, then sleeps in
 * poll(). */
int32_t pb__rank_wait_command(int64_t *at);

/* ---- runs (rank_runs.c) and bare MPI (rank_bare.c) ---- */

/* Serve the parent's runs until it says QUIT. */
void pb__rank_serve_runs(pb__rank_job *j);
/* bench/overhead's bare rounds (ping-pong, barriers) until QUIT. */
void pb__rank_serve_bare(void);

#endif
