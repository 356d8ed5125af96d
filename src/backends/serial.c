/* serial: the calling thread runs every task in order. The baseline: no
 * spawn, no join, no sharing. */
#include "core/usage.h"
#include "parbench/backend.h"
#include "parbench/clock.h"

static int serial_open(pb_exec *ex, const pb_plan *plan, pb_error *err)
{
    (void)ex, (void)plan, (void)err;
    return 0;
}

static int serial_execute(pb_exec *ex, const pb_plan *plan, pb_run_stats *st, pb_error *err)
{
    (void)ex, (void)err;
    pb_thread_meter meter;
    pb_meter_begin(&meter);
    st->t_start = st->t_gate = pb_now_ns();
    for (size_t i = 0; i < plan->ntasks; i++)
        pb_run_one_task(plan, i, 0, &plan->outcomes[i]);
    st->t_work_end = st->t_end = pb_now_ns();
    pb_meter_end(&meter, &st->usage);
    return 0;
}

static void serial_close(pb_exec *ex)
{
    (void)ex;
}

const pb_backend pb_backend_serial = {
    .name = "serial",
    .summary = "the calling thread runs the tasks in order (the baseline)",
    .shares_memory = true,
    .open = serial_open,
    .execute = serial_execute,
    .close = serial_close,
};
