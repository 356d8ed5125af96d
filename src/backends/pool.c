#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/futex.h"
#include "parbench/clock.h"
#include "parbench/machine.h"
#include "parbench/registry.h"

#define BATCH_BITS 24
#define INDEX_BITS 40
#define INDEX_MASK ((UINT64_C(1) << INDEX_BITS) - 1)
#define BATCH_MASK ((UINT32_C(1) << BATCH_BITS) - 1)
#define POLL_NS 10000000          /* how often the parent looks for dead or overrunning workers */
#define CLOSE_GRACE_NS 2000000000 /* how long close waits for a worker before killing it */

typedef struct task_msg {         /* parent -> worker over the task pipe */
    uint64_t lo, hi;
} task_msg;

typedef struct result_msg {       /* worker -> parent over the result pipe */
    uint64_t task;
    pb_outcome outcome;
} result_msg;

uint64_t pb__pool_default_chunk(size_t ntasks, unsigned workers)
{
    uint64_t per = 4 * (uint64_t)workers;
    uint64_t c = (ntasks + per - 1) / per;
    return c ? c : 1;
}

/* ---- the worker's side ------------------------------------------------- */

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
static ssize_t take_chunk(pb_pool *p, task_msg *m)
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
            uint64_t idx = c & INDEX_MASK;
            if ((uint32_t)(c >> INDEX_BITS) != (b & BATCH_MASK) || idx >= total)
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
    result_msg m;
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
        task_msg m;
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

/* ---- the parent's side ------------------------------------------------- */

/* Read every outcome waiting in the result pipe. */
static void drain_results(pb_pool *p)
{
    result_msg buf[256];
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

/* A CPU clock's reading; `otherwise` when it cannot be read (the worker
 * has just ended). */
static int64_t clock_ns(clockid_t clk, int64_t otherwise)
{
    struct timespec ts;
    if (clock_gettime(clk, &ts) != 0)
        return otherwise;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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

static void queue_resend(pb_pool *p, uint64_t lo, uint64_t hi)
{
    if (p->resend_count == p->resend_cap) {
        unsigned cap = p->resend_cap ? 2 * p->resend_cap : 8;
        void *grown = realloc(p->resend, cap * sizeof *p->resend);
        if (!grown)
            return;   /* the tasks stay undone: the run fails verification, loudly */
        p->resend = grown;
        p->resend_cap = cap;
    }
    p->resend[p->resend_count][0] = lo;
    p->resend[p->resend_count][1] = hi;
    p->resend_count++;
}

/* Wait until worker w is in its loop (its tid published), so that it can
 * be read and measured; fails if it ended while starting. */
static int await_started(pb_pool *p, unsigned w, pb_error *err)
{
    while (atomic_load(&p->ctl->slot[w].tid) == 0) {
        char how[128];
        int sig, status;
        if (p->ops->ended(p, w, how, sizeof how, &sig, &status))
            return pb_fail(err, PB_E_WORKER, "%s: worker %u %s while starting", p->name, w, how);
        sched_yield();
    }
    return 0;
}

/* Worker w has ended during a run (or was killed): account its task, hand
 * the rest of its chunk on, start a replacement. */
static int bury(pb_pool *p, unsigned w, const char *how, int sig, int exit_status, bool in_run,
                pb_run_stats *st, pb_error *err)
{
    pb_worker_slot *slot = &p->ctl->slot[w];
    if (p->pipe_ipc)
        drain_results(p);                  /* what the dead worker sent before dying counts */
    uint64_t prog = atomic_load(&slot->progress);
    int64_t cur = pb__progress_task(prog);
    uint32_t count = pb__progress_count(prog);
    uint64_t lo = atomic_load(&slot->chunk_lo), hi = atomic_load(&slot->chunk_hi), next;
    if (cur >= 0) {
        pb_outcome *o = &p->plan->outcomes[cur];
        bool done = atomic_load((_Atomic int32_t *)&o->status) == PB_TASK_DONE;
        if (!done) {
            o->status = PB_TASK_LOST;
            o->worker = (int32_t)w;
            o->signal = (int16_t)sig;
            o->exit_status = (int16_t)exit_status;
        }
        /* arena: a task is counted in the progress word, which cur >= 0 says
         * was not updated; pipe: a task is counted when its outcome arrived */
        if (!done || !p->pipe_ipc)
            p->accounted++;
        next = (uint64_t)cur + 1;
    } else {
        next = lo + (count - atomic_load(&slot->chunk_count0));
    }
    if (!in_run)
        next = hi;                         /* between runs nothing is owed */
    pb_task_sample last;
    if (in_run && p->sampled[w] && p->ops->final_sample(p, w, &last)) {
        pb_usage used;                     /* what it used in this run before it died: kept */
        pb__usage_between_samples(&used, &p->before[w], &last);
        pb__usage_add(&p->lost_usage, &used);
    }
    p->sampled[w] = false;
    if (!p->pipe_ipc && in_run) {
        /* hint the dead worker's part of its chunk, which it never hinted */
        uint32_t n = (uint32_t)(next - lo);
        if (atomic_fetch_add(&p->sh->hint, n) + n >= p->plan->ntasks && next >= hi) {
            atomic_store(&p->sh->last_done_ns, pb_now_ns());
            atomic_store(&p->sh->finished, p->batch);
        }
    }
    atomic_store(&slot->progress, (uint64_t)count << 32);
    atomic_store(&slot->chunk_lo, 0);
    atomic_store(&slot->chunk_hi, 0);
    if (st) {
        char what[256];
        if (cur >= 0)
            snprintf(what, sizeof what, "%s worker %u %s in task %lld; replaced", p->ops->kind, w, how, (long long)cur);
        else
            snprintf(what, sizeof what, "%s worker %u %s between tasks; replaced", p->ops->kind, w, how);
        pb__stats_note(st, what);
    }
    if (next < hi) {
        if (p->pipe_ipc) {
            queue_resend(p, next, hi);
        } else {
            atomic_store(&slot->redo_lo, next);
            atomic_store(&slot->redo_hi, hi);
        }
    }
    p->replaced++;
    int rc = p->ops->spawn(p, w, err);
    if (rc == 0)
        rc = await_started(p, w, err);   /* readable (its CPU counted) before it can take a task */
    if (rc == 0 && in_run && p->before)
        p->sampled[w] = p->ops->sample(p, w, &p->before[w]) == 0 && p->ops->cpu_clock(p, w, &p->clock[w]) == 0;
    return rc;
}

/* Look for ended and overrunning workers. */
static int check_workers(pb_pool *p, bool in_run, pb_run_stats *st, pb_error *err)
{
    int64_t now = pb_now_ns();
    for (unsigned w = 0; w < p->workers; w++) {
        char how[128];
        int sig = 0, status = 0;
        if (p->ops->ended(p, w, how, sizeof how, &sig, &status)) {
            int rc = bury(p, w, how, sig, status, in_run, st, err);
            if (rc)
                return rc;
            continue;
        }
        if (!in_run || p->task_timeout_ns <= 0)
            continue;
        int64_t cur = pb__progress_task(atomic_load(&p->ctl->slot[w].progress));
        if (cur < 0)
            continue;
        int64_t started = p->pipe_ipc ? atomic_load(&p->ctl->slot[w].task_start_ns)
                                      : __atomic_load_n(&p->plan->outcomes[cur].t_start_ns, __ATOMIC_RELAXED);
        if (started == 0 || now - started <= p->task_timeout_ns)
            continue;
        if (!p->ops->kill(p, w)) {
            p->hung = true;
            snprintf(how, sizeof how, "%s worker %u has run task %lld for over %.3f s (--task-timeout) "
                     "and cannot be stopped", p->ops->kind, w, (long long)cur, (double)p->task_timeout_ns / 1e9);
            if (st)
                pb__stats_note(st, how);
            return pb_fail(err, PB_E_HUNG,
                           "%s: task %lld has run for over %.3f s in worker thread %u; a thread cannot be "
                           "stopped from outside, so parbench must stop", p->name, (long long)cur,
                           (double)p->task_timeout_ns / 1e9, w);
        }
        snprintf(how, sizeof how, "was killed after %.3f s (--task-timeout)", (double)(now - started) / 1e9);
        int rc = bury(p, w, how, SIGKILL, -1, in_run, st, err);
        if (rc)
            return rc;
    }
    return 0;
}

int pb__pool_open(pb_pool *p, const pb_pool_ops *ops, const char *name, const pb_exec_config *cfg,
                 const pb_plan *plan, void *impl, pb_error *err)
{
    memset(p, 0, sizeof *p);
    p->ops = ops;
    p->plan = plan;
    p->name = name;
    p->impl = impl;
    p->workers = cfg->workers;
    p->cfg = *cfg;
    p->pipe_ipc = cfg->ipc == PB_IPC_PIPE;
    p->task_timeout_ns = cfg->task_timeout_ns;
    p->wait = cfg->wait;
    p->idle_spin_ns = pb_wait_spin_ns(&cfg->wait, false);
    p->spin_yield = cfg->workers + 1 > pb_allowed_pus();   /* the workers and the parent */
    p->chunk = cfg->chunk ? cfg->chunk : pb__pool_default_chunk(plan->ntasks, cfg->workers);
    p->task_pipe[0] = p->task_pipe[1] = p->result_pipe[0] = p->result_pipe[1] = -1;
    if (plan->ntasks > INDEX_MASK)
        return pb_fail(err, PB_E_RANGE, "%s: at most %llu tasks", name, (unsigned long long)INDEX_MASK);

    p->sh = mmap(NULL, sizeof *p->sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p->sh == MAP_FAILED) {
        p->sh = NULL;
        return pb_fail_errno(err, PB_E_NOMEM, errno, "%s: cannot map the queue", name);
    }
    p->ctl = pb__control_create(p->workers, err);
    p->base_count = calloc(p->workers, sizeof *p->base_count);
    p->before = calloc(p->workers, sizeof *p->before);
    p->sampled = calloc(p->workers, sizeof *p->sampled);
    p->clock = calloc(p->workers, sizeof *p->clock);
    p->cpu_after = calloc(p->workers, sizeof *p->cpu_after);
    if (!p->ctl || !p->base_count || !p->before || !p->sampled || !p->clock || !p->cpu_after) {
        bool control_failed = !p->ctl;   /* pb__control_create said why; read before close clears it */
        pb__pool_close(p);
        return control_failed ? PB_E_NOMEM : pb_fail(err, PB_E_NOMEM, "%s: out of memory", name);
    }
    if (p->pipe_ipc) {
        if (pipe2(p->task_pipe, O_CLOEXEC) != 0 || pipe2(p->result_pipe, O_CLOEXEC) != 0) {
            int e = errno;
            pb__pool_close(p);
            return pb_fail_errno(err, PB_E_SYS, e, "%s: cannot create pipes", name);
        }
        /* the parent never blocks on them: it polls both while a run goes */
        fcntl(p->task_pipe[1], F_SETFL, O_NONBLOCK);
        fcntl(p->result_pipe[0], F_SETFL, O_NONBLOCK);
    }
    for (unsigned w = 0; w < p->workers; w++) {
        int rc = ops->spawn(p, w, err);
        if (rc) {
            p->workers = w;   /* stop only those that started */
            pb__pool_close(p);
            return rc;
        }
    }
    /* open returns when every worker is in its loop (its tid published) */
    for (unsigned w = 0; w < p->workers; w++) {
        int rc = await_started(p, w, err);
        if (rc) {
            pb__pool_close(p);
            return rc;
        }
    }
    return 0;
}

/* The parent spins on *addr while it holds `old`, within what is left of
 * its spin budget (*left, INT64_MAX: no bound), a slice of POLL_NS at most
 * so that workers are still checked. true: it changed. */
static bool parent_spin(pb_pool *p, _Atomic uint32_t *addr, uint32_t old, int64_t *left)
{
    if (*left <= 0)
        return false;
    int64_t slice = *left < POLL_NS ? *left : POLL_NS, t0 = pb_now_ns();
    bool changed = pb__spin_while_equal(addr, old, slice, p->spin_yield, NULL);
    if (*left != INT64_MAX)
        *left -= pb_now_ns() - t0;
    return changed;
}

/* Wait for the run to complete: arena transport. */
static int wait_arena(pb_pool *p, pb_run_stats *st, pb_error *err)
{
    struct timespec poll_ts = { 0, POLL_NS };
    int64_t spin_left = pb_wait_spin_ns(&p->wait, true);
    while (tasks_accounted(p) < p->plan->ntasks) {
        uint32_t f = atomic_load(&p->sh->finished);
        if (f != p->batch) {
            if (!parent_spin(p, &p->sh->finished, f, &spin_left) && spin_left <= 0) {
                atomic_store(&p->sh->parent_asleep, 1);   /* then read finished: see idle_wait */
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
        int rc = check_workers(p, true, st, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* Write queued chunks (resends first) into the task pipe until it is full. */
static void feed_pipe(pb_pool *p)
{
    for (;;) {
        task_msg m;
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

/* Wait for the run to complete: pipe transport (the first chunks are written). */
static int wait_pipe(pb_pool *p, pb_run_stats *st, pb_error *err)
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
                drain_results(p);
            if (feeding)
                feed_pipe(p);
            int64_t now = pb_now_ns();
            if (n == 0)
                pb__spin_relax(p->spin_yield || now - t_spin0 >= PB_SPIN_PAUSE_NS);
            if (spin_left != INT64_MAX)
                spin_left -= now - t0;
            if (now - last_check < POLL_NS)
                continue;
            last_check = now;
            if (tasks_accounted(p) >= p->plan->ntasks)
                break;
            int rc = check_workers(p, true, st, err);
            if (rc)
                return rc;
            continue;
        }
        int n = poll(fds, feeding ? 2 : 1, POLL_NS / 1000000);
        if (n > 0 && (fds[0].revents & POLLIN))
            drain_results(p);
        if (feeding)
            feed_pipe(p);
        if (tasks_accounted(p) >= p->plan->ntasks)
            break;
        int rc = check_workers(p, true, st, err);
        if (rc)
            return rc;
    }
    if (!atomic_load(&p->sh->last_done_ns))
        atomic_store(&p->sh->last_done_ns, pb_now_ns());
    return 0;
}

int pb__pool_execute(pb_pool *p, pb_run_stats *st, pb_error *err)
{
    int rc = check_workers(p, false, st, err);   /* anything that died while idle */
    if (rc)
        return rc;
    /* workers are read before the parent's own meter starts and after it
     * stops, so that reading them is counted nowhere */
    for (unsigned w = 0; w < p->workers; w++) {
        p->base_count[w] = pb__progress_count(atomic_load(&p->ctl->slot[w].progress));
        p->sampled[w] = p->ops->sample(p, w, &p->before[w]) == 0 && p->ops->cpu_clock(p, w, &p->clock[w]) == 0;
    }
    /* CPU clocks last, right before the run: the readings above take tens
     * of microseconds, during which a spinning worker would be counted */
    for (unsigned w = 0; w < p->workers; w++)
        if (p->sampled[w])
            p->before[w].cpu_ns = clock_ns(p->clock[w], p->before[w].cpu_ns);
    pb_thread_meter meter;
    pb__meter_begin(&meter);
    p->accounted = p->received = 0;
    p->replaced = 0;
    memset(&p->lost_usage, 0, sizeof p->lost_usage);
    p->resend_count = 0;
    atomic_store(&p->sh->hint, 0);
    atomic_store(&p->ctl->seq, 0);
    atomic_store(&p->sh->last_done_ns, 0);
    st->chunk = p->chunk;

    atomic_store(&p->sh->resting, 0);   /* a run: workers may spin again */
    st->t_start = pb_now_ns();
    p->batch = (p->batch + 1) & BATCH_MASK;
    if (p->batch == 0)
        p->batch = 1;
    if (p->pipe_ipc) {
        p->pending_lo = 0;
        p->pending_hi = p->plan->ntasks;
        feed_pipe(p);                      /* spawn ends when workers can take tasks: the first chunks written */
        st->t_gate = pb_now_ns();
        rc = wait_pipe(p, st, err);
    } else {
        uint64_t chunks = (p->plan->ntasks + p->chunk - 1) / p->chunk;
        atomic_store(&p->sh->mode, PB_POOL_PLAN);
        atomic_store(&p->sh->claim, (uint64_t)p->batch << INDEX_BITS);
        atomic_store(&p->sh->batch, p->batch);
        if (atomic_load(&p->sh->sleepers))   /* spinning workers need no wake-up */
            pb__futex_wake(&p->sh->batch, chunks < p->workers ? (int)chunks : (int)p->workers);
        st->t_gate = pb_now_ns();
        rc = wait_arena(p, st, err);
    }
    st->t_end = pb_now_ns();
    int64_t last = atomic_load(&p->sh->last_done_ns);
    st->t_work_end = (last && last <= st->t_end && last >= st->t_gate) ? last : st->t_end;
    st->replaced = p->replaced;
    snprintf(st->bind_refusal, sizeof st->bind_refusal, "%s", pb__control_bind_refusal(p->ctl));

    pb__meter_end(&meter, &st->usage);   /* the parent's own part */
    int64_t *cpu_after = p->cpu_after;  /* CPU clocks first, right after the run */
    for (unsigned w = 0; w < p->workers; w++)
        cpu_after[w] = p->sampled[w] ? clock_ns(p->clock[w], -1) : -1;
    st->usage.maxrss_kb = 0;            /* peak RSS: the largest worker's (a thread's is its process's) */
    pb__usage_add(&st->usage, &p->lost_usage);
    for (unsigned w = 0; w < p->workers; w++) {
        pb_task_sample after;
        if (!p->sampled[w] || cpu_after[w] < 0 || p->ops->sample(p, w, &after) != 0)
            continue;
        after.cpu_ns = cpu_after[w];
        pb_usage used;
        pb__usage_between_samples(&used, &p->before[w], &after);
        pb__usage_add(&st->usage, &used);
    }
    if (rc == 0 && p->replaced)
        rc = pb_fail(err, PB_E_WORKER, "%s: %s", p->name, st->note);
    return rc;
}

/* A lean batch (mode and its fields already written): publish, wait. */
static int run_lean(pb_pool *p, uint64_t total, uint64_t wake, pb_error *err)
{
    if (p->pipe_ipc)
        return pb_fail(err, PB_E_UNSUPP, "%s: function batches need the arena transport", p->name);
    if (total > INDEX_MASK || total > UINT32_MAX)
        return pb_fail(err, PB_E_RANGE, "%s: at most %u tasks in a batch", p->name, UINT32_MAX);
    pb_pool_shared *sh = p->sh;
    atomic_store(&sh->hint, 0);
    atomic_store(&sh->resting, 0);
    p->batch = (p->batch + 1) & BATCH_MASK;
    if (p->batch == 0)
        p->batch = 1;
    atomic_store(&sh->claim, (uint64_t)p->batch << INDEX_BITS);
    atomic_store(&sh->batch, p->batch);
    if (atomic_load(&sh->sleepers))
        pb__futex_wake(&sh->batch, wake < p->workers ? (int)wake : (int)p->workers);
    struct timespec poll_ts = { 0, POLL_NS };
    int64_t spin_left = pb_wait_spin_ns(&p->wait, true), next_check = pb_now_ns() + POLL_NS;
    for (;;) {
        uint32_t f = atomic_load(&sh->finished);
        if (f == p->batch)
            return 0;
        if (!parent_spin(p, &sh->finished, f, &spin_left) && spin_left <= 0) {
            atomic_store(&sh->parent_asleep, 1);
            if (atomic_load(&sh->finished) == f)
                pb__futex_wait(&sh->finished, f, &poll_ts);
            atomic_store(&sh->parent_asleep, 0);
        }
        if (pb_now_ns() < next_check)
            continue;
        next_check = pb_now_ns() + POLL_NS;
        for (unsigned w = 0; w < p->workers; w++) {
            char how[128];
            int sig, status;
            if (p->ops->ended(p, w, how, sizeof how, &sig, &status))
                return pb_fail(err, PB_E_WORKER, "%s: worker %u %s during a function batch", p->name, w, how);
        }
    }
}

int pb__pool_run_tasks(pb_pool *p, uint64_t ntasks, uint64_t chunk, pb_pool_task_fn fn, void *arg, pb_error *err)
{
    if (ntasks == 0)
        return 0;
    uint64_t c = chunk ? chunk : pb__pool_default_chunk(ntasks, p->workers);
    atomic_store(&p->sh->mode, PB_POOL_FUNCTION);
    atomic_store(&p->sh->fn_tasks, ntasks);
    atomic_store(&p->sh->fn_chunk, c);
    atomic_store(&p->sh->task_fn, fn);
    atomic_store(&p->sh->fn_arg, arg);
    return run_lean(p, ntasks, (ntasks + c - 1) / c, err);
}

int pb__pool_run_team(pb_pool *p, pb_pool_team_fn fn, void *arg, pb_error *err)
{
    atomic_store(&p->sh->mode, PB_POOL_TEAM);
    atomic_store(&p->sh->team_fn, fn);
    atomic_store(&p->sh->fn_arg, arg);
    return run_lean(p, p->workers, p->workers, err);
}

void pb__pool_barrier(pb_pool *p)
{
    pb_pool_shared *sh = p->sh;
    uint32_t gen = atomic_load(&sh->bar_gen);
    if (atomic_fetch_add(&sh->bar_count, 1) + 1 == p->workers) {
        atomic_store(&sh->bar_count, 0);   /* nobody arrives again before gen moves */
        atomic_store(&sh->bar_gen, gen + 1);
        if (atomic_load(&sh->bar_sleepers))
            pb__futex_wake(&sh->bar_gen, INT_MAX);
        return;
    }
    if (pb__spin_while_equal(&sh->bar_gen, gen, pb_wait_spin_ns(&p->wait, true), p->spin_yield, NULL))
        return;
    atomic_fetch_add(&sh->bar_sleepers, 1);   /* then read bar_gen: as idle_wait */
    while (atomic_load(&sh->bar_gen) == gen)
        pb__futex_wait(&sh->bar_gen, gen, NULL);
    atomic_fetch_sub(&sh->bar_sleepers, 1);
}

pb_pool *pb__pool_of(pb_exec *ex)
{
    if (ex->backend != &pb_backend_thread_pool && ex->backend != &pb_backend_process_pool)
        return NULL;
    return ex->state;   /* both keep their pb_pool first */
}

void pb__pool_rest(pb_pool *p)
{
    if (p->sh)
        atomic_store(&p->sh->resting, 1);
}

void pb__pool_close(pb_pool *p)
{
    if (p->sh) {
        atomic_store(&p->sh->resting, 1);   /* spinners stop spinning, then see stop */
        atomic_store(&p->sh->stop, 1);
        pb__futex_wake(&p->sh->batch, INT_MAX);
    }
    if (p->task_pipe[1] >= 0) {
        close(p->task_pipe[1]);            /* workers read end of file and leave */
        p->task_pipe[1] = -1;
    }
    if (p->ctl) {
        /* a stuck thread never leaves: give it little time, and it is left running */
        int64_t deadline = pb_now_ns() + (p->hung ? CLOSE_GRACE_NS / 20 : CLOSE_GRACE_NS);
        for (unsigned w = 0; w < p->workers; w++)
            p->ops->reap(p, w, deadline);
    }
    if (p->hung)
        return;   /* the stuck thread still uses all of this: the process's exit ends it */
    for (int i = 0; i < 2; i++) {
        if (p->task_pipe[i] >= 0)
            close(p->task_pipe[i]);
        if (p->result_pipe[i] >= 0)
            close(p->result_pipe[i]);
        p->task_pipe[i] = p->result_pipe[i] = -1;
    }
    pb__control_destroy(p->ctl);
    if (p->sh)
        munmap(p->sh, sizeof *p->sh);
    p->ctl = NULL;
    p->sh = NULL;
    free(p->base_count);
    free(p->before);
    free(p->sampled);
    free(p->clock);
    free(p->cpu_after);
    free(p->resend);
    p->base_count = NULL;
    p->before = NULL;
    p->sampled = NULL;
    p->clock = NULL;
    p->cpu_after = NULL;
    p->resend = NULL;
}
