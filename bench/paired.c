#include "paired.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void pb__pair_init(pb_pair *p, pb_pair_fn a, void *a_ctx, pb_pair_fn b, void *b_ctx, int64_t idle_ns)
{
    memset(p, 0, sizeof *p);
    p->a = a;
    p->a_ctx = a_ctx;
    p->b = b;
    p->b_ctx = b_ctx;
    p->idle_ns = idle_ns;
}

static int64_t one(const pb_pair *p, pb_pair_fn f, void *ctx)
{
    if (p->idle_ns > 0)
        nanosleep(&(struct timespec){ p->idle_ns / 1000000000, p->idle_ns % 1000000000 }, NULL);
    return f(ctx);
}

int pb__pair_round(pb_pair *p)
{
    if (p->rounds == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        int64_t *a = realloc(p->a_ns, cap * sizeof *a);
        if (a)
            p->a_ns = a;
        int64_t *b = a ? realloc(p->b_ns, cap * sizeof *b) : NULL;
        if (!b) {
            fprintf(stderr, "pb__pair_round: out of memory\n");
            return PB_E_NOMEM;
        }
        p->b_ns = b;
        p->cap = cap;
    }
    int64_t ta, tb;
    if (p->rounds % 2 == 0) {
        ta = one(p, p->a, p->a_ctx);
        tb = ta < 0 ? -1 : one(p, p->b, p->b_ctx);
    } else {
        tb = one(p, p->b, p->b_ctx);
        ta = tb < 0 ? -1 : one(p, p->a, p->a_ctx);
    }
    if (ta < 0 || tb < 0)
        return PB_E_WORKER;
    p->a_ns[p->rounds] = ta;
    p->b_ns[p->rounds] = tb;
    p->rounds++;
    return 0;
}



static double median_of(const int64_t *t, size_t n)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return NAN;
    for (size_t i = 0; i < n; i++)
        v[i] = (double)t[i];
    double m = pb_median(v, n);
    free(v);
    return m;
}

double pb__pair_median_a(const pb_pair *p)
{
    return median_of(p->a_ns, p->rounds);
}

double pb__pair_median_b(const pb_pair *p)
{
    return median_of(p->b_ns, p->rounds);
}

void pb__pair_clear(pb_pair *p)
{
    p->rounds = 0;
}

void pb__pair_free(pb_pair *p)
{
    free(p->a_ns);
    free(p->b_ns);
    p->a_ns = p->b_ns = NULL;
    p->rounds = p->cap = 0;
}
