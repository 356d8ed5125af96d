/* Demo futures (000/001/004): as_completed yields results as they finish;
 * then what a failing task, a timeout and a dead worker do, under Python's
 * ProcessPoolExecutor's rules (modelled in executor.c) and under parbench's
 * own process pool, each named. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "executor.h"
#include "narrate.h"
#include "parbench/clock.h"

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

/* Python's executor, as executor.c models it: an exception comes back
 * through result() and its worker goes on; as_completed(timeout=) stops
 * the waiting, not the task; a worker that dies breaks the whole pool. */
static void python_executor(pb_demo_ctx *c, int scale)
{
    pb__say(c, _("\nPython's ProcessPoolExecutor, by its rules (a model in C, named as such): 4 workers, 8 tasks; task "
                 "2 raises an exception."));
    pb__task_kind kind[8] = { 0 };
    int sleep_ms[8];
    for (int i = 0; i < 8; i++)
        sleep_ms[i] = (5 + 4 * i) * scale;
    kind[2] = PB__TASK_RAISES;
    pb__executor e;
    bool raised_ok = false, worker_lived = false;
    int done = 0;
    if (pb__executor_start(&e, 4, 8, kind, sleep_ms) == 0) {
        pb__executor_wait(&e, -1);
        const pb__future *f2 = &e.future[2];
        for (int i = 0; i < 8; i++) {
            done += e.future[i].state == PB__FUTURE_DONE;
            worker_lived |= i != 2 && e.future[i].worker_pid == f2->worker_pid && e.future[i].done_ns > f2->done_ns;
        }
        raised_ok = f2->state == PB__FUTURE_RAISED;
        pb__show(c, _("  task 2: result() raised its exception; its worker (pid %d) %s; the other %d returned\n"),
                 f2->worker_pid, worker_lived ? _("went on to run another task") : _("ran nothing after it"), done);
        pb__executor_shutdown(&e);
    }
    pb__record(c, "python: task 2 raises", "others_done", done, "count", 7, 0);
    pb__record(c, "python: task 2 raises", "worker_lived", worker_lived, "flag", NAN, 0);
    pb__fact(c, raised_ok && done == 7, _("the exception did not come back through result() alone"));

    /* as_completed(timeout=T): one task sleeps 3 T */
    int t_ms = 60 * scale;
    pb__task_kind k4[4] = { 0 };
    int s4[4] = { 5 * scale, 10 * scale, 15 * scale, 3 * t_ms };
    bool kept_running = false;
    int by_timeout = 0;
    if (pb__executor_start(&e, 4, 4, k4, s4) == 0) {
        by_timeout = pb__executor_wait(&e, t_ms);
        int64_t timed_out = pb_now_ns();
        pb__executor_wait(&e, -1);                 /* the caller asks for the slow one's result() later */
        kept_running = e.future[3].state == PB__FUTURE_DONE && e.future[3].done_ns > timed_out;
        pb__show(c, _("  as_completed(timeout=%d ms): TimeoutError with %d of 4 done; the slow task was not stopped: "
                      "its result came %.0f ms after the start\n"), t_ms, by_timeout,
                 (double)(e.future[3].done_ns - e.t0_ns) / 1e6);
        pb__executor_shutdown(&e);
    }
    pb__record(c, "python: as_completed timeout", "done_by_timeout", by_timeout, "count", 3, 0);
    pb__record(c, "python: as_completed timeout", "slow_task_finished_later", kept_running, "flag", 1, 0);
    pb__fact(c, by_timeout < 4 && kept_running, _("the timeout stopped the task, or did not fire"));

    /* a worker dies early, while the others still run: BrokenProcessPool for every future not yet done */
    kind[2] = PB__TASK_RETURNS;
    kind[1] = PB__TASK_DIES;   /* among the first four taken, so the others are still running */
    for (int i = 0; i < 8; i++)
        sleep_ms[i] = i == 1 ? scale : (20 + 4 * i) * scale;
    int broken = 0, returned = 0;
    if (pb__executor_start(&e, 4, 8, kind, sleep_ms) == 0) {
        pb__executor_wait(&e, -1);
        for (int i = 0; i < 8; i++) {
            broken += e.future[i].state == PB__FUTURE_BROKEN;
            returned += e.future[i].state == PB__FUTURE_DONE;
        }
        pb__show(c, _("  task 1's worker died (os._exit): the pool is broken; %d future(s) raised BrokenProcessPool, "
                      "%d had returned before\n"), broken, returned);
        pb__executor_shutdown(&e);
    }
    pb__record(c, "python: worker dies", "broken_futures", broken, "count", NAN, 0);
    pb__fact(c, e.broken && broken >= 1 && broken + returned == 8, _("a dead worker did not break the modelled pool"));
}

/* parbench's own process pool: a dead worker is replaced, a hung one killed. */
static void parbench_pool(pb_demo_ctx *c, int scale)
{
    char spec[128];
    pb__say(c, _("\nparbench's process pool, by its own rules: task 2's worker exits, task 5 hangs past "
                 "--task-timeout:"));
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
    pb__say(c, _("Lesson: results come back as tasks finish, not as they were submitted. Python's executor returns "
                 "an exception through result() and keeps the worker; a timeout only stops the waiting; a worker "
                 "that dies breaks the whole pool. parbench's pool, a different design, replaces a dead worker, "
                 "kills one that overruns --task-timeout, and every other task still completes."));
    pb__fact(c, failing.n == 8 && e->status == PB_TASK_LOST && e->exit_status == 3 && ok_fail == 7,
             _("the failing task was not reported alone"));
    pb__fact(c, hanging.n == 8 && h->status == PB_TASK_LOST && h->signal == SIGKILL && ok_hang == 7,
             _("the timeout did not fire alone"));
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

    python_executor(c, scale);
    parbench_pool(c, scale);
}

const pb_demo pb_demo_futures = {
    .name = "futures",
    .notes = "000/001/004",
    .summary = N_("as_completed order; a failing task, a timeout and a dead worker in Python's executor and in "
                  "parbench's pool"),
    .run = demo_futures,
};
