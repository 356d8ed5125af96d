/* serial: the calling thread runs every task in order. The baseline: no
 * spawn, no join, no sharing. The worker is parbench itself: a task that
 * crashes, exits or hangs past --task-timeout ends parbench, loudly, with
 * the finished results kept. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "backends/worker/crash.h"
#include "backends/worker/usage.h"
#include "parbench/backend.h"
#include "parbench/clock.h"
#include "parbench/topology.h"

static void on_alarm(int sig)
{
    (void)sig;
    pb__crash_report("a hang past --task-timeout", "the serial backend runs tasks in parbench itself");
    _exit(1);
}

/* Arm (ns > 0) or disarm (0) the per-task alarm. */
static void arm(int64_t ns)
{
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = ns / 1000000000;
    it.it_value.tv_usec = (ns % 1000000000) / 1000;
    if (ns > 0 && it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
        it.it_value.tv_usec = 1;
    setitimer(ITIMER_REAL, &it, NULL);
}

static int serial_open(pb_exec *ex, const pb_plan *plan, pb_error *err)
{
    (void)plan, (void)err;
    pb__crash_guard_install("the serial backend runs tasks in parbench itself");
    if (ex->config.task_timeout_ns > 0)
        signal(SIGALRM, on_alarm);
    return 0;
}

static int serial_execute(pb_exec *ex, const pb_plan *plan, pb_run_stats *st, pb_error *err)
{
    (void)err;
    int64_t timeout = ex->config.task_timeout_ns;
    const pb_worker_place *wp = pb_exec_place(&ex->config, 0);
    pb_error bind_err;
    if (wp && pb_bind_self(wp, &bind_err) != 0)   /* the calling thread is the worker */
        snprintf(st->bind_refusal, sizeof st->bind_refusal, "%s", bind_err.msg);
    pb_thread_meter meter;
    pb__meter_begin(&meter);
    st->chunk = plan->ntasks;
    st->t_start = st->t_gate = pb_now_ns();
    for (size_t i = 0; i < plan->ntasks; i++) {
        if (timeout > 0)
            arm(timeout);
        pb_run_one_task(plan, i, 0, &plan->outcomes[i]);
        plan->outcomes[i].seq = (uint32_t)(i + 1);
    }
    if (timeout > 0)
        arm(0);
    /* nothing to join: the run ends where its last task stamped its end */
    st->t_work_end = st->t_end = plan->ntasks ? plan->outcomes[plan->ntasks - 1].t_end_ns : pb_now_ns();
    pb__meter_end(&meter, &st->usage);
    if (wp) {
        pb_worker_place everywhere = { 0 };
        pb_bind_self(&everywhere, NULL);   /* the parent's own mask must not stay narrowed */
    }
    return 0;
}

static void serial_close(pb_exec *ex)
{
    if (ex->config.task_timeout_ns > 0)
        signal(SIGALRM, SIG_DFL);
    pb__crash_guard_remove();
}

const pb_backend pb_backend_serial = {
    .name = "serial",
    .summary = "the calling thread runs the tasks in order (the baseline)",
    .max_workers = 1,
    .ipc_mask = 1u << PB_IPC_ARENA,
    .open = serial_open,
    .execute = serial_execute,
    .close = serial_close,
};
