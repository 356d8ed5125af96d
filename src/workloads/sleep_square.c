/* sleep-square: notes 000/001/002, where up to 200 processes each sleep a
 * random 1-3 s and then square their number. Task i sleeps a duration drawn
 * from a seeded generator in [min_ms, max_ms], then squares i. The draw is
 * reproducible, so the ideal time is known before the run. */
#include <stdio.h>

#include "parbench/rng.h"
#include "parbench/workload.h"

static const pb_param_spec params[] = {
    { .name = "tasks", .type = PB_PARAM_U64, .defval = "10", .min = 1, .max = 100000,
      .help = "number of tasks (the notes start 10 to 200 processes)" },
    { .name = "min_ms", .type = PB_PARAM_U64, .defval = "100", .min = 0, .max = 60000,
      .unit = "ms", .help = "shortest sleep" },
    { .name = "max_ms", .type = PB_PARAM_U64, .defval = "300", .min = 0, .max = 60000,
      .unit = "ms", .help = "longest sleep (the notes: random.randint(1,3) s)" },
    { .name = "seed", .type = PB_PARAM_U64, .defval = "1", .min = 0, .max = UINT64_MAX,
      .help = "seed of the sleep durations" },
    { 0 },
};

static uint64_t sleep_ms_of(const pb_params *p, size_t task)
{
    return pb_uniform(pb_param(p, "seed"), task, pb_param(p, "min_ms"), pb_param(p, "max_ms"));
}

static int validate(const pb_params *p, pb_error *err)
{
    if (pb_param(p, "min_ms") > pb_param(p, "max_ms"))
        return pb_fail(err, PB_E_RANGE, "sleep-square: min_ms=%llu is larger than max_ms=%llu",
                       (unsigned long long)pb_param(p, "min_ms"),
                       (unsigned long long)pb_param(p, "max_ms"));
    return 0;
}

static size_t count_tasks(const pb_params *p)
{
    return (size_t)pb_param(p, "tasks");
}

static int plan(pb_plan *plan, pb_error *err)
{
    size_t n = plan->ntasks;
    uint32_t *sleep_ms = pb_arena_alloc(&plan->arena, n * sizeof *sleep_ms, 64, err);
    uint64_t *squares = pb_arena_alloc(&plan->arena, n * sizeof *squares, 64, err);
    if (!sleep_ms || !squares)
        return err->code;
    for (size_t i = 0; i < n; i++)
        sleep_ms[i] = (uint32_t)sleep_ms_of(&plan->params, i);
    plan->input = sleep_ms;
    plan->output = squares;
    plan->output_bytes = n * sizeof *squares;
    return 0;
}

static void run_task(const pb_plan *plan, size_t task, pb_outcome *out)
{
    const uint32_t *sleep_ms = plan->input;
    uint64_t *squares = plan->output;
    pb_task_sleep(out, (int64_t)sleep_ms[task] * 1000000);
    squares[task] = (uint64_t)task * task;
    out->value = squares[task];
}

static int verify(const pb_plan *plan, const pb_outcome *o, char *result, size_t size, pb_error *err)
{
    const uint64_t *squares = plan->output;
    uint64_t sum = 0, slept_ms = 0;
    for (size_t i = 0; i < plan->ntasks; i++) {
        uint64_t want = (uint64_t)i * i, ms = sleep_ms_of(&plan->params, i);
        if (squares[i] != want || o[i].value != want)
            return pb_fail(err, PB_E_VERIFY, "sleep-square: task %zu gave %llu (outcome %llu), expected %llu",
                           i, (unsigned long long)squares[i], (unsigned long long)o[i].value,
                           (unsigned long long)want);
        if (o[i].sleep_ns != (int64_t)ms * 1000000)
            return pb_fail(err, PB_E_VERIFY, "sleep-square: task %zu slept %lld ns, planned %llu ms",
                           i, (long long)o[i].sleep_ns, (unsigned long long)ms);
        sum += want;
        slept_ms += ms;
    }
    snprintf(result, size, "sum=%llu slept_ms=%llu", (unsigned long long)sum, (unsigned long long)slept_ms);
    return 0;
}

static void task_output(const pb_plan *plan, size_t task, size_t *offset, size_t *bytes)
{
    (void)plan;
    *offset = task * sizeof(uint64_t);   /* its square */
    *bytes = sizeof(uint64_t);
}

const pb_workload pb_workload_sleep_square = {
    .name = "sleep-square",
    .summary = "task i sleeps a seeded random time in [min_ms, max_ms], then squares i",
    .origin = "notes 000/001/002: 200 named processes with random.randint(1,3) s sleeps",
    .params = params,
    .validate = validate,
    .count_tasks = count_tasks,
    .plan = plan,
    .run_task = run_task,
    .verify = verify,
    .task_output = task_output,
};
