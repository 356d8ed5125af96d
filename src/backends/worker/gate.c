#include "backends/worker/gate.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/futex.h"
#include "parbench/clock.h"
#include "parbench/machine.h"
#include "parbench/topology.h"

void pb__slot_bind(pb_control *c, const pb_exec_config *cfg, unsigned w)
{
    pb_worker_slot *slot = &c->slot[w];
    const pb_worker_place *wp = pb_exec_place(cfg, w);
    if (!wp) {
        atomic_store(&slot->bind_ns, 0);
        return;
    }
    pb_error err;
    int64_t t0 = pb_now_ns();
    int rc = pb_bind_self(wp, &err);
    atomic_store(&slot->bind_ns, pb_now_ns() - t0);
    uint32_t none = 0;
    if (rc != 0 && atomic_compare_exchange_strong(&c->bind_refused, &none, 1)) {
        snprintf(c->bind_refusal, sizeof c->bind_refusal, "%s", err.msg);
        atomic_store_explicit(&c->bind_refused, 2, memory_order_release);
    }
}

int64_t pb__control_bind_ns(const pb_control *c)
{
    int64_t longest = 0;
    for (unsigned w = 0; w < c->workers; w++) {
        int64_t t = atomic_load(&((pb_control *)c)->slot[w].bind_ns);
        if (t > longest)
            longest = t;
    }
    return longest;
}

const char *pb__control_bind_refusal(const pb_control *c)
{
    return atomic_load_explicit(&((pb_control *)c)->bind_refused, memory_order_acquire) == 2 ? c->bind_refusal : "";
}

void pb__slot_run_task(pb_worker_slot *slot, _Atomic uint32_t *seq, const pb_plan *plan, size_t task,
                      unsigned worker)
{
    uint64_t count = atomic_load_explicit(&slot->progress, memory_order_relaxed) >> 32;
    atomic_store_explicit(&slot->progress, count << 32 | (uint64_t)(task + 1), memory_order_release);
    pb_run_one_task(plan, task, (int)worker, &plan->outcomes[task]);
    plan->outcomes[task].seq = atomic_fetch_add(seq, 1) + 1;
    atomic_store_explicit(&slot->progress, (count + 1) << 32, memory_order_release);
}

pb_control *pb__control_create(unsigned workers, pb_error *err)
{
    size_t bytes = offsetof(pb_control, slot) + (size_t)workers * sizeof(pb_worker_slot);
    pb_control *c = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED) {
        pb_fail_errno(err, PB_E_NOMEM, errno, "cannot map the control block for %u workers", workers);
        return NULL;
    }
    c->workers = workers;
    c->bytes = bytes;
    /* with a free PU for every worker and the parent, waiting awake costs nobody */
    c->spin_ns = workers < pb_allowed_pus() ? 50000 : 0;
    pb__control_reset(c);
    return c;
}

void pb__control_destroy(pb_control *c)
{
    if (c)
        munmap(c, c->bytes);
}

void pb__control_reset(pb_control *c)
{
    atomic_store(&c->ready, 0);
    atomic_store(&c->state, PB_GATE_CLOSED);
    atomic_store(&c->done_workers, 0);
    atomic_store(&c->seq, 0);
    atomic_store(&c->bind_refused, 0);
    c->bind_refusal[0] = '\0';
    memset(c->slot, 0, (size_t)c->workers * sizeof(pb_worker_slot));
}

bool pb__gate_arrive(pb_control *c)
{
    if (atomic_fetch_add(&c->ready, 1) + 1 == c->workers)
        pb__futex_wake(&c->ready, INT_MAX);
    uint32_t s;
    if (c->spin_ns) {   /* a PU is free for each worker: wait for the gate awake, briefly */
        int64_t until = pb_now_ns() + c->spin_ns;
        while (atomic_load(&c->state) == PB_GATE_CLOSED && pb_now_ns() < until)
            __builtin_ia32_pause();
    }
    while ((s = atomic_load(&c->state)) == PB_GATE_CLOSED)
        pb__futex_wait(&c->state, PB_GATE_CLOSED, NULL);
    return s == PB_GATE_OPEN;
}

int pb__gate_wait_ready(pb_control *c, int poll_ms, int (*give_up)(void *), void *arg)
{
    struct timespec poll = { .tv_sec = poll_ms / 1000, .tv_nsec = (long)(poll_ms % 1000) * 1000000 };
    uint32_t r;
    while ((r = atomic_load(&c->ready)) < c->workers) {
        pb__futex_wait(&c->ready, r, &poll);
        if (give_up && atomic_load(&c->ready) < c->workers) {
            int rc = give_up(arg);
            if (rc)
                return rc;
        }
    }
    return 0;
}

void pb__gate_release(pb_control *c, uint32_t state)
{
    atomic_store(&c->state, state);
    pb__futex_wake(&c->state, INT_MAX);
}

void pb__worker_done(pb_control *c, unsigned worker)
{
    atomic_store(&c->slot[worker].done_ns, pb_now_ns());
    if (atomic_fetch_add(&c->done_workers, 1) + 1 == c->workers)
        pb__futex_wake(&c->done_workers, INT_MAX);
}

int pb__wait_workers_done(pb_control *c, int64_t task_timeout_ns, int (*check)(void *, int64_t), void *arg)
{
    struct timespec poll = { 0, 10000000 };
    uint32_t d;
    while ((d = atomic_load(&c->done_workers)) < c->workers) {
        pb__futex_wait(&c->done_workers, d, &poll);
        if (atomic_load(&c->done_workers) >= c->workers)
            break;
        int rc = check(arg, task_timeout_ns);
        if (rc)
            return rc;
    }
    return 0;
}

int64_t pb__slot_overrun(const pb_control *c, const pb_plan *plan, unsigned w, int64_t timeout_ns, int64_t *task)
{
    if (timeout_ns <= 0)
        return 0;
    int64_t cur = pb__progress_task(atomic_load(&((pb_control *)c)->slot[w].progress));
    if (cur < 0)
        return 0;
    int64_t started = __atomic_load_n(&plan->outcomes[cur].t_start_ns, __ATOMIC_RELAXED);
    if (started == 0)
        return 0;   /* the task is about to stamp its start */
    int64_t ran = pb_now_ns() - started;
    *task = cur;
    return ran > timeout_ns ? ran : 0;
}

void pb__slot_mark_lost(pb_control *c, const pb_plan *plan, unsigned w, int sig, int exit_status)
{
    int64_t cur = pb__progress_task(atomic_load(&c->slot[w].progress));
    if (cur < 0)
        return;
    pb_outcome *o = &plan->outcomes[cur];
    if (o->status == PB_TASK_DONE)
        return;
    o->status = PB_TASK_LOST;
    o->worker = (int32_t)w;
    o->signal = (int16_t)sig;
    o->exit_status = (int16_t)exit_status;
}

void pb__stats_note(pb_run_stats *st, const char *what)
{
    size_t len = strlen(st->note);
    if (len < sizeof st->note - 1)
        snprintf(st->note + len, sizeof st->note - len, "%s%s", len ? "; " : "", what);
}

int64_t pb__control_last_done(const pb_control *c)
{
    int64_t last = 0;
    for (unsigned w = 0; w < c->workers; w++) {
        int64_t t = atomic_load(&((pb_control *)c)->slot[w].done_ns);
        if (t > last)
            last = t;
    }
    return last;
}
