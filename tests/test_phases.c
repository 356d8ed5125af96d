/* The phases and accounting of a run, each checked against a measurement
 * made apart from the timestamps that define it:
 *  - the wall time lies inside the window the observer sees around the
 *    run (its own clock reads before and after);
 *  - the work phase holds every task: it is at least the longest sleep a
 *    task declared (the plan's, not a clock's), and no task ends after it;
 *  - the idle gap before a run covers the time the observer itself slept;
 *  - binding: pthread and fork workers bind inside spawn (bind_s, their
 *    own clock, never exceeds spawn_s); serial and pools bind before the
 *    clock (bind_s is 0);
 *  - a pool worker that dies mid-run keeps the CPU it used: the run's
 *    user + sys covers the CPU its finished task measured with its own
 *    thread clock.
 * Under every backend, and both transports of the process pool. */
#include <string.h>
#include <time.h>

#include "check.h"
#include "cli/cli.h"
#include "parbench/clock.h"
#include "parbench/registry.h"
#include "parbench/runner.h"

typedef struct watch {
    int64_t before_ns;         /* observer's clock just before the run */
    int64_t sleep_ns;          /* the observer sleeps this long after each run */
    int64_t slept_ns;          /* ... and measured it */
    unsigned runs;
    pb_run_record last;
    int64_t longest_sleep_ns, last_task_end_ns, task0_cpu_ns;
    const char *what;
} watch;

static void on_starting(void *user, const pb_config *cfg, unsigned index, unsigned total)
{
    (void)cfg, (void)index, (void)total;
    ((watch *)user)->before_ns = pb_now_ns();
}

static int on_done(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec, pb_error *err)
{
    (void)cfg, (void)err;
    watch *w = user;
    int64_t after = pb_now_ns();
    int64_t end = rec->t_start_ns + (int64_t)(rec->wall_s * 1e9 + 0.5);
    CHECK_MSG(rec->t_start_ns >= w->before_ns && end <= after, "%s: the run [%lld, %lld] lies outside the "
              "observer's window [%lld, %lld]", w->what, (long long)rec->t_start_ns, (long long)end,
              (long long)w->before_ns, (long long)after);
    if (w->runs > 0 && w->slept_ns)
        CHECK_MSG(rec->idle_before_s * 1e9 >= (double)w->slept_ns, "%s: idle_before_s %.6f s, the observer "
                  "slept %.6f s", w->what, rec->idle_before_s, (double)w->slept_ns / 1e9);
    w->longest_sleep_ns = w->last_task_end_ns = 0;
    for (size_t i = 0; i < plan->ntasks; i++) {
        const pb_outcome *o = &plan->outcomes[i];
        if (o->sleep_ns > w->longest_sleep_ns)
            w->longest_sleep_ns = o->sleep_ns;
        if (o->status == PB_TASK_DONE && o->t_end_ns > w->last_task_end_ns)
            w->last_task_end_ns = o->t_end_ns;
    }
    w->task0_cpu_ns = plan->ntasks && plan->outcomes[0].status == PB_TASK_DONE ? plan->outcomes[0].cpu_ns : 0;
    /* no task ends after the work phase: the tasks' own end stamps (CLOCK_MONOTONIC, taken in the
     * worker) against the phase's end. 100 ns: the phases are kept as seconds in doubles and added
     * back here (rounding of a few ns), nothing else */
    if (w->last_task_end_ns) {
        double work_end = (double)rec->t_start_ns + (rec->spawn_s + rec->work_s) * 1e9;
        CHECK_MSG((double)w->last_task_end_ns <= work_end + 100, "%s: the last task ended %.0f ns after the work "
                  "phase", w->what, (double)w->last_task_end_ns - work_end);
    }
    w->last = *rec;
    w->runs++;
    w->slept_ns = 0;
    if (w->sleep_ns) {
        int64_t t0 = pb_now_ns();
        nanosleep(&(struct timespec){ 0, w->sleep_ns }, NULL);
        w->slept_ns = pb_now_ns() - t0;
    }
    return 0;
}

static watch run(const char *spec, const pb_backend *b, unsigned W, pb_ipc ipc, uint64_t chunk,
                 const pb_pin_policy *pin, int64_t observer_sleep_ns)
{
    pb_workload_spec s;
    pb_error err = { 0 };
    watch w = { .sleep_ns = observer_sleep_ns, .what = b->name };
    if (pb__cli_parse_workload(spec, &s, &err) != 0) {
        CHECK_MSG(0, "%s: %s", spec, err.msg);
        return w;
    }
    pb_config cfg = { .workload = s.workload, .params = s.params, .backend = b, .workers = W, .reps = 3,
                      .warmup = 0, .ipc = ipc, .chunk = chunk, .pin = pin };
    pb_run_observer obs = { .run_starting = on_starting, .run_done = on_done, .user = &w };
    int rc = pb_run_config(&cfg, &obs, &err);
    CHECK_MSG(rc == 0 && w.runs == 3, "%s W=%u: rc %d, %u runs: %s", b->name, W, rc, w.runs, err.msg);
    return w;
}

static void phases_hold_the_work(void)
{
    for (size_t b = 0; pb_backends[b]; b++) {
        if (*pb_backend_unavailable(pb_backends[b])) {   /* mpi without its rank program (or Open MPI) */
            CHECK_SKIP("%s: %s", pb_backends[b]->name, pb_backend_unavailable(pb_backends[b]));
            continue;
        }
        for (int t = PB_IPC_ARENA; t <= PB_IPC_TCP; t++) {   /* tcp: the mpi backend */
            if (!(pb_backends[b]->ipc_mask & (1u << t)))
                continue;
            /* four tasks each declaring a 12 ms sleep, on two workers */
            watch w = run("map:len=4,sleep_ms=12,tasks=4", pb_backends[b], 2, (pb_ipc)t, 0, NULL, 3000000);
            const pb_run_record *r = &w.last;
            if (!w.runs)
                continue;
            CHECK_MSG(r->ok, "%s/%s: %s", pb_backends[b]->name, pb_ipc_name((pb_ipc)t), r->note);
            CHECK_MSG(w.longest_sleep_ns >= 12000000, "%s: declared sleep %lld ns", pb_backends[b]->name,
                      (long long)w.longest_sleep_ns);
            CHECK_MSG(r->work_s * 1e9 >= (double)w.longest_sleep_ns, "%s/%s: work %.6f s < a task's sleep %.6f s",
                      pb_backends[b]->name, pb_ipc_name((pb_ipc)t), r->work_s, (double)w.longest_sleep_ns / 1e9);
            CHECK_MSG(r->spawn_s >= 0 && r->join_s >= 0, "%s: negative phase", pb_backends[b]->name);
            CHECK_MSG(r->bind_s == 0, "%s unpinned: bind_s %.9f", pb_backends[b]->name, r->bind_s);
        }
    }
}

static void binding_is_where_it_is_said(void)
{
    pb_pin_policy pin;
    pb_error err;
    if (pb_pin_parse("compact", &pin, &err) != 0) {
        CHECK_MSG(0, "--pin compact: %s", err.msg);
        return;
    }
    for (size_t b = 0; pb_backends[b]; b++) {
        if (*pb_backend_unavailable(pb_backends[b])) {
            CHECK_SKIP("%s: %s", pb_backends[b]->name, pb_backend_unavailable(pb_backends[b]));
            continue;
        }
        watch w = run("counter:n=1000,tasks=2", pb_backends[b], pb_backends[b] == &pb_backend_serial ? 1 : 2,
                      PB_IPC_ARENA, 0, &pin, 0);
        const pb_run_record *r = &w.last;
        if (!w.runs)
            continue;
        if (r->bound != 1) {
            CHECK_SKIP("%s: binding was refused here (%s): where it happens cannot be seen", pb_backends[b]->name,
                       r->bind_refusal);
            continue;
        }
        bool inside = pb_backends[b] == &pb_backend_pthread || pb_backends[b] == &pb_backend_fork;
        if (inside)
            CHECK_MSG(r->bind_s > 0 && r->bind_s <= r->spawn_s, "%s: bind_s %.9f, spawn_s %.9f",
                      pb_backends[b]->name, r->bind_s, r->spawn_s);
        else
            CHECK_MSG(r->bind_s == 0, "%s binds before the clock, yet bind_s %.9f", pb_backends[b]->name, r->bind_s);
    }
}

/* Task 0 counts (CPU), task 1 ends its worker: one worker with both tasks
 * in one chunk, so the worker that dies has used task 0's CPU in the run. */
static void a_dead_workers_cpu_is_kept(void)
{
    struct { const pb_backend *b; const char *fault; pb_ipc ipc; } cases[] = {
        { &pb_backend_process_pool, "segv", PB_IPC_ARENA },
        { &pb_backend_process_pool, "exit", PB_IPC_ARENA },
        { &pb_backend_process_pool, "segv", PB_IPC_PIPE },
        { &pb_backend_thread_pool, "exit", PB_IPC_ARENA },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char spec[96];
        snprintf(spec, sizeof spec, "counter:n=3e7,tasks=2,fault=%s@1", cases[k].fault);
        pb_workload_spec s;
        pb_error err = { 0 };
        if (pb__cli_parse_workload(spec, &s, &err) != 0) {
            CHECK_MSG(0, "%s: %s", spec, err.msg);
            continue;
        }
        watch w = { .what = cases[k].b->name };
        pb_config cfg = { .workload = s.workload, .params = s.params, .backend = cases[k].b, .workers = 1,
                          .reps = 3, .chunk = 2, .ipc = cases[k].ipc };
        pb_run_observer obs = { .run_starting = on_starting, .run_done = on_done, .user = &w };
        pb_run_config(&cfg, &obs, &err);
        const pb_run_record *r = &w.last;
        CHECK_MSG(w.runs == 3 && !r->ok && r->replaced == 1, "%s %s: runs %u ok %d replaced %u: %s",
                  cases[k].b->name, cases[k].fault, w.runs, r->ok, r->replaced, r->note);
        /* 3e7 adds: tens of milliseconds of the worker's own thread clock, all in the dead worker */
        CHECK_MSG(w.task0_cpu_ns > 1000000, "%s: task 0 used %lld ns", cases[k].b->name, (long long)w.task0_cpu_ns);
        double cpu = r->user_s + r->sys_s;
        /* exact runtimes on both sides; a reaped child's rusage counts in microseconds: 1 us of slack */
        CHECK_MSG(cpu >= (double)w.task0_cpu_ns / 1e9 - 1e-6, "%s %s/%s: run CPU %.6f s < the dead worker's task "
                  "%.6f s", cases[k].b->name, cases[k].fault, pb_ipc_name(cases[k].ipc), cpu,
                  (double)w.task0_cpu_ns / 1e9);
    }
}

int main(void)
{
    phases_hold_the_work();
    binding_is_where_it_is_said();
    a_dead_workers_cpu_is_kept();
    return check_report("phases");
}
