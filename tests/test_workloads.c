/* Every workload gives the same verified result under every backend and
 * worker count; verification catches corrupted outcomes; the ideal never
 * exceeds the wall time; every participant's CPU time is counted; a
 * crashing child is reported. */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli.h"
#include "parbench/registry.h"
#include "parbench/runner.h"

typedef struct capture {
    unsigned runs, ok;
    char result[96];
    char note[512];
    pb_run_record last;
    int64_t task_cpu_ns;       /* sum over tasks of the last run */
} capture;

static int on_done(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec, pb_error *err)
{
    (void)cfg, (void)err;
    capture *c = user;
    c->runs++;
    c->ok += rec->ok;
    snprintf(c->result, sizeof c->result, "%s", rec->result);
    snprintf(c->note, sizeof c->note, "%s", rec->note);
    c->last = *rec;
    c->task_cpu_ns = 0;
    for (size_t i = 0; i < plan->ntasks; i++)
        c->task_cpu_ns += plan->outcomes[i].cpu_ns;
    return 0;
}

static capture run_with(const pb_workload *w, const pb_params *params, const pb_backend *b, unsigned W,
                        uint64_t chunk, pb_ipc ipc)
{
    capture c = { 0 };
    pb_config cfg = { .workload = w, .params = *params, .backend = b, .workers = W, .reps = 2, .warmup = 0,
                      .chunk = chunk, .ipc = ipc };
    pb_run_observer obs = { .run_done = on_done, .user = &c };
    pb_error err = { 0 };
    int rc = pb_run_config(&cfg, &obs, &err);
    CHECK_MSG(rc == 0, "%s/%s W=%u: %s", w->name, b->name, W, err.msg);
    return c;
}

static capture run(const pb_workload *w, const pb_params *params, const pb_backend *b, unsigned W)
{
    return run_with(w, params, b, W, 0, PB_IPC_ARENA);
}

static pb_workload_spec spec(const char *text)
{
    pb_workload_spec s;
    pb_error err;
    if (pb__cli_parse_workload(text, &s, &err) != 0) {
        fprintf(stderr, "bad spec %s: %s\n", text, err.msg);
        exit(1);
    }
    return s;
}

static void same_everywhere(const char *text)
{
    pb_workload_spec s = spec(text);
    size_t ntasks = s.workload->count_tasks(&s.params);
    capture base = run(s.workload, &s.params, &pb_backend_serial, 1);
    CHECK_MSG(base.ok == 2, "%s serial: %s", text, base.note);
    unsigned counts[] = { 1, 2, 3, (unsigned)ntasks };
    /* pools also with chunks of 1, of 3 and of everything, and over pipes */
    struct { uint64_t chunk; pb_ipc ipc; } ways[] = { { 0, PB_IPC_ARENA }, { 1, PB_IPC_ARENA }, { 3, PB_IPC_ARENA },
                                                      { 1000000, PB_IPC_ARENA }, { 0, PB_IPC_PIPE }, { 2, PB_IPC_PIPE },
                                                      { 0, PB_IPC_TCP }, { 2, PB_IPC_TCP } };
    for (size_t b = 0; pb_backends[b]; b++) {
        if (*pb_backend_unavailable(pb_backends[b])) {
            printf("workloads: %s is not available here (%s): not tested\n", pb_backends[b]->name,
                   pb_backend_unavailable(pb_backends[b]));
            continue;
        }
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
          for (size_t way = 0; way < sizeof ways / sizeof ways[0]; way++) {
            if (!(pb_backends[b]->ipc_mask & (1u << ways[way].ipc)) || (way && !pb_backends[b]->is_pool))
                continue;
            if (ways[way].ipc == PB_IPC_TCP && counts[k] != (ways[way].chunk ? 2u : 3u))
                continue;   /* mpi: a launch per configuration (~0.5 s): static with 3 ranks (oversubscribed
                               on 2 PUs), chunked with 2 */
            capture c = run_with(s.workload, &s.params, pb_backends[b], counts[k], ways[way].chunk, ways[way].ipc);
            CHECK_MSG(c.runs == 2 && c.ok == 2, "%s under %s W=%u way %zu: %s", text, pb_backends[b]->name,
                      counts[k], way, c.note);
            CHECK_MSG(strcmp(c.result, base.result) == 0, "%s under %s W=%u way %zu: result %s, serial %s", text,
                      pb_backends[b]->name, counts[k], way, c.result, base.result);
            const pb_run_record *r = &c.last;
            CHECK(r->spawn_s >= 0 && r->work_s >= 0 && r->join_s >= 0);
            /* a lower bound made of the tasks' own CPU clocks and declared sleeps, all inside the run:
             * never above the wall time (exactly; tests/test_phases.c checks the phases themselves) */
            CHECK_MSG(r->ideal_s > 0 && r->ideal_s <= r->wall_s, "ideal %.9f > wall %.9f", r->ideal_s, r->wall_s);
            if (pb_backends[b] == &pb_backend_openmp)   /* schedule(static) blocks, or dynamic chunks */
                CHECK(r->chunk == (ways[way].chunk ? ways[way].chunk : (ntasks + counts[k] - 1) / counts[k]));
            else if (pb_backends[b]->is_pool && ways[way].ipc != PB_IPC_TCP)
                CHECK(r->chunk == (ways[way].chunk ? ways[way].chunk
                                                   : (ntasks + 4 * counts[k] - 1) / (4 * counts[k])));
            if (ways[way].ipc == PB_IPC_TCP)   /* mpi: static blocks unless --chunk */
                CHECK(r->chunk == (ways[way].chunk ? ways[way].chunk : (ntasks + counts[k] - 1) / counts[k]));
          }
        }
    }
}

/* Verification sees a wrong output, a wrong outcome and an unfinished task. */
static void corruption_is_caught(const char *text, size_t output_offset)
{
    pb_workload_spec s = spec(text);
    pb_plan plan;
    pb_error err;
    char result[96];
    CHECK(pb_plan_create(&plan, s.workload, &s.params, &err) == 0);
    pb_plan_reset(&plan);
    CHECK_MSG(pb_plan_verify(&plan, result, sizeof result, &err) == PB_E_VERIFY, "%s: unrun plan passed", text);
    for (size_t i = 0; i < plan.ntasks; i++)
        pb_run_one_task(&plan, i, 0, &plan.outcomes[i]);
    CHECK_MSG(pb_plan_verify(&plan, result, sizeof result, &err) == 0, "%s: %s", text, err.msg);

    unsigned char *out = (unsigned char *)plan.output + output_offset;
    *out ^= 0x10;
    CHECK_MSG(pb_plan_verify(&plan, result, sizeof result, &err) == PB_E_VERIFY, "%s: corrupt output passed", text);
    *out ^= 0x10;
    plan.outcomes[plan.ntasks - 1].value += 1;
    CHECK_MSG(pb_plan_verify(&plan, result, sizeof result, &err) == PB_E_VERIFY, "%s: corrupt outcome passed", text);
    plan.outcomes[plan.ntasks - 1].value -= 1;
    plan.outcomes[0].status = PB_TASK_RUNNING;
    CHECK(pb_plan_verify(&plan, result, sizeof result, &err) == PB_E_VERIFY);
    CHECK(strstr(err.msg, "did not finish"));
    plan.outcomes[0].status = PB_TASK_DONE;
    CHECK(pb_plan_verify(&plan, result, sizeof result, &err) == 0);
    /* a reset poisons the output: a stale result cannot pass */
    pb_plan_reset(&plan);
    for (size_t i = 0; i < plan.ntasks; i++)
        plan.outcomes[i].status = PB_TASK_DONE;
    CHECK(pb_plan_verify(&plan, result, sizeof result, &err) == PB_E_VERIFY);
    pb_plan_destroy(&plan);
}

/* A test-only workload whose task 1 dies. */
static void crash_task(const pb_plan *plan, size_t task, pb_outcome *out)
{
    (void)plan;
    if (task == 1)
        raise(SIGSEGV);
    out->value = task;
}
static int crash_verify(const pb_plan *plan, const pb_outcome *o, char *result, size_t size, pb_error *err)
{
    (void)plan, (void)o, (void)err;
    snprintf(result, size, "fine");
    return 0;
}
static size_t four(const pb_params *p) { (void)p; return 4; }
static int no_plan(pb_plan *plan, pb_error *err) { (void)plan, (void)err; return 0; }
static const pb_param_spec no_params[] = { { 0 } };
static const pb_workload crashy = { .name = "crashy", .params = no_params, .count_tasks = four,
                                    .plan = no_plan, .run_task = crash_task, .verify = crash_verify };

static void crashing_child_is_reported(void)
{
    pb_params p;
    pb_error err;
    pb_params_init(&p, no_params, "crashy", &err);
    capture c = run(&crashy, &p, &pb_backend_fork, 4);
    CHECK(c.runs == 2 && c.ok == 0);
    CHECK_MSG(strstr(c.note, "worker 1") && strstr(c.note, "signal 11") && strstr(c.note, "task 1"),
              "note: %s", c.note);
    /* the others finished: exactly one task is missing */
    CHECK_MSG(strstr(c.note, "1 of 4 tasks did not finish"), "note: %s", c.note);
}

/* task_output names exactly what a task writes: run alone on a poisoned
 * output, a task changes no byte outside its slice, and the slices of all
 * tasks tile the output (ranks on other hosts send only their slices). */
static void task_output_is_exact(const char *text)
{
    pb_workload_spec s = spec(text);
    pb_plan plan;
    pb_error err;
    CHECK(pb_plan_create(&plan, s.workload, &s.params, &err) == 0);
    CHECK_MSG(s.workload->task_output != NULL, "%s: no task_output", text);
    if (!s.workload->task_output) {
        pb_plan_destroy(&plan);
        return;
    }
    unsigned char *out = plan.output;
    size_t covered = 0, expect_next = 0;
    for (size_t t = 0; t < plan.ntasks; t++) {
        size_t off, bytes;
        s.workload->task_output(&plan, t, &off, &bytes);
        CHECK_MSG(off == expect_next && off + bytes <= plan.output_bytes, "%s: task %zu's slice [%zu, +%zu) in %zu",
                  text, t, off, bytes, plan.output_bytes);
        expect_next = off + bytes;
        covered += bytes;
        pb_plan_reset(&plan);   /* poisons the output */
        unsigned char poison = out[0];
        pb_run_one_task(&plan, t, 0, &plan.outcomes[t]);
        size_t outside = 0, inside = 0;
        for (size_t i = 0; i < plan.output_bytes; i++) {
            bool in = i >= off && i < off + bytes;
            outside += !in && out[i] != poison;
            inside += in && out[i] != poison;
        }
        CHECK_MSG(outside == 0 && inside > 0, "%s: task %zu changed %zu bytes outside its slice, %zu inside", text,
                  t, outside, inside);
    }
    CHECK_MSG(covered == plan.output_bytes, "%s: slices cover %zu of %zu bytes", text, covered, plan.output_bytes);
    pb_plan_destroy(&plan);
}

int main(void)
{
    task_output_is_exact("square-cube:sleep_ms=0");
    task_output_is_exact("sleep-square:tasks=5,min_ms=0,max_ms=1");
    task_output_is_exact("counter:n=10,tasks=3");
    task_output_is_exact("map:len=1000,fn=sqrt,tasks=7");
    task_output_is_exact("map:len=10,fn=gather,tasks=3");

    same_everywhere("square-cube:sleep_ms=1");
    same_everywhere("sleep-square:tasks=5,min_ms=1,max_ms=4,seed=7");
    same_everywhere("counter:n=1e5,tasks=3");
    same_everywhere("map:len=1000,fn=square,tasks=7");
    same_everywhere("map:len=1000,fn=sqrt,tasks=5");
    same_everywhere("map:len=1000,fn=gather");
    same_everywhere("map:len=6,sleep_ms=1");

    corruption_is_caught("square-cube:sleep_ms=0", 8);
    corruption_is_caught("sleep-square:tasks=3,min_ms=0,max_ms=1", 16);
    corruption_is_caught("counter:n=1000,tasks=2", 0);
    corruption_is_caught("map:len=100,fn=sqrt", 80);
    corruption_is_caught("map:len=100,fn=gather", 80);

    /* The counting loop is really executed: 10^7 dependent adds take at least
     * 10^7 cycles, over 1.6 ms even at 6 GHz. A folded loop takes nanoseconds. */
    pb_workload_spec s = spec("counter:n=1e7,tasks=1");
    capture c = run(s.workload, &s.params, &pb_backend_serial, 1);
    CHECK_MSG(c.task_cpu_ns > 1000000, "counting to 1e7 took %lld ns of CPU", (long long)c.task_cpu_ns);

    /* CPU time of children and threads is counted (wait4 / per-thread rusage). */
    s = spec("counter:n=3e7,tasks=4");
    for (size_t b = 0; pb_backends[b]; b++) {   /* every backend with workers of its own, as the registry lists */
        const pb_backend *be = pb_backends[b];
        if (be->max_workers == 1 || *pb_backend_unavailable(be))
            continue;
        c = run(s.workload, &s.params, be, 4);
        double cpu = c.last.user_s + c.last.sys_s;
        /* both are the scheduler's exact runtime (thread CPU clocks; a reaped child's rusage, whose
         * user + sys sum is its runtime); rusage counts in microseconds: 1 us per worker of slack */
        CHECK_MSG(cpu >= (double)c.task_cpu_ns / 1e9 - 4e-6, "%s: user+sys %.6f s < tasks' CPU %.6f s",
                  be->name, cpu, (double)c.task_cpu_ns / 1e9);
    }

    crashing_child_is_reported();
    return check_report("workloads");
}
