/* counter: notes 000/001/004 count to 10^7-10^8 in each process. Each of
 * `tasks` tasks adds 1 to a register n times; the per-task counts are summed
 * and checked. A compiler barrier after each add keeps one real add per
 * iteration, so the loop cannot be folded and its time grows with n. */
#include <stdio.h>

#include "parbench/gil.h"
#include "parbench/workload.h"

static const pb_param_spec params[] = {
    { .name = "n", .type = PB_PARAM_U64, .defval = "1e8", .min = 1, .max = UINT64_MAX,
      .unit = "increments", .help = "per task (1e8, 10^8 and 100000000 all work)" },
    { .name = "tasks", .type = PB_PARAM_U64, .defval = "2", .min = 1, .max = 65536,
      .help = "number of tasks" },
    { 0 },
};

static int validate(const pb_params *p, pb_error *err)
{
    uint64_t total;
    if (__builtin_mul_overflow(pb_param(p, "n"), pb_param(p, "tasks"), &total))
        return pb_fail(err, PB_E_RANGE, "counter: n=%llu times tasks=%llu does not fit in 64 bits",
                       (unsigned long long)pb_param(p, "n"), (unsigned long long)pb_param(p, "tasks"));
    return 0;
}

static size_t count_tasks(const pb_params *p)
{
    return (size_t)pb_param(p, "tasks");
}

static int plan(pb_plan *plan, pb_error *err)
{
    uint64_t *counts = pb_arena_alloc(&plan->arena, plan->ntasks * sizeof *counts, 64, err);
    if (!counts)
        return err->code;
    plan->output = counts;
    plan->output_bytes = plan->ntasks * sizeof *counts;
    return 0;
}

/* The counting loop is 13 bytes of code; where the linker puts it decides
 * whether it crosses a 32-byte boundary, and on the AMD EPYC VMs parbench
 * is measured on that alone doubled its time (measured in alternating
 * rounds: 55 ms per 10^8 adds in parbench and its forked workers, 27.5 ms
 * in parbench-mpi-rank, for the same object code; the mpi backend looked
 * twice as fast as the process pool).
 * The function starts on a 64-byte boundary and its loops on 32-byte
 * boundaries, so every program that links this runs the same loop. */
#if defined(__clang__)
#define PB_LOOP_ALIGN __attribute__((aligned(64)))   /* clang has no optimize attribute (the fuzz build) */
#else
#define PB_LOOP_ALIGN __attribute__((aligned(64), optimize("align-loops=32")))
#endif
PB_LOOP_ALIGN
static void run_task(const pb_plan *plan, size_t task, pb_outcome *out)
{
    uint64_t n = pb_param(&plan->params, "n"), x = 0;
    for (uint64_t done = 0; done < n;) {
        uint64_t block = n - done < 65536 ? n - done : 65536;
        for (uint64_t i = 0; i < block; i++) {
            x += 1;
            __asm__ volatile("" : "+r"(x));   /* the add must happen, once per iteration */
        }
        done += block;
        pb_gil_checkpoint();   /* between blocks: --gil lets a waiting thread in */
    }
    ((uint64_t *)plan->output)[task] = x;
    out->value = x;
}

static int verify(const pb_plan *plan, const pb_outcome *o, char *result, size_t size, pb_error *err)
{
    const uint64_t *counts = plan->output;
    uint64_t n = pb_param(&plan->params, "n"), total = 0;
    for (size_t i = 0; i < plan->ntasks; i++) {
        if (counts[i] != n || o[i].value != n)
            return pb_fail(err, PB_E_VERIFY, "counter: task %zu counted %llu (outcome %llu), expected %llu",
                           i, (unsigned long long)counts[i], (unsigned long long)o[i].value,
                           (unsigned long long)n);
        total += counts[i];
    }
    snprintf(result, size, "total=%llu", (unsigned long long)total);
    return 0;
}

static void task_output(const pb_plan *plan, size_t task, size_t *offset, size_t *bytes)
{
    (void)plan;
    *offset = task * sizeof(uint64_t);   /* its count */
    *bytes = sizeof(uint64_t);
}

const pb_workload pb_workload_counter = {
    .name = "counter",
    .summary = "each task counts to n with one real add per iteration (CPU-bound)",
    .origin = "notes 000/001/004: count to 10^7-10^8 per process",
    .params = params,
    .validate = validate,
    .count_tasks = count_tasks,
    .plan = plan,
    .run_task = run_task,
    .verify = verify,
    .task_output = task_output,
};
