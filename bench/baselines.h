/* The bare system calls parbench's backends rest on, one operation at a
 * time, shared by the bench programs so that every figure is compared with
 * the same baseline code. */
#ifndef PB_BENCH_BASELINES_H
#define PB_BENCH_BASELINES_H

#include <stddef.h>

/* pthread_create + pthread_join of a thread that does nothing. */
void pb_bl_thread_once(void);
/* fork + _exit + waitpid. */
void pb_bl_fork_once(void);
/* posix_spawn of /bin/true + waitpid. */
void pb_bl_spawn_once(void);

/* A partner that answers: a thread or a process sleeping on a futex, or a
 * process echoing over a pipe or a socketpair. */
typedef enum pb_bl_kind { PB_BL_FUTEX_THREAD, PB_BL_FUTEX_PROCESS, PB_BL_PIPE, PB_BL_SOCKETPAIR } pb_bl_kind;
typedef struct pb_bl_partner pb_bl_partner;
pb_bl_partner *pb_bl_partner_start(pb_bl_kind kind);
/* One round trip: wake (or write to) the partner and wait for its answer. */
void pb_bl_round_trip(pb_bl_partner *p);
void pb_bl_partner_stop(pb_bl_partner *p);

/* Touch `mb` MiB of heap (so that a fork must copy its page tables). */
void *pb_bl_touch_heap(size_t mb);

#endif
