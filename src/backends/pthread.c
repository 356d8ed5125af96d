/* pthread: W threads created for each run, each given a static block of
 * tasks, released together by the start gate and joined at the end. The
 * per-run cost it exposes is pthread_create and pthread_join.
 *
 * A thread cannot be isolated: a task that crashes takes the whole process
 * with it, and a task that hangs hangs the run. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gate.h"
#include "core/usage.h"
#include "parbench/backend.h"
#include "parbench/clock.h"

typedef struct worker_arg {
    const pb_plan *plan;
    pb_control *ctl;
    unsigned index;
} worker_arg;

typedef struct pthread_state {
    pb_control *ctl;
    pthread_t *threads;
    worker_arg *args;
} pthread_state;

static void *worker_main(void *p)
{
    worker_arg *a = p;
    if (pb_gate_arrive(a->ctl)) {
        size_t first, last;
        pb_static_block(a->plan->ntasks, a->ctl->workers, a->index, &first, &last);
        for (size_t i = first; i < last; i++)
            pb_run_one_task(a->plan, i, (int)a->index, &a->plan->outcomes[i]);
        pb_worker_done(a->ctl, a->index);
    }
    pb_usage_of_thread(&a->ctl->slot[a->index].usage);
    return NULL;
}

static void pthread_close(pb_exec *ex)
{
    pthread_state *s = ex->state;
    if (!s)
        return;
    pb_control_destroy(s->ctl);
    free(s->threads);
    free(s->args);
    free(s);
    ex->state = NULL;
}

static int pthread_open(pb_exec *ex, const pb_plan *plan, pb_error *err)
{
    (void)plan;
    unsigned W = ex->config.workers;
    pthread_state *s = calloc(1, sizeof *s);
    if (!s)
        return pb_fail(err, PB_E_NOMEM, "pthread: out of memory");
    ex->state = s;
    s->threads = calloc(W, sizeof *s->threads);
    s->args = calloc(W, sizeof *s->args);
    s->ctl = pb_control_create(W, err);
    if (!s->threads || !s->args || !s->ctl) {
        pthread_close(ex);
        return s->ctl ? pb_fail(err, PB_E_NOMEM, "pthread: out of memory") : PB_E_NOMEM;
    }
    return 0;
}

static int pthread_execute(pb_exec *ex, const pb_plan *plan, pb_run_stats *st, pb_error *err)
{
    pthread_state *s = ex->state;
    unsigned W = ex->config.workers, started = 0;
    int rc = 0;
    pb_thread_meter meter;

    pb_control_reset(s->ctl);
    pb_meter_begin(&meter);
    st->t_start = pb_now_ns();
    for (; started < W; started++) {
        s->args[started] = (worker_arg){ .plan = plan, .ctl = s->ctl, .index = started };
        int e = pthread_create(&s->threads[started], NULL, worker_main, &s->args[started]);
        if (e) {
            rc = pb_fail_errno(err, PB_E_WORKER, e, "pthread: cannot create worker %u of %u",
                               started + 1, W);
            snprintf(st->note, sizeof st->note, "%s", err->msg);
            break;
        }
    }
    if (rc == 0)
        pb_gate_wait_ready(s->ctl, 1000, NULL, NULL);
    st->t_gate = pb_now_ns();
    pb_gate_release(s->ctl, rc ? PB_GATE_ABORT : PB_GATE_OPEN);
    for (unsigned w = 0; w < started; w++)
        pthread_join(s->threads[w], NULL);
    st->t_end = pb_now_ns();
    pb_meter_end(&meter, &st->usage);   /* maxrss: the process's, threads share it */

    int64_t last = pb_control_last_done(s->ctl);
    st->t_work_end = last ? last : st->t_gate;
    for (unsigned w = 0; w < started; w++)
        pb_usage_add(&st->usage, &s->ctl->slot[w].usage);
    return rc;
}

const pb_backend pb_backend_pthread = {
    .name = "pthread",
    .summary = "W threads created per run, static blocks of tasks, joined at the end",
    .shares_memory = true,
    .open = pthread_open,
    .execute = pthread_execute,
    .close = pthread_close,
};
