/* What the mpi backend's own files share (mpi.c: the job, a run, open and
 * close; mpi_messages.c: what the ranks send during a run; mpi_fail.c: a
 * run the job did not survive; mpi_launch.c and mpi_hello.c: starting the
 * job). Internal to the mpi backend. */
#ifndef PARBENCH_BACKENDS_MPI_INTERNAL_H
#define PARBENCH_BACKENDS_MPI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpi_launch.h"
#include "parbench/backend.h"
#include "parbench/sampler.h"

#define PB__MPI_POLL_MS 10             /* how often a run looks at the launcher and the clock */

typedef struct pb__mpi_rank_state {
    bool done;                 /* its DONE of this run arrived */
    bool gone;                 /* its stream ended */
    uint32_t asleep_for;       /* it sleeps until run asleep_for starts (0: awake) */
    int64_t heard_ns;          /* when parbench last heard from it in this run */
    uint64_t next, end;        /* the tasks in hand: static block or claimed chunk, [next, end) */
    uint32_t reported;         /* outcomes received this run */
    bool faulted;
    int64_t fault_task;
    int fault_signal;
    pb_wire_done done_msg;
    int64_t seen_offset_ns;    /* least (arrival - sending) of its messages: its clock + this >= ours; INT64_MAX: none */
} pb__mpi_rank_state;

typedef struct pb__mpi_host_samples {  /* one other host's sampler, this run */
    char host[64];
    uint32_t leader;           /* the rank that sampled it */
    unsigned ncpus;
    size_t intervals;
    int32_t *cpu;
    int64_t *end_ns, *len_ns;
    float *share;
} pb__mpi_host_samples;

typedef struct pb__mpi_state {
    pb_mpi_job job;
    bool up;                   /* the job runs */
    const pb_plan *plan;
    unsigned workers;
    pb_launch_options launch;
    uint64_t chunk;            /* 0: static blocks */
    char workload_arg[1200], chunk_arg[32], hz_arg[16];
    char *place_arg;
    const char *args[16];
    uint32_t run;
    uint32_t seq;
    pb__mpi_rank_state *rs;
    const char **host_of;      /* each rank's host (into host_name) */
    char (*host_name)[64];     /* kept here: the job's hellos go with the job */
    char hosts[256];
    bool remote;               /* some rank is not on parbench's host */
    bool oversubscribed;       /* some host has more ranks than PUs */
    char bind_refusal[PB_BIND_REFUSAL_LEN];
    int64_t gate_skew_ns;
    pb__mpi_host_samples *hs;
    unsigned nhs;
    pb_host_samples *views;
} pb__mpi_state;

/* End the job (nothing is left running); with `quit`, QUIT goes to rank 0
 * first (and the next run's WAKE to sleeping ranks, to hear it), so that
 * the ranks finalize and the launcher exits by itself (mpi.c). */
void pb__mpi_end_job(pb__mpi_state *s, bool quit);

/* ---- starting the job (mpi_launch.c, mpi_hello.c) ---- */

/* The launcher runs: wait until each of job->size ranks has connected and
 * said hello with this token (START_TIMEOUT_NS at most). On failure (a
 * rank's FAIL, one of another build, the launcher ended, the time is up:
 * err says which, with the launcher's own words) the job is ended. */
int pb__mpi_await_hellos(pb_mpi_job *job, const char *token, const char *launcher, pb_error *err);

/* ---- messages of a run (mpi_messages.c) ---- */

/* Wake rank r for the current run (it said SLEEP). */
void pb__mpi_wake(pb__mpi_state *s, unsigned r);
/* Read what rank r has sent: outcomes and output into plan, its claims,
 * DONE, FAULT, SLEEP, its host's samples. false: its stream ended or made
 * no sense (`why` says how when it did not make sense). */
bool pb__mpi_read_rank(pb__mpi_state *s, pb_plan *plan, unsigned r, char *why, size_t why_size);

/* ---- a failed run (mpi_fail.c) ---- */

/* The task rank r has in hand, -1 if none. */
int64_t pb__mpi_task_in_hand(const pb__mpi_state *s, unsigned r);
/* The job failed in this run: let the launcher end it and say why (a
 * timeout, timed_out_rank >= 0 overrunning by overrun_s: end it now), find
 * the rank to blame (first_gone: the first whose stream ended, -1: none),
 * record the lost tasks, write the note, and leave nothing running.
 * Returns the error, PB_E_WORKER. */
int pb__mpi_fail_run(pb__mpi_state *s, pb_plan *plan, pb_run_stats *st, pb_error *err, int timed_out_rank,
                     double overrun_s, int first_gone, const char *why);

#endif
