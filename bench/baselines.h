/* The bare system calls parbench's backends rest on, one operation at a
 * time, shared by the bench programs so that every figure is compared with
 * the same baseline code. */
#ifndef PB_BENCH_BASELINES_H
#define PB_BENCH_BASELINES_H

#include <stddef.h>

#include "parbench/error.h"

/* pthread_create + pthread_join of a thread that does nothing. */
void pb__bl_thread_once(void);
/* fork + _exit + waitpid. */
void pb__bl_fork_once(void);
/* posix_spawn of /bin/true + waitpid. */
void pb__bl_spawn_once(void);

/* The shape of the pthread and fork backends with W workers: W threads
 * (each does nothing) or W processes (each _exits) created at once, then
 * every one joined or reaped. */
void pb__bl_threads_at_once(unsigned w);
void pb__bl_forks_at_once(unsigned w);

/* A partner that answers: a thread or a process sleeping on a futex, or a
 * process echoing over a pipe or a socketpair; or (PB_BL_PIPE_MESSAGES) a
 * process answering each message of a pipe pair with one reply, as a
 * process-pool worker over --ipc pipe does with --chunk 1. */
typedef enum pb_bl_kind {
    PB_BL_FUTEX_THREAD,
    PB_BL_FUTEX_PROCESS,
    PB_BL_PIPE,
    PB_BL_SOCKETPAIR,
    PB_BL_PIPE_MESSAGES,
} pb_bl_kind;
typedef struct pb_bl_partner pb_bl_partner;
pb_bl_partner *pb__bl_partner_start(pb_bl_kind kind);
/* The same, the partner bound to PU `pu` (< 0: unbound). */
pb_bl_partner *pb__bl_partner_start_on(pb_bl_kind kind, int pu);
/* One round trip: wake (or write to) the partner and wait for its answer
 * (every kind but PB_BL_PIPE_MESSAGES). */
void pb__bl_round_trip(pb_bl_partner *p);
/* PB_BL_PIPE_MESSAGES: send n messages (16 bytes each, one write each, as
 * the pool's task messages) while reading the n replies (the size of the
 * pool's result messages) as they come, as the pool's parent does: poll on
 * both ends, the request end non-blocking. */
void pb__bl_pipe_messages(pb_bl_partner *p, unsigned n);
void pb__bl_partner_stop(pb_bl_partner *p);

/* Where a pair's two parties sit, the same on both sides of the pair: the
 * waker (the caller) on the first allowed PU, the waiter (a pool's worker,
 * a bare partner) on the last (the same PU when only one is allowed). */
void pb__bl_pair_pus(int *waker, int *waiter);
/* Bind the calling thread to PU `pu`, or (pu < 0) to every usable PU
 * again. 0, or pb_bind_self's code and sentence. */
int pb__bl_bind(int pu, pb_error *err);

/* Touch `mb` MiB of heap (so that a fork must copy its page tables). */
void *pb__bl_touch_heap(size_t mb);

#endif
