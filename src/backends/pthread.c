/* pthread: W threads created for each run, each given a static block of
 * tasks, released together by the start gate and joined at the end. The
 * per-run cost it exposes is pthread_create and pthread_join.
 *
 * A thread cannot be isolated: a task that crashes ends parbench (loudly,
 * finished results kept); a task that ends its thread (pthread_exit) is
 * reported and its block's remaining tasks are left undone; a task that
 * overruns --task-timeout cannot be stopped, so the run is reported and
 * parbench stops. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/worker/crash.h"
#include "backends/worker/gate.h"
#include "backends/worker/usage.h"
#include "parbench/backend.h"
#include "parbench/clock.h"

typedef struct worker_arg {
    const pb_plan *plan;
    pb_control *ctl;
    const pb_exec_config *cfg;
    unsigned index;
} worker_arg;

typedef struct pthread_state {
    pb_control *ctl;
    pthread_t *threads;
    worker_arg *args;
    bool *joined;
    const pb_plan *plan;
    unsigned started;
    int64_t timeout_ns;
    pb_run_stats *st;
    bool hung;
} pthread_state;

static void *worker_main(void *p)
{
    worker_arg *a = p;
    pb_worker_slot *slot = &a->ctl->slot[a->index];
    atomic_store(&slot->tid, (int32_t)gettid());
    pb__slot_bind(a->ctl, a->cfg, a->index);   /* before the gate: binding is not timed as work */
    if (pb__gate_arrive(a->ctl)) {
        size_t first, last;
        pb_static_block(a->plan->ntasks, a->ctl->workers, a->index, &first, &last);
        for (size_t i = first; i < last; i++)
            pb__slot_run_task(slot, &a->ctl->seq, a->plan, i, a->index);
        pb__worker_done(a->ctl, a->index);
    }
    pb__usage_of_thread(&slot->usage);
    atomic_store(&slot->finished, 1);
    return NULL;
}

/* Worker w's thread has been joined without finishing: a task ended it. */
static void report_thread_exit(pthread_state *s, pb_run_stats *st, unsigned w)
{
    char what[160];
    int64_t cur = pb__progress_task(atomic_load(&s->ctl->slot[w].progress));
    snprintf(what, sizeof what, "thread worker %u ended its thread (pthread_exit) in task %lld", w, (long long)cur);
    pb__stats_note(st, what);
    pb__slot_mark_lost(s->ctl, s->plan, w, 0, -2);
}

/* While waiting for the workers: threads that ended early, tasks that overran. */
static int check_threads(void *arg, int64_t timeout_ns)
{
    pthread_state *s = arg;
    unsigned alive = 0;
    for (unsigned w = 0; w < s->started; w++) {
        if (s->joined[w] || atomic_load(&s->ctl->slot[w].done_ns))
            continue;
        if (pthread_tryjoin_np(s->threads[w], NULL) == 0) {
            s->joined[w] = true;
            report_thread_exit(s, s->st, w);
            continue;
        }
        int64_t task, ran = pb__slot_overrun(s->ctl, s->plan, w, timeout_ns, &task);
        if (ran) {
            char what[200];
            snprintf(what, sizeof what, "thread worker %u has run task %lld for %.3f s (--task-timeout) and cannot be stopped",
                     w, (long long)task, (double)ran / 1e9);
            pb__stats_note(s->st, what);
            s->hung = true;
            return PB_E_HUNG;
        }
        alive++;
    }
    return alive ? 0 : 1;   /* 1: nobody left to wait for */
}

static void pt_close(pb_exec *ex)
{
    pthread_state *s = ex->state;
    if (!s)
        return;
    pb__crash_guard_remove();
    if (s->hung)
        return;   /* a stuck thread still uses its slot and arguments: keep them */
    pb__control_destroy(s->ctl);
    free(s->threads);
    free(s->args);
    free(s->joined);
    free(s);
    ex->state = NULL;
}

static int pt_open(pb_exec *ex, const pb_plan *plan, pb_error *err)
{
    (void)plan;
    unsigned W = ex->config.workers;
    pthread_state *s = calloc(1, sizeof *s);
    if (!s)
        return pb_fail(err, PB_E_NOMEM, "pthread: out of memory");
    ex->state = s;
    pb__crash_guard_install("its pthread worker is a thread, which cannot be isolated from its process");
    s->threads = calloc(W, sizeof *s->threads);
    s->args = calloc(W, sizeof *s->args);
    s->joined = calloc(W, sizeof *s->joined);
    s->ctl = pb__control_create(W, err);
    if (!s->threads || !s->args || !s->joined || !s->ctl) {
        bool control_failed = !s->ctl;   /* read before close frees s */
        pt_close(ex);
        return control_failed ? PB_E_NOMEM : pb_fail(err, PB_E_NOMEM, "pthread: out of memory");
    }
    return 0;
}

static int pt_execute(pb_exec *ex, const pb_plan *plan, pb_run_stats *st, pb_error *err)
{
    pthread_state *s = ex->state;
    unsigned W = ex->config.workers;
    int rc = 0;
    pb_thread_meter meter;

    pb__control_reset(s->ctl);
    memset(s->joined, 0, W * sizeof *s->joined);
    s->plan = plan;
    s->st = st;
    s->timeout_ns = ex->config.task_timeout_ns;
    st->chunk = (plan->ntasks + W - 1) / W;
    pb__meter_begin(&meter);
    st->t_start = pb_now_ns();
    for (s->started = 0; s->started < W; s->started++) {
        s->args[s->started] = (worker_arg){ .plan = plan, .ctl = s->ctl, .cfg = &ex->config, .index = s->started };
        int e = pthread_create(&s->threads[s->started], NULL, worker_main, &s->args[s->started]);
        if (e) {
            rc = pb_fail_errno(err, PB_E_WORKER, e, "pthread: cannot create worker %u of %u",
                               s->started + 1, W);
            pb__stats_note(st, err->msg);
            break;
        }
    }
    if (rc == 0)
        pb__gate_wait_ready(s->ctl, 1000, NULL, NULL);
    st->t_gate = pb_now_ns();
    pb__gate_release(s->ctl, rc ? PB_GATE_ABORT : PB_GATE_OPEN);
    if (rc == 0 && s->timeout_ns > 0) {
        /* only a timeout needs watching; otherwise joining is the wait (one wake-up fewer) */
        int wrc = pb__wait_workers_done(s->ctl, s->timeout_ns, check_threads, s);
        if (wrc == PB_E_HUNG) {
            st->t_work_end = st->t_end = pb_now_ns();
            pb__meter_end(&meter, &st->usage);
            for (unsigned w = 0; w < s->started; w++)   /* join who is done; leave the stuck running */
                if (!s->joined[w] && pthread_tryjoin_np(s->threads[w], NULL) != 0)
                    pthread_detach(s->threads[w]);
            return pb_fail(err, PB_E_HUNG, "pthread: %s", st->note);
        }
    }
    for (unsigned w = 0; w < s->started; w++) {
        if (s->joined[w])
            continue;
        pthread_join(s->threads[w], NULL);
        if (!atomic_load(&s->ctl->slot[w].finished))   /* it left through pthread_exit in a task */
            report_thread_exit(s, st, w);
    }
    st->t_end = pb_now_ns();
    pb__meter_end(&meter, &st->usage);   /* maxrss: the process's, threads share it */

    int64_t last = pb__control_last_done(s->ctl);
    st->t_work_end = last ? last : st->t_gate;
    snprintf(st->bind_refusal, sizeof st->bind_refusal, "%s", pb__control_bind_refusal(s->ctl));
    st->bind_ns = pb__control_bind_ns(s->ctl);   /* inside spawn: a worker binds itself once it exists */
    for (unsigned w = 0; w < s->started; w++)
        pb__usage_add(&st->usage, &s->ctl->slot[w].usage);
    if (rc == 0 && st->note[0])
        rc = pb_fail(err, PB_E_WORKER, "pthread: %s", st->note);
    return rc;
}

const pb_backend pb_backend_pthread = {
    .name = "pthread",
    .summary = "W threads created per run, static blocks of tasks, joined at the end",
    .ipc_mask = 1u << PB_IPC_ARENA,
    .open = pt_open,
    .execute = pt_execute,
    .close = pt_close,
};
