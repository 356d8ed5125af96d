/* What parbench and its MPI ranks say to each other, over one TCP stream
 * per rank (the ranks may run on other hosts). Internal to the mpi backend
 * and to the rank program (src/mpi/).
 *
 * Every message is a head (type, payload length) and a payload of one of
 * the structs below, in the hosts' own byte order: the hello's magic number
 * catches a rank on a machine of the other order. The parent releases a run
 * with one GO to rank 0, which passes it on to every rank by MPI (a Bcast,
 * then a Barrier: the start gate); ranks send each task's outcome (and its
 * slice of the plan's output) as the task ends, and DONE when they have no
 * task left, so the parent always knows which task a rank is in. */
#ifndef PARBENCH_BACKENDS_MPI_WIRE_H
#define PARBENCH_BACKENDS_MPI_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parbench/backend.h"
#include "parbench/workload.h"

#define PB_WIRE_MAGIC 0x5042504dU   /* "MPBP" read in this machine's order */
#define PB_WIRE_VERSION 3           /* with the sizes below in the hello: a rank of another build is named */
#define PB_WIRE_TOKEN_ENV "PARBENCH_MPI_TOKEN"   /* the secret a rank proves it was started by us */
#define PB_WIRE_TOKEN_LEN 32

enum pb_wire_type {
    /* rank -> parent */
    PB_WIRE_HELLO = 1,       /* pb_wire_hello: connected, plan built, bound; waiting for runs */
    PB_WIRE_FAIL,            /* text: the rank could not set up */
    PB_WIRE_CLAIM,           /* pb_wire_claim: a chunk taken from rank 0's queue (--chunk) */
    PB_WIRE_OUTCOME,         /* pb_wire_outcome, then the task's output bytes */
    PB_WIRE_DONE,            /* pb_wire_done: no task left for this rank in this run */
    PB_WIRE_SLEEP,           /* pb_wire_run: stopped spinning, sleeps until woken (WAKE) */
    PB_WIRE_FAULT,           /* pb_wire_fault: a crash signal (sent from the signal handler) */
    PB_WIRE_SAMPLES,         /* pb_wire_samples and its data: a node's /proc/stat during the run */
    PB_WIRE_BARE,            /* pb_wire_bare: bare MPI times of one round (bench) */
    PB_WIRE_PONG,            /* bench: answer to PING */
    /* parent -> rank */
    PB_WIRE_GO = 64,         /* pb_wire_run, to rank 0: start run `run` */
    PB_WIRE_WAKE,            /* pb_wire_run: a sleeping rank, run `run` is starting */
    PB_WIRE_QUIT,            /* to rank 0: end the job (every rank finalizes and exits) */
    PB_WIRE_PING,            /* bench, to rank 0: answer at once */
    PB_WIRE_ROUND,           /* bench: pb_wire_round, to every rank */
};

typedef struct pb_wire_head {
    uint32_t type;           /* pb_wire_type */
    uint32_t pad;
    uint64_t len;            /* payload bytes after the head */
} pb_wire_head;

typedef struct pb_wire_hello {
    uint32_t magic, version;
    char token[PB_WIRE_TOKEN_LEN];
    uint32_t rank, size;     /* MPI_COMM_WORLD */
    uint32_t local_rank, local_size;   /* among the ranks of its host (MPI_COMM_TYPE_SHARED) */
    uint32_t pus;            /* PUs the rank may use on its host */
    int32_t pid;
    uint32_t spins;          /* 1: it spins before sleeping (a PU free for every rank of its host) */
    uint64_t ntasks;         /* its plan's task count: must be the parent's */
    uint64_t layout;         /* pb__wire_layout(): the sizes of the messages it sends */
    char host[64];           /* gethostname */
    char boot_id[40];        /* /proc/sys/kernel/random/boot_id: same host and boot = same clock */
    char bind_refusal[PB_BIND_REFUSAL_LEN];   /* why its --pin binding was refused; "" if bound or unpinned */
} pb_wire_hello;

typedef struct pb_wire_run {
    uint32_t run;            /* run number, from 1 */
} pb_wire_run;

typedef struct pb_wire_claim {
    uint64_t lo, hi;         /* tasks [lo, hi) */
} pb_wire_claim;

typedef struct pb_wire_outcome {
    uint64_t task;
    pb_outcome outcome;      /* times on the rank's clock */
    uint64_t output_bytes;   /* the task's slice of the output, which follows */
} pb_wire_outcome;

typedef struct pb_wire_done {
    uint32_t run, tasks;     /* tasks it ran in this run */
    int64_t go_ns;           /* when it learned of the run (rank 0: GO read; others: Bcast) */
    int64_t gate_ns;         /* when it left the start barrier */
    int64_t cpu_ns;          /* its process CPU from go_ns to this message, exact */
    int64_t user_ns, sys_ns; /* getrusage over the same time (tick-sampled: for the split) */
    int64_t nvcsw, nivcsw, minflt, majflt, maxrss_kb;
    int64_t sampler_cpu_ns;  /* its node sampler's own CPU, not in cpu_ns */
    int64_t sent_ns;         /* when it sent this (its clock): with the arrival, a bound on the clocks' offset */
} pb_wire_done;

typedef struct pb_wire_fault {
    int64_t task;            /* the task it was in, -1 between tasks */
    int32_t signal;
    int32_t pad;
} pb_wire_fault;

/* Then ncpus int32 CPU numbers, then per interval: int64 end_ns, int64
 * len_ns and ncpus x 3 floats (user, system, steal; NAN: no tick fell). */
typedef struct pb_wire_samples {
    uint32_t run, ncpus;
    uint64_t intervals;
} pb_wire_samples;

typedef struct pb_wire_round {
    uint32_t ops;            /* ping-pongs, then barriers, each timed */
    uint32_t pad;
} pb_wire_round;

typedef struct pb_wire_bare {
    double ping_pong_ns;     /* mean round trip of rank 0 <-> rank 1 over the round */
    double barrier_ns;       /* mean MPI_Barrier, averaged over the ranks (as osu_barrier) */
} pb_wire_bare;

/* Send one message whole (blocking; EINTR retried; never SIGPIPE): a head
 * and a payload made of two parts (b may be NULL). 0, or PB_E_IO when the
 * stream is broken (the other side is gone). */
int pb__wire_send(int fd, uint32_t type, const void *a, size_t alen, const void *b, size_t blen);

/* Two messages in one write (the last outcome and DONE: one wake-up of
 * the reader, not two); b2 may be NULL. 0, or PB_E_IO. */
int pb__wire_send_two(int fd, uint32_t type1, const void *a1, size_t alen1, const void *b1, size_t blen1,
                     uint32_t type2, const void *a2, size_t alen2);

/* Assembles messages from a stream read as it comes. */
typedef struct pb_wire_reader {
    unsigned char *buf;
    size_t start, end, cap;  /* unread bytes are buf[start, end) */
} pb_wire_reader;

/* Read what is there: the bytes read (> 0); 0 when nothing is there yet (a
 * non-blocking fd); PB_E_IO when the stream ended or a read failed (the
 * other side is gone either way), PB_E_NOMEM when the buffer cannot grow. */
long pb__wire_fill(pb_wire_reader *r, int fd);
/* The next whole message, or NULL: its payload stays valid until the next
 * pb__wire_fill or pb__wire_next. */
const void *pb__wire_next(pb_wire_reader *r, pb_wire_head *head);
void pb__wire_reader_free(pb_wire_reader *r);

/* The sizes of every message and of an outcome, in one number: parent and
 * ranks must agree on them. */
static inline uint64_t pb__wire_layout(void)
{
    return (uint64_t)sizeof(pb_wire_hello) | (uint64_t)sizeof(pb_wire_outcome) << 12 |
           (uint64_t)sizeof(pb_wire_done) << 24 | (uint64_t)sizeof(pb_outcome) << 36 |
           (uint64_t)sizeof(pb_wire_samples) << 48;
}

/* This boot's id (/proc/sys/kernel/random/boot_id), "" if unknown. */
void pb__wire_boot_id(char *buf, size_t size);

#endif
