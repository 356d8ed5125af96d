/* The mpi backend's side of a run's messages: what each rank sends as the
 * run goes (claims, outcomes with their output, DONE, FAULT, SLEEP, its
 * host's samples), read from its stream into the plan and the rank's
 * state. */
#include "mpi_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parbench/clock.h"

void pb__mpi_wake(pb__mpi_state *s, unsigned r)
{
    pb_wire_run w = { s->run };
    if (s->job.rank[r].fd >= 0)
        pb__wire_send(s->job.rank[r].fd, PB_WIRE_WAKE, &w, sizeof w, NULL, 0);
    s->rs[r].asleep_for = 0;
}

static int store_samples(pb__mpi_state *s, unsigned r, const void *m, uint64_t len)
{
    pb_wire_samples h;
    if (len < sizeof h)
        return -1;
    memcpy(&h, m, sizeof h);
    size_t per = 2 * sizeof(int64_t) + (size_t)h.ncpus * 3 * sizeof(float);
    if (h.ncpus > 65536 || h.intervals > ((uint64_t)1 << 32) ||
        len != sizeof h + (size_t)h.ncpus * sizeof(int32_t) + h.intervals * per)
        return -1;
    pb__mpi_host_samples *grown = realloc(s->hs, (s->nhs + 1) * sizeof *grown);
    if (!grown)
        return -1;
    s->hs = grown;
    pb__mpi_host_samples *x = &s->hs[s->nhs];
    memset(x, 0, sizeof *x);
    snprintf(x->host, sizeof x->host, "%s", s->host_of[r]);
    x->leader = r;
    size_t n = (size_t)h.intervals, nc = h.ncpus;
    x->cpu = malloc(nc * sizeof *x->cpu + 1);
    x->end_ns = malloc(n * sizeof *x->end_ns + 1);
    x->len_ns = malloc(n * sizeof *x->len_ns + 1);
    x->share = malloc(n * nc * 3 * sizeof *x->share + 1);
    s->nhs++;
    if (!x->cpu || !x->end_ns || !x->len_ns || !x->share)
        return -1;
    const unsigned char *p = (const unsigned char *)m + sizeof h;
    memcpy(x->cpu, p, nc * sizeof *x->cpu);
    p += nc * sizeof *x->cpu;
    for (size_t k = 0; k < n; k++) {
        memcpy(&x->end_ns[k], p, sizeof(int64_t));
        memcpy(&x->len_ns[k], p + sizeof(int64_t), sizeof(int64_t));
        p += 2 * sizeof(int64_t);
        memcpy(&x->share[k * nc * 3], p, nc * 3 * sizeof(float));
        p += nc * 3 * sizeof(float);
    }
    x->ncpus = (unsigned)nc;
    x->intervals = n;
    return 0;
}

/* What a rank's message says. A negative return: the stream cannot be
 * trusted any more (a message that makes no sense); `why` says how. */
static int handle(pb__mpi_state *s, pb_plan *plan, unsigned r, const pb_wire_head *h, const void *m, char *why,
                  size_t why_size)
{
    pb__mpi_rank_state *rs = &s->rs[r];
    switch (h->type) {
    case PB_WIRE_SLEEP: {
        if (h->len != sizeof(pb_wire_run))
            break;
        uint32_t run = ((const pb_wire_run *)m)->run;
        if (run == s->run && !rs->done)
            pb__mpi_wake(s, r);            /* the run it waits for has begun: it missed the wake */
        else if (run > s->run)
            rs->asleep_for = run;  /* woken when that run starts */
        return 0;
    }
    case PB_WIRE_CLAIM: {
        pb_wire_claim c;
        if (h->len != sizeof c)
            break;
        memcpy(&c, m, sizeof c);
        if (c.lo >= c.hi || c.hi > plan->ntasks)
            break;
        rs->next = c.lo;
        rs->end = c.hi;
        rs->heard_ns = pb_now_ns();
        return 0;
    }
    case PB_WIRE_OUTCOME: {
        pb_wire_outcome w;
        if (h->len < sizeof w)
            break;
        memcpy(&w, m, sizeof w);
        size_t off = 0, bytes = 0;
        if (w.task >= plan->ntasks || w.outcome.status != PB_TASK_DONE || w.outcome.worker != (int32_t)r)
            break;
        if (plan->workload->task_output)
            plan->workload->task_output(plan, w.task, &off, &bytes);
        if (w.output_bytes != bytes || h->len != sizeof w + bytes || off + bytes > plan->output_bytes)
            break;
        pb_outcome *o = &plan->outcomes[w.task];
        *o = w.outcome;
        o->seq = ++s->seq;         /* completion order: the order outcomes arrived */
        if (bytes)
            memcpy((unsigned char *)plan->output + off, (const unsigned char *)m + sizeof w, bytes);
        rs->reported++;
        int64_t arrival = pb_now_ns();   /* sent after its end: arrival - end bounds the offset too */
        if (arrival - o->t_end_ns < rs->seen_offset_ns)
            rs->seen_offset_ns = arrival - o->t_end_ns;
        if (w.task >= rs->next && w.task < rs->end)
            rs->next = w.task + 1;
        rs->heard_ns = pb_now_ns();
        return 0;
    }
    case PB_WIRE_DONE: {
        if (h->len != sizeof(pb_wire_done))
            break;
        memcpy(&rs->done_msg, m, sizeof rs->done_msg);
        if (rs->done_msg.run != s->run)
            break;
        int64_t arrival = pb_now_ns();
        if (arrival - rs->done_msg.sent_ns < rs->seen_offset_ns)
            rs->seen_offset_ns = arrival - rs->done_msg.sent_ns;
        rs->done = true;
        rs->next = rs->end;
        return 0;
    }
    case PB_WIRE_FAULT: {
        pb_wire_fault f;
        if (h->len != sizeof f)
            break;
        memcpy(&f, m, sizeof f);
        rs->faulted = true;
        rs->fault_task = f.task;
        rs->fault_signal = f.signal;
        return 0;
    }
    case PB_WIRE_SAMPLES:
        if (store_samples(s, r, m, h->len) != 0)
            break;
        return 0;
    case PB_WIRE_FAIL:
        snprintf(why, why_size, "%.*s", (int)(h->len < 300 ? h->len : 300), (const char *)m);
        return -1;
    default:
        return 0;                  /* a later version's message: not ours to judge */
    }
    snprintf(why, why_size, "rank %u sent a message parbench cannot read (type %u, %llu bytes)", r, h->type,
             (unsigned long long)h->len);
    return -1;
}

bool pb__mpi_read_rank(pb__mpi_state *s, pb_plan *plan, unsigned r, char *why, size_t why_size)
{
    pb_mpi_rank *k = &s->job.rank[r];
    if (k->fd < 0 || s->rs[r].gone)
        return false;
    for (;;) {
        pb_wire_head h;
        const void *m;
        while ((m = pb__wire_next(&k->in, &h)) != NULL)
            if (handle(s, plan, r, &h, m, why, why_size) != 0) {
                s->rs[r].gone = true;
                return false;
            }
        long n = pb__wire_fill(&k->in, k->fd);
        if (n == 0)
            return true;
        if (n < 0) {
            s->rs[r].gone = true;
            return false;
        }
    }
}

