/* square-cube: course note 003's first example. Two tasks over the list
 * [5, 10, 15, 20]: one squares each element, the other cubes it, each
 * sleeping sleep_ms before every element. Serial: 8 sleeps (1.6 s at the
 * default); two workers overlap them (0.8 s). */
#include <stdio.h>

#include "parbench/workload.h"

enum { ELEMENTS = 4 };
static const uint64_t numbers[ELEMENTS] = { 5, 10, 15, 20 };

static const pb_param_spec params[] = {
    { .name = "sleep_ms", .type = PB_PARAM_U64, .defval = "200", .min = 0, .max = 60000,
      .unit = "ms", .help = "sleep before each element, as time.sleep(0.2) in the notes" },
    { 0 },
};

typedef struct layout {
    uint64_t input[ELEMENTS];
    uint64_t power[2][ELEMENTS];   /* output: squares, then cubes */
} layout;

static size_t count_tasks(const pb_params *p)
{
    (void)p;
    return 2;
}

static int plan(pb_plan *plan, pb_error *err)
{
    layout *l = pb_arena_alloc(&plan->arena, sizeof *l, 64, err);
    if (!l)
        return err->code;
    for (int k = 0; k < ELEMENTS; k++)
        l->input[k] = numbers[k];
    plan->data = l;
    plan->input = l->input;
    plan->output = l->power;
    plan->output_bytes = sizeof l->power;
    return 0;
}

static void run_task(const pb_plan *plan, size_t task, pb_outcome *out)
{
    layout *l = plan->data;
    int64_t sleep_ns = (int64_t)pb_param(&plan->params, "sleep_ms") * 1000000;
    uint64_t sum = 0;
    for (int k = 0; k < ELEMENTS; k++) {
        pb_task_sleep(out, sleep_ns);
        uint64_t n = l->input[k];
        uint64_t v = task == 0 ? n * n : n * n * n;
        l->power[task][k] = v;
        sum += v;
    }
    out->value = sum;
}

static int verify(const pb_plan *plan, const pb_outcome *o, char *result, size_t size, pb_error *err)
{
    const layout *l = plan->data;
    uint64_t sums[2] = { 0, 0 };
    for (int k = 0; k < ELEMENTS; k++) {
        uint64_t n = numbers[k];
        uint64_t want[2] = { n * n, n * n * n };
        for (int t = 0; t < 2; t++) {
            if (l->power[t][k] != want[t])
                return pb_fail(err, PB_E_VERIFY, "square-cube: %s of %llu is %llu, expected %llu",
                               t ? "cube" : "square", (unsigned long long)n,
                               (unsigned long long)l->power[t][k], (unsigned long long)want[t]);
            sums[t] += want[t];
        }
    }
    for (int t = 0; t < 2; t++)
        if (o[t].value != sums[t])
            return pb_fail(err, PB_E_VERIFY, "square-cube: task %d reported sum %llu, expected %llu",
                           t, (unsigned long long)o[t].value, (unsigned long long)sums[t]);
    snprintf(result, size, "squares=%llu cubes=%llu", (unsigned long long)sums[0],
             (unsigned long long)sums[1]);
    return 0;
}

static void task_output(const pb_plan *plan, size_t task, size_t *offset, size_t *bytes)
{
    (void)plan;
    *offset = task * sizeof(uint64_t[ELEMENTS]);   /* its row of powers */
    *bytes = sizeof(uint64_t[ELEMENTS]);
}

const pb_workload pb_workload_square_cube = {
    .name = "square-cube",
    .summary = "square and cube [5,10,15,20] in two tasks, sleeping before each element",
    .origin = "note 003: calc_square / calc_cube with time.sleep(0.2)",
    .params = params,
    .count_tasks = count_tasks,
    .plan = plan,
    .run_task = run_task,
    .verify = verify,
    .task_output = task_output,
};
