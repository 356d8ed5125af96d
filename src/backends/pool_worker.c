/* The pool's worker loop, thread or process: take chunks of a run (claimed
 * from the shared queue, or read from the task pipe), run their tasks,
 * hint the parent when the run's last task is done, and wait between runs
 * by the wait policy (pool.h). */
#include "pool_internal.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "parbench/clock.h"

/* n more of the batch's `total` tasks are done: the last one tells the parent. */
static void hint_done(pb_pool *p, uint64_t n, uint64_t total)
{
    if (atomic_fetch_add(&p->sh->hint, (uint32_t)n) + n >= total) {
        atomic_store(&p->sh->last_done_ns, pb_now_ns());
        atomic_store(&p->sh->finished, atomic_load(&p->sh->batch));
        if (atomic_load(&p->sh->parent_asleep))   /* a spinning parent sees it without a system call */
            pb__futex_wake(&p->sh->finished, INT_MAX);
    }
}

/* Run [lo, hi) as the worker's chunk: recorded first, so that the parent
 * can find the rest if the worker dies in it. */
static void run_chunk(pb_pool *p, unsigned w, uint64_t lo, uint64_t hi)
{
    pb_worker_slot *slot = &p->ctl->slot[w];
    atomic_store(&slot->chunk_count0, pb__progress_count(atomic_load(&slot->progress)));
    atomic_store(&slot->chunk_lo, lo);
    atomic_store(&slot->chunk_hi, hi);
    for (uint64_t t = lo; t < hi; t++)
        pb__slot_run_task(slot, &p->ctl->seq, p->plan, t, w);
    hint_done(p, hi - lo, p->plan->ntasks);
}

/* An idle worker waits for a batch other than `seen` (or the pool's end):
 * it spins as the wait policy says, then sleeps on the futex. */
static void idle_wait(pb_pool *p, uint32_t seen)
{
    pb_pool_shared *sh = p->sh;
    if (!atomic_load(&sh->resting) &&
        pb__spin_while_equal(&sh->batch, seen, p->idle_spin_ns, p->spin_yield, &sh->resting))
        return;
    atomic_fetch_add(&sh->sleepers, 1);   /* then read batch: the parent, which writes batch then reads
                                             sleepers, cannot miss us (both sequentially consistent) */
    if (atomic_load(&sh->batch) == seen && !atomic_load(&sh->stop))
        pb__futex_wait(&sh->batch, seen, NULL);
    atomic_fetch_sub(&sh->sleepers, 1);
}

/* Pipes: the next chunk from the task pipe. While the policy lets the
 * worker spin, it tries reads that do not block (preadv2 RWF_NOWAIT; where
 * the kernel lacks it, poll without blocking), then blocks in read(). A
 * plain read after a poll could lose the chunk to another worker and block
 * while the policy says spin. Returns what read() returns. */
static ssize_t take_chunk(pb_pool *p, pb__task_msg *m)
{
    int fd = p->task_pipe[0];
    if (p->idle_spin_ns > 0 && !atomic_load(&p->sh->resting)) {
        int64_t start = pb_now_ns(), until = p->idle_spin_ns == INT64_MAX ? INT64_MAX : start + p->idle_spin_ns;
        struct iovec v = { m, sizeof *m };
        bool nowait = true;
        for (;;) {
            if (nowait) {
                ssize_t k = preadv2(fd, &v, 1, -1, RWF_NOWAIT);
                if (k >= 0 || (errno != EAGAIN && errno != EINTR && errno != EOPNOTSUPP))
                    return k;
                nowait = errno != EOPNOTSUPP;
            } else {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                if (poll(&pfd, 1, 0) != 0)
                    break;   /* something to read (it may go to another worker: then read() waits) */
            }
            int64_t now = pb_now_ns();
            if (atomic_load(&p->sh->resting) || now >= until)
                break;
            pb__spin_relax(p->spin_yield || now - start >= PB_SPIN_PAUSE_NS);   /* as pb__spin_while_equal */
        }
    }
    ssize_t k;
    while ((k = read(fd, m, sizeof *m)) < 0 && errno == EINTR)
        ;
    return k;
}

static void run_redo(pb_pool *p, unsigned w)
{
    pb_worker_slot *slot = &p->ctl->slot[w];
    uint64_t lo = atomic_load(&slot->redo_lo), hi = atomic_load(&slot->redo_hi);
    atomic_store(&slot->redo_lo, 0);
    atomic_store(&slot->redo_hi, 0);
    if (lo < hi)
        run_chunk(p, w, lo, hi);
}

static void arena_loop(pb_pool *p, unsigned w)
{
    pb_pool_shared *sh = p->sh;
    uint64_t n = p->plan->ntasks;
    uint32_t seen = 0;
    run_redo(p, w);
    for (;;) {
        uint32_t b = atomic_load(&sh->batch);
        if (atomic_load(&sh->stop))
            break;
        if (b == seen) {
            idle_wait(p, seen);
            continue;
        }
        seen = b;
        uint32_t mode = atomic_load(&sh->mode);
        if (mode == PB_POOL_TEAM) {
            atomic_load(&sh->team_fn)(p, atomic_load(&sh->fn_arg), w);
            hint_done(p, 1, p->workers);
            continue;
        }
        uint64_t total = mode == PB_POOL_FUNCTION ? atomic_load(&sh->fn_tasks) : n;
        uint64_t chunk = mode == PB_POOL_FUNCTION ? atomic_load(&sh->fn_chunk) : p->chunk;
        pb_pool_task_fn task_fn = atomic_load(&sh->task_fn);
        void *arg = atomic_load(&sh->fn_arg);
        uint64_t c = atomic_load(&sh->claim);
        for (;;) {
            uint64_t idx = c & PB__POOL_INDEX_MASK;
            if ((uint32_t)(c >> PB__POOL_INDEX_BITS) != (b & PB__POOL_BATCH_MASK) || idx >= total)
                break;
            uint64_t take = total - idx < chunk ? total - idx : chunk;
            if (!atomic_compare_exchange_weak(&sh->claim, &c, c + take))
                continue;
            if (mode == PB_POOL_FUNCTION) {
                for (uint64_t t = idx; t < idx + take; t++)
                    task_fn(arg, t, w);
                hint_done(p, take, total);
            } else {
                run_chunk(p, w, idx, idx + take);
            }
            c = atomic_load(&sh->claim);
        }
    }
}

static void send_outcome(pb_pool *p, uint64_t task, const pb_outcome *o)
{
    pb__result_msg m;
    memset(&m, 0, sizeof m);   /* padding too: every byte sent is defined */
    m.task = task;
    memcpy(&m.outcome, o, sizeof m.outcome);
    ssize_t k;
    while ((k = write(p->result_pipe[1], &m, sizeof m)) < 0 && errno == EINTR)
        ;
    (void)k;   /* a parent that went away ends us by PR_SET_PDEATHSIG */
}

static void pipe_loop(pb_pool *p, unsigned w)
{
    pb_worker_slot *slot = &p->ctl->slot[w];
    for (;;) {
        pb__task_msg m;
        ssize_t k = take_chunk(p, &m);
        if (k != (ssize_t)sizeof m)
            break;                         /* end of file: the pool is closing */
        atomic_store(&slot->chunk_count0, pb__progress_count(atomic_load(&slot->progress)));
        atomic_store(&slot->chunk_lo, m.lo);
        atomic_store(&slot->chunk_hi, m.hi);
        for (uint64_t t = m.lo; t < m.hi; t++) {
            pb_outcome o;
            memset(&o, 0, sizeof o);
            uint64_t count = pb__progress_count(atomic_load(&slot->progress));
            atomic_store(&slot->task_start_ns, pb_now_ns());
            atomic_store(&slot->progress, (uint64_t)count << 32 | (t + 1));
            pb_run_one_task(p->plan, t, (int)w, &o);
            send_outcome(p, t, &o);
            atomic_store(&slot->progress, (uint64_t)(count + 1) << 32);
        }
    }
}

void pb__pool_worker_main(pb_pool *p, unsigned w)
{
    atomic_store(&p->ctl->slot[w].tid, (int32_t)gettid());
    pb__slot_bind(p->ctl, &p->cfg, w);   /* once, at start-up: a replacement binds to the same place */
    if (p->pipe_ipc)
        pipe_loop(p, w);
    else
        arena_loop(p, w);
    atomic_store(&p->ctl->slot[w].finished, 1);
}
