/* A measurement and its baseline of the same shape, taken in alternating
 * rounds so that both see the same machine, each summarised the same way:
 * the median of its per-round times over the same number of rounds.
 *
 *     pb_pair p;
 *     pb__pair_init(&p, run_pool_once, &pool, futex_round_trip, &partner, PB_PAIR_IDLE_NS);
 *     for (int i = 0; i < 200; i++)
 *         if (pb__pair_round(&p) != 0) ...
 *     double ratio = pb__pair_median_a(&p) / pb__pair_median_b(&p);
 *
 * Round i runs A then B when i is even, B then A when it is odd, so that
 * neither side always follows the other. */
#ifndef PB_BENCH_PAIRED_H
#define PB_BENCH_PAIRED_H

#include <stddef.h>
#include <stdint.h>

#include "parbench/error.h"
#include "parbench/stats.h"

/* One round of a side: its wall time in ns, or -1 when it failed (the side
 * says why on stderr). */
typedef int64_t (*pb_pair_fn)(void *ctx);

/* The idle gap of the latency pairs: long enough that a sleeping waiter
 * (a pool worker, a futex partner) is as idle before each round as a pool
 * between two runs of `parbench run`. */
#define PB_PAIR_IDLE_NS 1000000

typedef struct pb_pair {
    pb_pair_fn a, b;
    void *a_ctx, *b_ctx;
    int64_t idle_ns;           /* the caller sleeps this long before each side's round (untimed) */
    int64_t *a_ns, *b_ns;      /* per-round times */
    size_t rounds, cap;
} pb_pair;

void pb__pair_init(pb_pair *p, pb_pair_fn a, void *a_ctx, pb_pair_fn b, void *b_ctx, int64_t idle_ns);
/* One round of each side. 0; PB_E_WORKER when a side failed (it said why),
 * PB_E_NOMEM. */
int pb__pair_round(pb_pair *p);
/* Medians of the per-round times so far, ns; NAN before the first round. */
double pb__pair_median_a(const pb_pair *p);
double pb__pair_median_b(const pb_pair *p);
/* Forget the rounds (keep the sides). */
void pb__pair_clear(pb_pair *p);
void pb__pair_free(pb_pair *p);


#endif
