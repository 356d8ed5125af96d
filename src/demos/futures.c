/* Demo futures (000/001/004): Notes 000/001/004: ProcessPoolExecutor's as_completed, a failing task and a timeout. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "narrate.h"

/* Outcomes of one run through the process pool, kept for a demo. */
typedef struct futures_run {
    pb_outcome out[64];
    size_t n;
    uint64_t run_id;
} futures_run;

static int keep_outcomes(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec,
                         pb_error *err)
{
    (void)cfg, (void)rec, (void)err;
    futures_run *f = user;
    f->n = plan->ntasks < 64 ? plan->ntasks : 64;
    memcpy(f->out, plan->outcomes, f->n * sizeof f->out[0]);
    return 0;
}

static futures_run futures_once(pb_demo_ctx *c, const char *spec, int64_t timeout_ns)
{
    futures_run f = { .n = 0 };
    f.run_id = pb__run_spec(c, spec, (pb_config){ .backend = &pb_backend_process_pool, .workers = 8, .chunk = 1,
                                .task_timeout_ns = timeout_ns }, keep_outcomes, &f);
    return f;
}

/* Notes 000/001/004: ProcessPoolExecutor, as_completed, a timeout, a failing task. */
static void demo_futures(pb_demo_ctx *c)
{
    int scale = c->quick ? 1 : 10;
    char spec[128];
    pb__say(c, _("Notes 000/001/004: eight tasks (simulated downloads: sleeps of random length) submitted to a pool "
           "of eight processes; as_completed yields them as they finish."));
    snprintf(spec, sizeof spec, "sleep-square:tasks=8,min_ms=%d,max_ms=%d,seed=3", 5 * scale, 40 * scale);
    futures_run f = futures_once(c, spec, 0);
    size_t order[64];
    for (size_t i = 0; i < f.n; i++)
        order[i] = i;
    for (size_t i = 1; i < f.n; i++)   /* by completion order */
        for (size_t j = i; j > 0 && f.out[order[j]].seq < f.out[order[j - 1]].seq; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    size_t done = 0;
    for (size_t k = 0; k < f.n; k++) {
        const pb_outcome *o = &f.out[order[k]];
        done += o->status == PB_TASK_DONE;
        pb__show(c, _("  finished #%zu: task %zu (slept %4.0f ms) -> %llu\n"),
               k + 1, order[k], (double)o->sleep_ns / 1e6, (unsigned long long)o->value);
        char what[32];
        snprintf(what, sizeof what, "task %zu", order[k]);
        pb__record(c, what, "finished_as", (double)(k + 1), "count", NAN, f.run_id);
        pb__record(c, what, "sleep_s", (double)o->sleep_ns / 1e9, "s", NAN, f.run_id);
    }
    pb__fact(c, done == 8, _("a task did not finish"));
    /* as_completed's order is the completion order: each task in it ended no earlier than the one before
     * (1 ms: two workers stamping their ends and taking their places in the order at nearly the same
     * moment may swap by microseconds), and it is not the order of submission */
    int misordered = 0, submitted_order = 1;
    for (size_t k = 1; k < f.n; k++) {
        misordered += f.out[order[k]].t_end_ns + 1000000 < f.out[order[k - 1]].t_end_ns;
        submitted_order &= order[k] > order[k - 1];
    }
    pb__record(c, "as_completed", "out_of_completion_order", misordered, "count", 0, f.run_id);
    pb__fact(c, f.n == 8 && misordered == 0 && !submitted_order, _("as_completed did not yield the tasks in the order they finished"));

    pb__say(c, _("\nNow task 2 fails (its worker exits, like an exception in the notes) and task 5 hangs past a timeout:"));
    snprintf(spec, sizeof spec, "sleep-square:tasks=8,min_ms=%d,max_ms=%d,seed=3,fault=exit@2", 5 * scale, 40 * scale);
    futures_run failing = futures_once(c, spec, 0);
    snprintf(spec, sizeof spec, "sleep-square:tasks=8,min_ms=%d,max_ms=%d,seed=3,fault=hang@5", 5 * scale, 40 * scale);
    int64_t timeout = (int64_t)(100 * scale) * 1000000;
    futures_run hanging = futures_once(c, spec, timeout);
    size_t ok_fail = 0, ok_hang = 0;
    for (size_t i = 0; i < 8; i++) {
        ok_fail += failing.out[i].status == PB_TASK_DONE;
        ok_hang += hanging.out[i].status == PB_TASK_DONE;
    }
    const pb_outcome *e = &failing.out[2], *h = &hanging.out[5];
    pb__show(c, _("  task 2: failed (its worker exited with status %d); the other %zu succeeded\n"),
           e->exit_status, ok_fail);
    pb__show(c, _("  task 5: timed out after %d ms (killed by signal %d); the other %zu succeeded\n"),
           100 * scale, h->signal, ok_hang);
    pb__record(c, "task 2 fails", "exit_status", e->exit_status, "count", 3, failing.run_id);
    pb__record(c, "task 2 fails", "others_done", (double)ok_fail, "count", 7, failing.run_id);
    pb__record(c, "task 5 hangs", "signal", h->signal, "count", SIGKILL, hanging.run_id);
    pb__record(c, "task 5 hangs", "others_done", (double)ok_hang, "count", 7, hanging.run_id);
    pb__record(c, "task 5 hangs", "timeout_s", (double)timeout / 1e9, "s", NAN, hanging.run_id);
    pb__say(c, _("Lesson: results come back as tasks finish, not as they were submitted; a pool of processes reports a "
           "failing or overrunning task and replaces its worker, while every other task still completes."));
    pb__fact(c, failing.n == 8 && e->status == PB_TASK_LOST && e->exit_status == 3 && ok_fail == 7, _("the failing task was not reported alone"));
    pb__fact(c, hanging.n == 8 && h->status == PB_TASK_LOST && h->signal == SIGKILL && ok_hang == 7, _("the timeout did not fire alone"));
}

const pb_demo pb_demo_futures = {
    .name = "futures",
    .notes = "000/001/004",
    .summary = N_("as_completed order, a failing task and a timeout in a process pool"),
    .run = demo_futures,
};
