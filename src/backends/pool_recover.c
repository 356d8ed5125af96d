/* The pool's dead and overrunning workers: a worker that ended (or was
 * killed past --task-timeout) has its task accounted, the rest of its
 * chunk handed on, and a replacement started in its place. */
#include "pool_internal.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "parbench/clock.h"

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

int pb__pool_await_started(pb_pool *p, unsigned w, pb_error *err)
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
        pb__pool_drain_results(p);   /* what the dead worker sent before dying counts */
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
        rc = pb__pool_await_started(p, w, err);   /* readable (its CPU counted) before it can take a task */
    if (rc == 0 && in_run && p->before)
        p->sampled[w] = p->ops->sample(p, w, &p->before[w]) == 0 && p->ops->cpu_clock(p, w, &p->clock[w]) == 0;
    return rc;
}

int pb__pool_check_workers(pb_pool *p, bool in_run, pb_run_stats *st, pb_error *err)
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
