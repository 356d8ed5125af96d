/* map: note 003's Pool.map. f is applied to every element of an array,
 * split into `tasks` contiguous tasks; with sleep_ms each element also
 * sleeps first (map:len=10,sleep_ms=200 is the notes' example: 2 s serial,
 * 0.2 s with 10 workers). f is one of
 *   square  b[i] = a[i]^2          (arithmetic)
 *   sqrt    b[i] = sqrt(a[i])      (floating point)
 *   gather  b[i] = a[h(i) mod len] (one random read per element: memory-bound)
 * The check recomputes every element independently of the task's code path:
 * inputs from their formula, sqrt by squaring back exactly (fma): a correctly
 * rounded root leaves a residual within 2 ulp of x. */
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "parbench/rng.h"
#include "parbench/workload.h"

enum { AUTO_MAX_TASKS = 256 };   /* tasks=auto: one per element up to this, then this many */

static const char *const fn_names[] = { "square", "sqrt", "gather", NULL };
enum { FN_SQUARE, FN_SQRT, FN_GATHER };

static const pb_param_spec params[] = {
    { .name = "len", .type = PB_PARAM_U64, .defval = "1e6", .min = 1, .max = (uint64_t)1 << 28,
      .unit = "elements", .help = "array length" },
    { .name = "fn", .type = PB_PARAM_ENUM, .defval = "square", .choices = fn_names,
      .help = "function: square, sqrt, or gather (memory-bound random reads)" },
    { .name = "sleep_ms", .type = PB_PARAM_U64, .defval = "0", .min = 0, .max = 60000,
      .unit = "ms", .help = "sleep before each element (simulated I/O)" },
    { .name = "tasks", .type = PB_PARAM_U64, .defval = "auto", .min = 1, .max = (uint64_t)1 << 20,
      .allow_auto = true, .help = "tasks to split the array into (auto: one per element up to 256, else 256)" },
    { 0 },
};

/* Input element i: a whole number below 2^20, exact in a double. */
static double input_at(uint64_t i)
{
    return (double)((i * 2654435761u) % 1000003u + 1u);
}

static uint64_t gather_index(uint64_t i, uint64_t len)
{
    return pb_splitmix64(i) % len;
}

static int validate(const pb_params *p, pb_error *err)
{
    uint64_t len = pb_param(p, "len"), tasks = pb_param(p, "tasks");
    if (tasks > len)
        return pb_fail(err, PB_E_RANGE, "map: tasks=%llu is more than len=%llu elements",
                       (unsigned long long)tasks, (unsigned long long)len);
    return 0;
}

static size_t count_tasks(const pb_params *p)
{
    uint64_t len = pb_param(p, "len"), tasks = pb_param(p, "tasks");
    if (tasks == 0)
        tasks = len < AUTO_MAX_TASKS ? len : AUTO_MAX_TASKS;
    return (size_t)tasks;
}

static int plan(pb_plan *plan, pb_error *err)
{
    size_t len = (size_t)pb_param(&plan->params, "len");
    double *a = pb_arena_alloc(&plan->arena, len * sizeof *a, 64, err);
    double *b = pb_arena_alloc(&plan->arena, len * sizeof *b, 64, err);
    if (!a || !b)
        return err->code;
    for (size_t i = 0; i < len; i++)
        a[i] = input_at(i);
    plan->input = a;
    plan->output = b;
    plan->output_bytes = len * sizeof *b;
    return 0;
}

static void run_task(const pb_plan *plan, size_t task, pb_outcome *out)
{
    const double *a = plan->input;
    double *b = plan->output;
    uint64_t len = pb_param(&plan->params, "len");
    uint64_t fn = pb_param(&plan->params, "fn");
    int64_t sleep_ns = (int64_t)pb_param(&plan->params, "sleep_ms") * 1000000;
    size_t first = (size_t)(len * task / plan->ntasks), last = (size_t)(len * (task + 1) / plan->ntasks);
    for (size_t i = first; i < last; i++) {
        if (sleep_ns)
            pb_task_sleep(out, sleep_ns);
        switch (fn) {
        case FN_SQUARE: b[i] = a[i] * a[i]; break;
        case FN_SQRT:   b[i] = sqrt(a[i]); break;
        default:        b[i] = a[gather_index(i, len)]; break;
        }
    }
    out->value = last - first;
}

static int verify(const pb_plan *plan, const pb_outcome *o, char *result, size_t size, pb_error *err)
{
    const double *b = plan->output;
    uint64_t len = pb_param(&plan->params, "len");
    uint64_t fn = pb_param(&plan->params, "fn");
    double sum = 0;
    for (uint64_t i = 0; i < len; i++) {
        double x = input_at(i), y = b[i];
        bool good;
        switch (fn) {
        case FN_SQUARE: good = y == x * x; break;
        case FN_SQRT:   good = y > 0 && fabs(fma(y, y, -x)) <= 2 * DBL_EPSILON * x; break;
        default:        good = y == input_at(gather_index(i, len)); break;
        }
        if (!good)
            return pb_fail(err, PB_E_VERIFY, "map: %s of element %llu (%.17g) gave %.17g",
                           fn_names[fn], (unsigned long long)i, x, y);
        sum += y;
    }
    for (size_t t = 0; t < plan->ntasks; t++) {
        uint64_t want = len * (t + 1) / plan->ntasks - len * t / plan->ntasks;
        if (o[t].value != want)
            return pb_fail(err, PB_E_VERIFY, "map: task %zu processed %llu elements, expected %llu",
                           t, (unsigned long long)o[t].value, (unsigned long long)want);
    }
    snprintf(result, size, "sum=%.15g", sum);
    return 0;
}

static void task_output(const pb_plan *plan, size_t task, size_t *offset, size_t *bytes)
{
    uint64_t len = pb_param(&plan->params, "len");
    size_t first = (size_t)(len * task / plan->ntasks), last = (size_t)(len * (task + 1) / plan->ntasks);
    *offset = first * sizeof(double);   /* its slice of b */
    *bytes = (last - first) * sizeof(double);
}

const pb_workload pb_workload_map = {
    .name = "map",
    .summary = "apply f (square, sqrt, gather) over an array split into tasks, optional sleep per element",
    .origin = "note 003: Pool.map over an array",
    .params = params,
    .validate = validate,
    .count_tasks = count_tasks,
    .plan = plan,
    .run_task = run_task,
    .verify = verify,
    .task_output = task_output,
};
