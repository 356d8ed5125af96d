/* The wait policy does what --wait says, for both pools and both
 * transports: passive workers sleep as soon as a run ends; active workers
 * spin between runs until the pool is rested (then sleep) or has been idle
 * for PB_WAIT_ACTIVE_IDLE_NS; adaptive workers spin for their bound, then
 * sleep. Sleeping or spinning is read from the kernel (the worker's state
 * in /proc: S sleeps, R runs or waits for a CPU), not from timings. Every
 * policy hands work over without losing a wake-up (hundreds of verified
 * runs, a lost wake-up would hang the test). */
#include <stdlib.h>
#include <unistd.h>

#include "backends/pool.h"
#include "check.h"
#include "cli/cli.h"
#include "parbench/clock.h"
#include "parbench/registry.h"

typedef struct opened {
    pb_plan plan;
    pb_exec ex;
} opened;

static bool open_pool(opened *o, const char *spec, const pb_backend *b, unsigned W, pb_ipc ipc, pb_wait_policy wait)
{
    pb_workload_spec ws;
    pb_error err = { 0 };
    if (pb__cli_parse_workload(spec, &ws, &err) || pb_plan_create(&o->plan, ws.workload, &ws.params, &err)) {
        fprintf(stderr, "%s: %s\n", spec, err.msg);
        exit(1);
    }
    o->ex = (pb_exec){ .backend = b, .config = { .workers = W, .ipc = ipc, .wait = wait } };
    int rc = b->open(&o->ex, &o->plan, &err);
    CHECK_MSG(rc == 0, "%s: %s", b->name, err.msg);
    return rc == 0;
}

/* n verified runs; the number that verified. */
static int run_n(opened *o, int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        pb_run_stats st = { 0 };
        pb_error err = { 0 };
        char result[96];
        pb_plan_reset(&o->plan);
        ok += o->ex.backend->execute(&o->ex, &o->plan, &st, &err) == 0 &&
              pb_plan_verify(&o->plan, result, sizeof result, &err) == 0;
    }
    return ok;
}

static void close_pool(opened *o)
{
    o->ex.backend->close(&o->ex);
    pb_plan_destroy(&o->plan);
}

/* How many of the pool's workers are in state `s` now. Both pools keep
 * their pb_pool first in their state (a thread's tid, a process's pid). */
static unsigned workers_in(opened *o, char s)
{
    pb_pool *p = o->ex.state;
    unsigned n = 0;
    for (unsigned w = 0; w < p->workers; w++)
        n += pb__proc_state(atomic_load(&p->ctl->slot[w].tid)) == s;
    return n;
}

/* Wait up to `ms` for every worker to sleep. */
static bool all_asleep_within(opened *o, int ms)
{
    int64_t until = pb_now_ns() + (int64_t)ms * 1000000;
    pb_pool *p = o->ex.state;
    while (pb_now_ns() < until) {
        if (workers_in(o, 'S') == p->workers)
            return true;
        usleep(1000);
    }
    return false;
}

/* Right after a run (within `window_ms`, so that a descheduled test does
 * not look at workers that have legitimately gone to sleep): are they all
 * spinning? Samples taken too late do not count; none in time is a skip. */
static int all_spinning_after_run(opened *o, int window_ms)
{
    pb_pool *p = o->ex.state;
    for (int attempt = 0; attempt < 5; attempt++) {
        if (run_n(o, 1) != 1)
            return 0;
        int64_t end = pb_now_ns();
        unsigned running = workers_in(o, 'R');
        if (pb_now_ns() - end < (int64_t)window_ms * 1000000)
            return running == p->workers;
    }
    return -1;
}

static void policies(const pb_backend *b, pb_ipc ipc)
{
    const char *what = ipc == PB_IPC_PIPE ? "/pipe" : "";
    const char *spec = "counter:n=1000,tasks=8";
    opened o;

    /* passive: asleep as soon as the run is over */
    if (open_pool(&o, spec, b, 2, ipc, (pb_wait_policy){ .kind = PB_WAIT_PASSIVE })) {
        CHECK(run_n(&o, 3) == 3);
        CHECK_MSG(all_asleep_within(&o, 1000), "%s%s passive: workers still awake after 1 s", b->name, what);
        close_pool(&o);
    }

    /* active: spinning between runs; rest puts them to sleep; so does the idle bound */
    if (open_pool(&o, spec, b, 2, ipc, (pb_wait_policy){ .kind = PB_WAIT_ACTIVE })) {
        int spinning = all_spinning_after_run(&o, 30);
        if (spinning < 0)
            CHECK_SKIP("%s%s active: the test was never scheduled within 30 ms of a run: spin not observed",
                       b->name, what);
        else
            CHECK_MSG(spinning == 1, "%s%s active: a worker slept right after a run", b->name, what);
        /* rested: asleep well before the idle bound would have put them to sleep
         * (the best of three tries: the test itself may be descheduled) */
        int64_t best = INT64_MAX;
        for (int attempt = 0; attempt < 3; attempt++) {
            CHECK(run_n(&o, 1) == 1);
            int64_t t0 = pb_now_ns();
            o.ex.backend->rest(&o.ex);
            if (all_asleep_within(&o, 1000) && pb_now_ns() - t0 < best)
                best = pb_now_ns() - t0;
        }
        CHECK_MSG(best < PB_WAIT_ACTIVE_IDLE_NS / 2, "%s%s active: rested workers took %.1f ms to sleep", b->name,
                  what, best == INT64_MAX ? -1.0 : (double)best / 1e6);
        CHECK(run_n(&o, 3) == 3);   /* a rested pool wakes for the next run */
        CHECK_MSG(all_asleep_within(&o, (int)(PB_WAIT_ACTIVE_IDLE_NS / 1000000) + 2000),
                  "%s%s active: idle workers never went to sleep", b->name, what);
        close_pool(&o);
    }

    /* adaptive with a long bound: spinning first, asleep after the bound */
    if (open_pool(&o, spec, b, 2, ipc, (pb_wait_policy){ .kind = PB_WAIT_ADAPTIVE, .spin_ns = 300000000 })) {
        int spinning = all_spinning_after_run(&o, 100);
        if (spinning < 0)
            CHECK_SKIP("%s%s adaptive 300 ms: the test was never scheduled within 100 ms of a run", b->name, what);
        else
            CHECK_MSG(spinning == 1, "%s%s adaptive 300 ms: a worker slept right after a run", b->name, what);
        CHECK_MSG(all_asleep_within(&o, 2300), "%s%s adaptive 300 ms: still awake after 2.3 s", b->name, what);
        close_pool(&o);
    }

    /* hand-offs under every policy, 1 to 3 workers, with workers and parent
     * both asleep (passive, or a 1 us bound on long tasks) and awake */
    struct { pb_wait_policy w; const char *spec; int runs; } cases[] = {
        { { .kind = PB_WAIT_PASSIVE }, "counter:n=1,tasks=2", 300 },
        { { .kind = PB_WAIT_ACTIVE }, "counter:n=1,tasks=2", 300 },
        { { .kind = PB_WAIT_ADAPTIVE }, "counter:n=1,tasks=5", 300 },
        { { .kind = PB_WAIT_ADAPTIVE, .spin_ns = 1000 }, "counter:n=2e6,tasks=3", 10 },
        { { .kind = PB_WAIT_ACTIVE }, "counter:n=2e6,tasks=3", 10 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (unsigned W = 1; W <= 3; W++) {
            if (!open_pool(&o, cases[c].spec, b, W, ipc, cases[c].w))
                continue;
            int ok = run_n(&o, cases[c].runs);
            CHECK_MSG(ok == cases[c].runs, "%s%s %s W=%u %s: %d of %d runs verified", b->name, what,
                      pb_wait_name(cases[c].w.kind), W, cases[c].spec, ok, cases[c].runs);
            close_pool(&o);
        }
}

int main(void)
{
    pb_wait_kind k;
    pb_error err;
    for (int i = 0; i < 3; i++)
        CHECK(pb_wait_parse(pb_wait_name((pb_wait_kind)i), &k, &err) == 0 && k == (pb_wait_kind)i);
    CHECK(pb_wait_parse("spin", &k, &err) == PB_E_ARG && strstr(err.msg, "--wait"));
    CHECK(pb_wait_spin_ns(&(pb_wait_policy){ .kind = PB_WAIT_PASSIVE, .spin_ns = 5 }, false) == 0);
    CHECK(pb_wait_spin_ns(&(pb_wait_policy){ .kind = PB_WAIT_ADAPTIVE }, false) == PB_SPIN_NS_DEFAULT);
    CHECK(pb_wait_spin_ns(&(pb_wait_policy){ .kind = PB_WAIT_ADAPTIVE, .spin_ns = 7000 }, true) == 7000);
    CHECK(pb_wait_spin_ns(&(pb_wait_policy){ .kind = PB_WAIT_ACTIVE }, true) == INT64_MAX);
    CHECK(pb_wait_spin_ns(&(pb_wait_policy){ .kind = PB_WAIT_ACTIVE }, false) == PB_WAIT_ACTIVE_IDLE_NS);

    policies(&pb_backend_thread_pool, PB_IPC_ARENA);
    policies(&pb_backend_process_pool, PB_IPC_ARENA);
    policies(&pb_backend_process_pool, PB_IPC_PIPE);
    return check_report("wait");
}
