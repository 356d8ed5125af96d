/* The pool's parent awaiting a run: spinning and sleeping by the wait
 * policy, reading outcomes and feeding chunks when the transport is pipes,
 * and looking at the workers as it goes (pool_recover.c). */
#include "pool_internal.h"

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "parbench/clock.h"

void pb__pool_drain_results(pb_pool *p)
{
    pb__result_msg buf[256];
    ssize_t k;
    while ((k = read(p->result_pipe[0], buf, sizeof buf)) > 0) {
        for (size_t i = 0; i < (size_t)k / sizeof buf[0]; i++) {
            if (buf[i].task >= p->plan->ntasks)
                continue;
            pb_outcome *o = &p->plan->outcomes[buf[i].task];
            *o = buf[i].outcome;
            o->seq = (uint32_t)++p->received;
            if (p->received + p->accounted == p->plan->ntasks)
                atomic_store(&p->sh->last_done_ns, pb_now_ns());
        }
    }
}

/* Tasks accounted so far in this run: the exact completion test. */
static uint64_t tasks_accounted(const pb_pool *p)
{
    if (p->pipe_ipc)
        return p->received + p->accounted;
    uint64_t sum = p->accounted;
    for (unsigned w = 0; w < p->workers; w++)
        sum += (uint32_t)(pb__progress_count(atomic_load(&p->ctl->slot[w].progress)) - p->base_count[w]);
    return sum;
}

bool pb__pool_parent_spin(pb_pool *p, _Atomic uint32_t *addr, uint32_t old, int64_t *left)
{
    if (*left <= 0)
        return false;
    int64_t slice = *left < PB__POOL_POLL_NS ? *left : PB__POOL_POLL_NS, t0 = pb_now_ns();
    bool changed = pb__spin_while_equal(addr, old, slice, p->spin_yield, NULL);
    if (*left != INT64_MAX)
        *left -= pb_now_ns() - t0;
    return changed;
}

int pb__pool_wait_arena(pb_pool *p, pb_run_stats *st, pb_error *err)
{
    struct timespec poll_ts = { 0, PB__POOL_POLL_NS };
    int64_t spin_left = pb_wait_spin_ns(&p->wait, true);
    while (tasks_accounted(p) < p->plan->ntasks) {
        uint32_t f = atomic_load(&p->sh->finished);
        if (f != p->batch) {
            if (!pb__pool_parent_spin(p, &p->sh->finished, f, &spin_left) && spin_left <= 0) {
                atomic_store(&p->sh->parent_asleep, 1);   /* then read finished: see idle_wait (pool_worker.c) */
                if (atomic_load(&p->sh->finished) == f)
                    pb__futex_wait(&p->sh->finished, f, &poll_ts);
                atomic_store(&p->sh->parent_asleep, 0);
            }
        } else if (spin_left > 0) {
            pb__spin_relax(true);   /* hinted but not counted yet: rare */
        } else {
            nanosleep(&(struct timespec){ 0, 100000 }, NULL);
        }
        if (tasks_accounted(p) >= p->plan->ntasks)
            break;
        int rc = pb__pool_check_workers(p, true, st, err);
        if (rc)
            return rc;
    }
    return 0;
}

void pb__pool_feed_pipe(pb_pool *p)
{
    for (;;) {
        pb__task_msg m;
        if (p->resend_count) {
            m.lo = p->resend[p->resend_count - 1][0];
            m.hi = p->resend[p->resend_count - 1][1];
        } else if (p->pending_lo < p->pending_hi) {
            m.lo = p->pending_lo;
            m.hi = m.lo + (p->pending_hi - m.lo < p->chunk ? p->pending_hi - m.lo : p->chunk);
        } else {
            return;
        }
        ssize_t k = write(p->task_pipe[1], &m, sizeof m);
        if (k != (ssize_t)sizeof m)
            return;   /* full (EAGAIN): poll says when there is room */
        if (p->resend_count)
            p->resend_count--;
        else
            p->pending_lo = m.hi;
    }
}

int pb__pool_wait_pipe(pb_pool *p, pb_run_stats *st, pb_error *err)
{
    int64_t spin_left = pb_wait_spin_ns(&p->wait, true), last_check = pb_now_ns(), t_spin0 = last_check;
    while (tasks_accounted(p) < p->plan->ntasks) {
        struct pollfd fds[2] = { { .fd = p->result_pipe[0], .events = POLLIN },
                                 { .fd = p->task_pipe[1], .events = POLLOUT } };
        bool feeding = p->resend_count || p->pending_lo < p->pending_hi;
        if (spin_left > 0) {
            /* poll without blocking while the policy lets the parent spin */
            int64_t t0 = pb_now_ns();
            int n = poll(fds, feeding ? 2 : 1, 0);
            if (n > 0 && (fds[0].revents & POLLIN))
                pb__pool_drain_results(p);
            if (feeding)
                pb__pool_feed_pipe(p);
            int64_t now = pb_now_ns();
            if (n == 0)
                pb__spin_relax(p->spin_yield || now - t_spin0 >= PB_SPIN_PAUSE_NS);
            if (spin_left != INT64_MAX)
                spin_left -= now - t0;
            if (now - last_check < PB__POOL_POLL_NS)
                continue;
            last_check = now;
            if (tasks_accounted(p) >= p->plan->ntasks)
                break;
            int rc = pb__pool_check_workers(p, true, st, err);
            if (rc)
                return rc;
            continue;
        }
        int n = poll(fds, feeding ? 2 : 1, PB__POOL_POLL_NS / 1000000);
        if (n > 0 && (fds[0].revents & POLLIN))
            pb__pool_drain_results(p);
        if (feeding)
            pb__pool_feed_pipe(p);
        if (tasks_accounted(p) >= p->plan->ntasks)
            break;
        int rc = pb__pool_check_workers(p, true, st, err);
        if (rc)
            return rc;
    }
    if (!atomic_load(&p->sh->last_done_ns))
        atomic_store(&p->sh->last_done_ns, pb_now_ns());
    return 0;
}

