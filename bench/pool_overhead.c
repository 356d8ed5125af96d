/* pool_overhead: what handing work to a pool costs, next to the bare system
 * calls it replaces or rests on, all measured in one run on this machine.
 *
 *   throughput  cost per task of a batch of near-empty tasks through each
 *               pool, against creating and joining a thread, forking and
 *               reaping a process, and a pipe round trip
 *   latency     one task handed to an idle pool (a sleeping worker must be
 *               woken) and its outcome awaited, against a bare futex round
 *               trip between two threads and between two processes
 *   idle        CPU used by idle pool workers, as a share of one core
 *   scaling     counter with T = W = PUs and n = 1e8: pool speedup / ideal
 *
 * Every figure is a median over repeated trials; ratios compare figures of
 * this one run. Usage: pool_overhead [--quick]  (--quick: tiny counts, for
 * the test suite; its figures are not meant to be read). */
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "baselines.h"
#include "cli/cli.h"
#include "core/gate.h"
#include "parbench/clock.h"
#include "parbench/machine.h"
#include "parbench/registry.h"
#include "parbench/runner.h"

static bool quick;
static int failures;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum { TRIALS = 7 };

/* ---- bare baselines (bench/baselines.c), n operations, ns each ---------- */

static double per_op_ns(void (*op)(void), int n)
{
    int64_t t0 = pb_now_ns();
    for (int i = 0; i < n; i++)
        op();
    return (double)(pb_now_ns() - t0) / n;
}

static double bare_thread_ns(int n)
{
    return per_op_ns(pb_bl_thread_once, n);
}

static double bare_fork_ns(int n)
{
    return per_op_ns(pb_bl_fork_once, n);
}

static double round_trips_ns(pb_bl_kind kind, int n)
{
    pb_bl_partner *p = pb_bl_partner_start(kind);
    pb_bl_round_trip(p);   /* the partner is up */
    int64_t t0 = pb_now_ns();
    for (int i = 0; i < n; i++)
        pb_bl_round_trip(p);
    double ns = (double)(pb_now_ns() - t0) / n;
    pb_bl_partner_stop(p);
    return ns;
}

static double futex_threads_ns(int n)
{
    return round_trips_ns(PB_BL_FUTEX_THREAD, n);
}

static double futex_processes_ns(int n)
{
    return round_trips_ns(PB_BL_FUTEX_PROCESS, n);
}

static double pipe_round_trip_ns(int n)
{
    return round_trips_ns(PB_BL_PIPE, n);
}

/* Run time of a thread so far, from the scheduler (/proc/.../schedstat). */
static int64_t schedstat_ns(const char *path)
{
    FILE *f = fopen(path, "r");
    long long ns = 0;
    if (f) {
        if (fscanf(f, "%lld", &ns) != 1)
            ns = 0;
        fclose(f);
    }
    return ns;
}

/* CPU of this process's threads other than the calling one. */
static int64_t others_cpu_ns(void)
{
    int64_t sum = 0;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300];
        if (e->d_name[0] == '.' || atoi(e->d_name) == gettid())
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/schedstat", e->d_name);
        sum += schedstat_ns(path);
    }
    if (d)
        closedir(d);
    return sum;
}

/* CPU of this process's live children. */
static int64_t children_cpu_ns(void)
{
    int64_t sum = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t k = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[k] = '\0';
        char *q = strrchr(buf, ')');
        int ppid;
        if (q && sscanf(q + 2, "%*c %d", &ppid) == 1 && ppid == getpid()) {
            snprintf(path, sizeof path, "/proc/%s/schedstat", e->d_name);
            sum += schedstat_ns(path);
        }
    }
    if (d)
        closedir(d);
    return sum;
}

/* ---- parbench backends --------------------------------------------------- */

typedef struct backend_run {
    const pb_backend *backend;
    pb_ipc ipc;
    unsigned workers;
    uint64_t chunk;
} backend_run;

/* The wait policy open_backend gives pools: the default, except where an
 * idle pool is measured. */
static pb_wait_kind open_wait = PB_WAIT_ADAPTIVE;

/* An opened backend with its plan, for measurements interleaved with others. */
typedef struct opened {
    pb_plan plan;
    pb_exec ex;
} opened;

static void open_backend(opened *o, const char *spec, backend_run b)
{
    pb_workload_spec ws;
    pb_error err;
    if (pb_cli_parse_workload(spec, &ws, &err) || pb_plan_create(&o->plan, ws.workload, &ws.params, &err)) {
        fprintf(stderr, "pool_overhead: %s: %s\n", spec, err.msg);
        exit(1);
    }
    o->ex = (pb_exec){ .backend = b.backend, .config = { .workers = b.workers, .chunk = b.chunk, .ipc = b.ipc,
                                                         .wait = { .kind = open_wait } } };
    if (b.backend->open(&o->ex, &o->plan, &err)) {
        fprintf(stderr, "pool_overhead: %s: %s\n", b.backend->name, err.msg);
        exit(1);
    }
}

/* Median wall time of n verified executes. */
static double run_opened(opened *o, int n)
{
    double *v = calloc((size_t)n, sizeof *v);
    pb_error err;
    for (int i = 0; i < n; i++) {
        pb_run_stats st = { 0 };
        char result[96];
        pb_plan_reset(&o->plan);
        if (o->ex.backend->execute(&o->ex, &o->plan, &st, &err) ||
            pb_plan_verify(&o->plan, result, sizeof result, &err)) {
            fprintf(stderr, "pool_overhead: %s: %s\n", o->ex.backend->name, err.msg);
            exit(1);
        }
        v[i] = (double)(st.t_end - st.t_start);
    }
    double m = median(v, n);
    free(v);
    return m;
}

static void close_backend(opened *o)
{
    o->ex.backend->close(&o->ex);
    pb_plan_destroy(&o->plan);
}

/* Latency of one task through an idle pool and the bare futex round trip it
 * rests on, measured in alternation so that both see the same machine. */
static void latency_pair(backend_run b, double (*bare)(int), int rounds, int alternations,
                         double *pool_ns, double *bare_ns)
{
    opened o;
    open_wait = PB_WAIT_PASSIVE;   /* an idle pool: its worker sleeps, as the bare waiter does */
    open_backend(&o, "counter:n=1,tasks=1", b);
    open_wait = PB_WAIT_ADAPTIVE;
    double *pv = calloc((size_t)alternations, sizeof *pv), *bv = calloc((size_t)alternations, sizeof *bv);
    for (int i = 0; i < alternations; i++) {
        bv[i] = bare(rounds);
        pv[i] = run_opened(&o, rounds);
    }
    *pool_ns = median(pv, alternations);
    *bare_ns = median(bv, alternations);
    free(pv);
    free(bv);
    close_backend(&o);
}

/* Median wall time of one execute() of `spec`, over `trials` executes of
 * one opened backend; every run verified. */
static double execute_ns(const char *spec, backend_run b, int trials)
{
    pb_workload_spec ws;
    pb_error err;
    pb_plan plan;
    if (pb_cli_parse_workload(spec, &ws, &err) || pb_plan_create(&plan, ws.workload, &ws.params, &err)) {
        fprintf(stderr, "pool_overhead: %s: %s\n", spec, err.msg);
        exit(1);
    }
    pb_exec ex = { .backend = b.backend, .config = { .workers = b.workers, .chunk = b.chunk, .ipc = b.ipc } };
    if (b.backend->open(&ex, &plan, &err)) {
        fprintf(stderr, "pool_overhead: %s: %s\n", b.backend->name, err.msg);
        exit(1);
    }
    double *v = calloc((size_t)trials, sizeof *v);
    for (int i = 0; i < trials; i++) {
        pb_run_stats st = { 0 };
        char result[96];
        pb_plan_reset(&plan);
        if (b.backend->execute(&ex, &plan, &st, &err) || pb_plan_verify(&plan, result, sizeof result, &err)) {
            fprintf(stderr, "pool_overhead: %s under %s: %s\n", spec, b.backend->name, err.msg);
            exit(1);
        }
        v[i] = (double)(st.t_end - st.t_start);
    }
    double med = median(v, trials);
    free(v);
    b.backend->close(&ex);
    pb_plan_destroy(&plan);
    return med;
}

static void row(const char *what, double value, const char *unit)
{
    printf("  %-58s %12.3f %s\n", what, value, unit);
}

static void goal(const char *what, double ratio, const char *op, double limit, bool ok)
{
    printf("  %-58s %12.2f   goal %s %.2f: %s\n", what, ratio, op, limit, ok ? "met" : "NOT MET");
    failures += !ok;
}

/* Median of TRIALS calls of f(n). */
static double med_of(double (*f)(int), int n)
{
    double v[TRIALS];
    for (int i = 0; i < TRIALS; i++)
        v[i] = f(n);
    return median(v, TRIALS);
}

int main(int argc, char **argv)
{
    quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    if (argc > 1 && !quick) {
        fprintf(stderr, "usage: pool_overhead [--quick]\n");
        return 2;
    }
    unsigned pus = pb_allowed_pus();
    int n_spawn = quick ? 20 : 2000, n_fork = quick ? 10 : 300, n_rt = quick ? 100 : 20000;
    int batch = quick ? 200 : 20000, trials = quick ? 3 : 15, lat_trials = quick ? 20 : 200;
    char spec[64];

    printf("pool_overhead on %u PUs%s (medians of repeated trials)\n\n", pus, quick ? ", --quick" : "");
    double thread_ns = med_of(bare_thread_ns, n_spawn);
    double fork_ns = med_of(bare_fork_ns, n_fork);
    double fx_t = med_of(futex_threads_ns, n_rt);
    double fx_p = med_of(futex_processes_ns, n_rt);
    double pipe_ns = med_of(pipe_round_trip_ns, n_rt);
    printf("bare system calls, per operation\n");
    row("pthread_create + pthread_join of an empty thread", thread_ns / 1e3, "us");
    row("fork + _exit + waitpid", fork_ns / 1e3, "us");
    row("futex round trip, two threads (both sleep)", fx_t / 1e3, "us");
    row("futex round trip, two processes (both sleep)", fx_p / 1e3, "us");
    row("pipe round trip, two processes", pipe_ns / 1e3, "us");

    /* throughput: a batch of near-empty tasks (one add each) */
    snprintf(spec, sizeof spec, "counter:n=1,tasks=%d", batch);
    backend_run tp = { &pb_backend_thread_pool, PB_IPC_ARENA, pus, 0 };
    backend_run pp = { &pb_backend_process_pool, PB_IPC_ARENA, pus, 0 };
    backend_run ppp = { &pb_backend_process_pool, PB_IPC_PIPE, pus, 0 };
    double tp_task = execute_ns(spec, tp, trials) / batch;
    double pp_task = execute_ns(spec, pp, trials) / batch;
    double ppp_task = execute_ns(spec, ppp, trials) / batch;
    printf("\nthroughput: a batch of %d near-empty tasks, W = %u, per task\n", batch, pus);
    row("thread-pool", tp_task / 1e3, "us");
    row("process-pool, shared memory", pp_task / 1e3, "us");
    row("process-pool, pipes", ppp_task / 1e3, "us");
    goal("pthread_create+join / thread-pool per task", thread_ns / tp_task, ">=", 5, thread_ns / tp_task >= 5);
    goal("fork+_exit+waitpid / process-pool (shm) per task", fork_ns / pp_task, ">=", 5, fork_ns / pp_task >= 5);
    goal("process-pool (pipes) per task / pipe round trip", ppp_task / pipe_ns, "<=", 1, ppp_task <= pipe_ns);

    /* latency: one task to an idle pool, alternating with its bare baseline */
    double tp_lat, pp_lat;
    latency_pair(tp, futex_threads_ns, lat_trials, quick ? 3 : 15, &tp_lat, &fx_t);
    latency_pair(pp, futex_processes_ns, lat_trials, quick ? 3 : 15, &pp_lat, &fx_p);
    printf("\nlatency: one near-empty task handed to an idle pool, outcome awaited\n"
           "(measured in alternation with the futex round trips, which are re-measured here)\n");
    row("futex round trip, two threads", fx_t / 1e3, "us");
    row("thread-pool", tp_lat / 1e3, "us");
    row("futex round trip, two processes", fx_p / 1e3, "us");
    row("process-pool, shared memory", pp_lat / 1e3, "us");
    goal("thread-pool / futex round trip (threads)", tp_lat / fx_t, "<=", 1.5, tp_lat <= 1.5 * fx_t);
    goal("process-pool / futex round trip (processes)", pp_lat / fx_p, "<=", 1.5, pp_lat <= 1.5 * fx_p);
    printf("  %-58s %12.2f   (above 1: waking a sleeping thread costs more than making one)\n",
           "thread-pool latency / pthread_create+join", tp_lat / thread_ns);
    printf("  (on a virtual machine a cross-CPU wake-up can cost more than creating a thread: compare\n"
           "   the rows above as they are, the pool only adds its bookkeeping to the wake-up)\n");

    printf("\nidle: CPU used by idle pool workers over a quiet period, share of one core\n");
    for (int k = 0; k < 2; k++) {
        const pb_backend *b = k ? &pb_backend_process_pool : &pb_backend_thread_pool;
        pb_workload_spec ws;
        pb_error err;
        pb_plan plan;
        pb_run_stats st = { 0 };
        pb_cli_parse_workload("counter:n=1,tasks=1", &ws, &err);
        pb_plan_create(&plan, ws.workload, &ws.params, &err);
        pb_exec ex = { .backend = b, .config = { .workers = pus } };
        if (b->open(&ex, &plan, &err) || b->execute(&ex, &plan, &st, &err)) {   /* every worker awake once */
            fprintf(stderr, "pool_overhead: %s: %s\n", b->name, err.msg);
            return 1;
        }
        int64_t quiet = quick ? 50000000 : 1000000000;
        int64_t cpu0 = k ? children_cpu_ns() : others_cpu_ns(), t0 = pb_now_ns();
        nanosleep(&(struct timespec){ quiet / 1000000000, quiet % 1000000000 }, NULL);
        int64_t cpu1 = k ? children_cpu_ns() : others_cpu_ns(), t1 = pb_now_ns();
        double share = (double)(cpu1 - cpu0) / (double)(t1 - t0);
        char what[96];
        snprintf(what, sizeof what, "%s, %u idle workers (all together)", b->name, pus);
        goal(what, share * 100, "<", 1, share < 0.01);
        b->close(&ex);
        pb_plan_destroy(&plan);
    }

    /* scaling: counter with T = W = PUs */
    snprintf(spec, sizeof spec, "counter:n=%s,tasks=%u", quick ? "1e6" : "1e8", pus);
    /* serial and both pools in alternation, one run each per round */
    backend_run serial = { &pb_backend_serial, PB_IPC_ARENA, 1, 0 };
    opened os, ot, op;
    open_backend(&os, spec, serial);
    open_backend(&ot, spec, tp);
    open_backend(&op, spec, pp);
    int rounds = quick ? 3 : 21;
    double *sv = calloc((size_t)rounds, sizeof *sv), *tv = calloc((size_t)rounds, sizeof *tv),
           *pv = calloc((size_t)rounds, sizeof *pv);
    for (int i = 0; i < rounds; i++) {
        sv[i] = run_opened(&os, 1);
        tv[i] = run_opened(&ot, 1);
        pv[i] = run_opened(&op, 1);
    }
    double s_ns = median(sv, rounds), tpw = median(tv, rounds), ppw = median(pv, rounds);
    free(sv), free(tv), free(pv);
    close_backend(&os);
    close_backend(&ot);
    close_backend(&op);
    printf("\nscaling: %s, W = %u (%d alternating rounds)\n", spec, pus, rounds);
    row("serial", s_ns / 1e6, "ms");
    row("thread-pool", tpw / 1e6, "ms");
    row("process-pool", ppw / 1e6, "ms");
    goal("thread-pool speedup / ideal", s_ns / tpw / pus, ">=", 0.95, s_ns / tpw / pus >= 0.95);
    goal("process-pool speedup / ideal", s_ns / ppw / pus, ">=", 0.95, s_ns / ppw / pus >= 0.95);

    printf("\n%s\n", failures ? "some goals were not met on this machine (see above)" : "every goal met");
    return 0;   /* a benchmark reports; it does not fail the build on a noisy machine */
}
