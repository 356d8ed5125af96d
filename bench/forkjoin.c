/* forkjoin: what handing work to a team costs, measured EPCC's way
 * (the EPCC OpenMP micro-benchmarks' syncbench and schedbench), in
 * parbench's two pools and in OpenMP (libgomp), under every wait policy,
 * in one run of one program.
 *
 * Method. A delay loop is calibrated to DELAY_NS. Each outer repetition
 * (one Google Benchmark iteration) times the reference, the delays alone
 * in the shape the construct runs them on one thread, then the test, the
 * same delays inside `inner` constructs; overhead = (test - reference) /
 * inner. `inner` is chosen once per benchmark so that a test lasts about
 * TARGET_NS (EPCC's getinnerreps). Unlike EPCC, reference and test
 * alternate within every outer repetition, so both see the same machine.
 * OUTER repetitions give the median and its distribution-free 95% interval
 * (parbench/stats.h). Every repetition verifies itself: each worker counts
 * the delays (or barrier passes) it ran, and the counts must add up.
 *
 *   PARALLEL  W tasks of one delay each, submitted and awaited (pools); a
 *             parallel region of W threads, one delay each (openmp)
 *   BARRIER   in one team or region, W workers each run (delay; barrier)
 *             inner times
 *   FOR       inner loops of ITERS x W iterations of one delay, dynamic
 *             chunks of c; also per iteration of a worker (/ ITERS)
 *   BATCH     10^5 empty tasks through a pool (default chunk): wall per
 *             task per worker; beside it the same batch as parbench tasks
 *             (their timestamps and CPU clocks) through execute()
 *   IDLE      CPU of an open pool's (or team's) idle workers over IDLE_NS,
 *             once the pool is rested (and, shown, without resting)
 *   SPIN      the spin-bound sweep: one empty task to a one-worker thread
 *             pool after an idle gap, for several spin bounds
 *
 * Runtimes: thread-pool and process-pool (shared memory) in this process,
 * through their lean batches (src/backends/pool.h: the pool's dispatch and
 * waiting without the runner's accounting); openmp in a child process per
 * wait policy, since libgomp reads OMP_WAIT_POLICY once, when a process
 * starts (the child is this program run with --pb_omp_server and the
 * environment the policy maps to: src/backends/openmp.h). W = 1, 2 and the
 * PUs this process may use.
 *
 * PB_FORKJOIN_QUICK=1 in the environment: tiny counts (the test suite's
 * smoke run; its figures are not meant to be read). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/openmp.h"
#include "backends/pool.h"
#include "parbench/clock.h"
#include "parbench/machine.h"
#include "parbench/registry.h"
#include "parbench/stats.h"
#include "parbench/wait.h"
#include "pb_build_config.h"
#include "shim/pb_gbench.h"

#if PB_HAVE_OPENMP
#include <omp.h>
#endif

#define DELAY_NS 100           /* EPCC syncbench's default delay time: 0.1 us */
#define ITERS 128              /* FOR: iterations per worker in each loop */
#define BATCH_TASKS 100000
#define BATCH_PLAN_TASKS 65536  /* the counter workload's largest plan */
#define MAX_WORKERS 256        /* per-worker counters in the shared page */

enum { C_PARALLEL, C_BARRIER, C_FOR, NCONSTRUCTS };
static const char *const construct_name[] = { "PARALLEL", "BARRIER", "FOR" };
enum { R_THREAD_POOL, R_PROCESS_POOL, R_OPENMP, NRUNTIMES };
static const char *const runtime_name[] = { "thread-pool", "process-pool", "openmp" };
static const pb_wait_kind policies[] = { PB_WAIT_ACTIVE, PB_WAIT_PASSIVE, PB_WAIT_ADAPTIVE };
static const int64_t chunks[] = { 1, 2, 4, 8, 16, 32, 64, 128 };

static bool quick;
static int64_t target_ns = 1000000;   /* EPCC's target test time: 1000 us */
static int64_t outer = 15;            /* outer repetitions */
static int64_t idle_ns = 1000000000;
static unsigned pus;

/* What every worker reads (MAP_SHARED: pool processes see it too). */
typedef struct shared {
    uint64_t delay_len;                 /* delay loop turns for DELAY_NS */
    uint64_t inner;                     /* BARRIER: passes per worker */
    struct { uint64_t n; char pad[56]; } done[MAX_WORKERS];   /* work each worker did: checked */
} shared;
static shared *sh;

static void delay(uint64_t n)
{
    uint64_t a = 0;
    for (uint64_t i = 0; i < n; i++) {
        a += i;
        __asm__ volatile("" : "+r"(a));   /* one real add per turn: the loop cannot be folded */
    }
}

static uint64_t done_total(unsigned W)
{
    uint64_t sum = 0;
    for (unsigned w = 0; w < W; w++)
        sum += sh->done[w].n;
    return sum;
}

static void done_clear(void)
{
    for (unsigned w = 0; w < MAX_WORKERS; w++)
        sh->done[w].n = 0;
}

/* Turns of delay() for DELAY_NS, measured here (EPCC's getdelaylengthfromtime). */
static uint64_t calibrate_delay(void)
{
    uint64_t len = 1;
    for (;;) {
        int64_t t0 = pb_now_ns();
        for (int i = 0; i < 1000; i++)
            delay(len);
        if ((pb_now_ns() - t0) / 1000 >= DELAY_NS)
            return len;
        len = len * 11 / 10 + 1;
    }
}

/* ---- one outer repetition, in whichever process hosts the runtime ---------- */

typedef struct request {
    int32_t construct;
    uint32_t workers;
    uint64_t chunk, inner, delay_len;
    int64_t target_ns;
    int32_t idle;                       /* 1: measure idle CPU instead (openmp child) */
    int64_t idle_ns;
} request;

typedef struct answer {
    int64_t test_ns, ref_ns;
    uint64_t inner;
    double idle_share;                  /* idle: CPU of the team's other threads / idle time */
    int32_t ok;
    char why[200];
} answer;

/* Run `inner` constructs; 0, or -1 with the reason in why. */
typedef int (*test_fn)(void *ctx, const request *rq, uint64_t inner, char *why, size_t why_size);

/* The delays alone, as one worker of the construct runs them. */
static void reference(const request *rq, uint64_t inner)
{
    uint64_t n = rq->construct == C_FOR ? inner * ITERS : inner;
    for (uint64_t i = 0; i < n; i++)
        delay(rq->delay_len);
}

static uint64_t expected_work(const request *rq, uint64_t inner)
{
    uint64_t W = rq->workers;
    return rq->construct == C_FOR ? inner * ITERS * W : inner * W;
}

static void measure(test_fn test, void *ctx, const request *rq, answer *an)
{
    memset(an, 0, sizeof *an);
    uint64_t inner = rq->inner;
    if (!inner) {   /* EPCC: double until a test lasts the target time; these runs warm the team up */
        for (inner = 1;; inner *= 2) {
            done_clear();
            int64_t t0 = pb_now_ns();
            if (test(ctx, rq, inner, an->why, sizeof an->why) != 0)
                return;
            if (pb_now_ns() - t0 >= rq->target_ns || inner >= (1u << 22))
                break;
        }
    }
    done_clear();
    int64_t t0 = pb_now_ns();
    reference(rq, inner);
    int64_t t1 = pb_now_ns();
    if (test(ctx, rq, inner, an->why, sizeof an->why) != 0)
        return;
    int64_t t2 = pb_now_ns();
    uint64_t got = done_total(rq->workers), want = expected_work(rq, inner);
    if (got != want) {
        snprintf(an->why, sizeof an->why, "%s: the workers ran %llu delays, %llu expected",
                 construct_name[rq->construct], (unsigned long long)got, (unsigned long long)want);
        return;
    }
    an->ref_ns = t1 - t0;
    an->test_ns = t2 - t1;
    an->inner = inner;
    an->ok = 1;
}

/* ---- the pools: lean batches ------------------------------------------------ */

static void task_delay(void *arg, uint64_t t, unsigned w)
{
    (void)t;
    shared *s = arg;
    delay(s->delay_len);
    s->done[w].n++;
}

static void task_empty(void *arg, uint64_t t, unsigned w)
{
    (void)t;
    ((shared *)arg)->done[w].n++;
}

static void team_barrier(pb_pool *p, void *arg, unsigned w)
{
    shared *s = arg;
    for (uint64_t j = 0; j < s->inner; j++) {
        delay(s->delay_len);
        pb__pool_barrier(p);
        s->done[w].n++;
    }
}

static int pool_test(void *ctx, const request *rq, uint64_t inner, char *why, size_t why_size)
{
    pb_pool *p = ctx;
    pb_error err = { 0 };
    int rc = 0;
    switch (rq->construct) {
    case C_PARALLEL:
        for (uint64_t j = 0; j < inner && rc == 0; j++)
            rc = pb__pool_run_tasks(p, rq->workers, 1, task_delay, sh, &err);
        break;
    case C_BARRIER:
        sh->inner = inner;
        rc = pb__pool_run_team(p, team_barrier, sh, &err);
        break;
    default:
        for (uint64_t j = 0; j < inner && rc == 0; j++)
            rc = pb__pool_run_tasks(p, (uint64_t)ITERS * rq->workers, rq->chunk, task_delay, sh, &err);
        break;
    }
    if (rc)
        snprintf(why, why_size, "%s", err.msg);
    return rc ? -1 : 0;
}

/* A pool of W workers under a wait policy, opened through its backend. */
typedef struct opened_pool {
    pb_plan plan;
    pb_exec ex;
    pb_pool *pool;
} opened_pool;

static int pool_open(opened_pool *o, int runtime, unsigned W, pb_wait_policy wait, char *why, size_t why_size)
{
    pb_workload_spec ws;
    pb_error err = { 0 };
    if (pb_workload_spec_parse("counter:n=1,tasks=1", &ws, &err) ||
        pb_plan_create(&o->plan, ws.workload, &ws.params, &err)) {
        snprintf(why, why_size, "%s", err.msg);
        return -1;
    }
    const pb_backend *b = runtime == R_THREAD_POOL ? &pb_backend_thread_pool : &pb_backend_process_pool;
    o->ex = (pb_exec){ .backend = b, .config = { .workers = W, .wait = wait } };
    if (b->open(&o->ex, &o->plan, &err) != 0) {
        snprintf(why, why_size, "%s", err.msg);
        pb_plan_destroy(&o->plan);
        return -1;
    }
    o->pool = pb__pool_of(&o->ex);
    return 0;
}

static void pool_close(opened_pool *o)
{
    o->ex.backend->close(&o->ex);
    pb_plan_destroy(&o->plan);
}

/* CPU of every worker of a pool so far (their CPU clocks). */
static int64_t pool_cpu_ns(pb_pool *p)
{
    int64_t sum = 0;
    for (unsigned w = 0; w < p->workers; w++) {
        clockid_t clk;
        struct timespec ts;
        if (p->ops->cpu_clock(p, w, &clk) == 0 && clock_gettime(clk, &ts) == 0)
            sum += (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    return sum;
}

/* ---- openmp: the constructs, run in a child per wait policy ------------------- */

#if PB_HAVE_OPENMP
static int omp_test(void *ctx, const request *rq, uint64_t inner, char *why, size_t why_size)
{
    (void)ctx, (void)why, (void)why_size;
    int W = (int)rq->workers;
    uint64_t len = rq->delay_len;
    long chunk = (long)rq->chunk;
    switch (rq->construct) {
    case C_PARALLEL:
        for (uint64_t j = 0; j < inner; j++) {
#pragma omp parallel num_threads(W)
            {
                delay(len);
                sh->done[omp_get_thread_num()].n++;
            }
        }
        break;
    case C_BARRIER:
#pragma omp parallel num_threads(W)
        {
            int t = omp_get_thread_num();
            for (uint64_t j = 0; j < inner; j++) {
                delay(len);
#pragma omp barrier
                sh->done[t].n++;
            }
        }
        break;
    default:
#pragma omp parallel num_threads(W)
        {
            int t = omp_get_thread_num();
            for (uint64_t j = 0; j < inner; j++) {
#pragma omp for schedule(dynamic, chunk)
                for (int i = 0; i < ITERS * W; i++) {
                    delay(len);
                    sh->done[t].n++;
                }
            }
        }
        break;
    }
    return 0;
}

/* CPU of this process's threads but the calling one (/proc/self/task). */
static int64_t other_threads_cpu_ns(void)
{
    int64_t sum = 0;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == gettid())
            continue;
        char path[300];
        long long ns = 0;
        snprintf(path, sizeof path, "/proc/self/task/%s/schedstat", e->d_name);
        FILE *f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%lld", &ns) != 1)
                ns = 0;
            fclose(f);
        }
        sum += ns;
    }
    if (d)
        closedir(d);
    return sum;
}

static bool read_full(int fd, void *buf, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t k = read(fd, (char *)buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        got += (size_t)k;
    }
    return true;
}

static bool write_full(int fd, const void *buf, size_t n)
{
    for (size_t put = 0; put < n;) {
        ssize_t k = write(fd, (const char *)buf + put, n - put);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        put += (size_t)k;
    }
    return true;
}

/* The child: answer requests on stdin/stdout until the parent closes them. */
static int omp_server(void)
{
    omp_set_dynamic(0);
    request rq;
    while (read_full(0, &rq, sizeof rq)) {
        answer an;
        if (rq.workers > MAX_WORKERS) {
            memset(&an, 0, sizeof an);
            snprintf(an.why, sizeof an.why, "at most %d workers", MAX_WORKERS);
        } else if (rq.idle) {
            memset(&an, 0, sizeof an);
            request one = rq;
            one.construct = C_PARALLEL;
            omp_test(NULL, &one, 1, an.why, sizeof an.why);   /* the team made and used once */
            int64_t c0 = other_threads_cpu_ns(), t0 = pb_now_ns();
            nanosleep(&(struct timespec){ rq.idle_ns / 1000000000, rq.idle_ns % 1000000000 }, NULL);
            an.idle_share = (double)(other_threads_cpu_ns() - c0) / (double)(pb_now_ns() - t0);
            an.ok = 1;
        } else {
            measure(omp_test, NULL, &rq, &an);
        }
        if (!write_full(1, &an, sizeof an))
            break;
    }
    return 0;
}

typedef struct omp_child {
    pid_t pid;
    int to, from;
} omp_child;
static omp_child children[3];

/* The child for a policy, started at first use. */
static omp_child *child_for(pb_wait_kind k, char *why, size_t why_size)
{
    omp_child *c = &children[k];
    if (c->pid > 0)
        return c;
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) {
        snprintf(why, why_size, "openmp: cannot make pipes: %s", strerror(errno));
        return NULL;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_size, "openmp: cannot fork: %s", strerror(errno));
        return NULL;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        pb__openmp_env_set(&(pb_wait_policy){ .kind = k });
        execl("/proc/self/exe", "forkjoin", "--pb_omp_server", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c->pid = pid;
    c->to = in[1];
    c->from = out[0];
    return c;
}

static int omp_ask(pb_wait_kind k, const request *rq, answer *an)
{
    omp_child *c = child_for(k, an->why, sizeof an->why);
    if (!c)
        return -1;
    if (!write_full(c->to, rq, sizeof *rq) || !read_full(c->from, an, sizeof *an)) {
        snprintf(an->why, sizeof an->why, "openmp: the child process for --wait %s went away", pb_wait_name(k));
        return -1;
    }
    return an->ok ? 0 : -1;
}

/* End the child of a policy: under OMP_WAIT_POLICY=ACTIVE its idle threads
 * spin for minutes, which would take CPU from whatever is measured next. */
static void stop_child(pb_wait_kind k)
{
    if (children[k].pid > 0) {
        close(children[k].to);
        close(children[k].from);
        waitpid(children[k].pid, NULL, 0);
        children[k].pid = 0;
    }
}

static void stop_children(void)
{
    for (int k = 0; k < 3; k++)
        stop_child((pb_wait_kind)k);
}
#endif

/* ---- the benchmarks --------------------------------------------------------- */

typedef struct bench_case {
    int construct, runtime;
    pb_wait_kind wait;
} bench_case;

static void report_counters(pb_gb_state *st, const double *overhead, size_t n, double ref_ns, uint64_t inner,
                            int construct)
{
    double med = pb_median(overhead, n), lo = NAN, hi = NAN;
    pb_median_ci(overhead, n, &lo, &hi);
    pb_gb_counter(st, "overhead_ns", med, 0);
    if (lo == lo) {
        pb_gb_counter(st, "overhead_lo_ns", lo, 0);
        pb_gb_counter(st, "overhead_hi_ns", hi, 0);
    }
    if (construct == C_FOR) {
        pb_gb_counter(st, "per_iteration_ns", med / ITERS, 0);
        if (lo == lo) {
            pb_gb_counter(st, "per_iteration_lo_ns", lo / ITERS, 0);
            pb_gb_counter(st, "per_iteration_hi_ns", hi / ITERS, 0);
        }
    }
    pb_gb_counter(st, "reference_ns", ref_ns, 0);
    pb_gb_counter(st, "inner", (double)inner, 0);
}

static void bm_construct(pb_gb_state *st, void *user)
{
    const bench_case *bc = user;
    request rq = { .construct = bc->construct, .workers = (uint32_t)pb_gb_range(st, 0),
                   .chunk = bc->construct == C_FOR ? (uint64_t)pb_gb_range(st, 1) : 0,
                   .delay_len = sh->delay_len, .target_ns = target_ns };
    answer an = { 0 };
    opened_pool op;
    bool local = bc->runtime != R_OPENMP;
    if (rq.workers > MAX_WORKERS) {
        pb_gb_skip_with_error(st, "too many workers for forkjoin's counters");
        return;
    }
    if (local && pool_open(&op, bc->runtime, rq.workers, (pb_wait_policy){ .kind = bc->wait }, an.why,
                           sizeof an.why) != 0) {
        pb_gb_skip_with_error(st, an.why);
        return;
    }
#if PB_HAVE_OPENMP
#define ASK(rq, an) (local ? (measure(pool_test, op.pool, rq, an), (an)->ok ? 0 : -1) : omp_ask(bc->wait, rq, an))
#else
#define ASK(rq, an) (local ? (measure(pool_test, op.pool, rq, an), (an)->ok ? 0 : -1) : -1)
#endif
    double *overhead = calloc((size_t)outer + 64, sizeof *overhead), *refs = calloc((size_t)outer + 64, sizeof *refs);
    size_t n = 0;
    bool failed = ASK(&rq, &an) != 0;   /* calibrates inner (the runs warm the team up) */
    rq.inner = an.inner;
    while (!failed && pb_gb_keep_running(st)) {
        if (ASK(&rq, &an) != 0) {
            failed = true;
            break;
        }
        pb_gb_set_iteration_time(st, (double)an.test_ns / 1e9 / (double)rq.inner);
        if (n < (size_t)outer + 64) {
            overhead[n] = (double)(an.test_ns - an.ref_ns) / (double)rq.inner;
            refs[n++] = (double)an.ref_ns / (double)rq.inner;
        }
    }
#undef ASK
    if (failed)
        pb_gb_skip_with_error(st, an.why[0] ? an.why : "openmp is not in this build");
    else
        report_counters(st, overhead, n, pb_median(refs, n), rq.inner, bc->construct);
    free(overhead);
    free(refs);
    if (local)
        pool_close(&op);
#if PB_HAVE_OPENMP
    else
        stop_child(bc->wait);
#endif
}

/* BATCH: 10^5 empty tasks; wall per task per worker. */
static void bm_batch(pb_gb_state *st, void *user)
{
    const bench_case *bc = user;
    unsigned W = (unsigned)pb_gb_range(st, 0);
    opened_pool op;
    char why[200];
    if (pool_open(&op, bc->runtime, W, (pb_wait_policy){ .kind = bc->wait }, why, sizeof why) != 0) {
        pb_gb_skip_with_error(st, why);
        return;
    }
    uint64_t tasks = quick ? 2000 : BATCH_TASKS;
    double per[256];
    size_t n = 0;
    pb_error err = { 0 };
    int rc = pb__pool_run_tasks(op.pool, tasks, 0, task_empty, sh, &err);   /* warm */
    while (rc == 0 && pb_gb_keep_running(st)) {
        done_clear();
        int64_t t0 = pb_now_ns();
        rc = pb__pool_run_tasks(op.pool, tasks, 0, task_empty, sh, &err);
        int64_t t = pb_now_ns() - t0;
        if (rc == 0 && done_total(W) != tasks) {
            snprintf(err.msg, sizeof err.msg, "BATCH: %llu of %llu tasks ran", (unsigned long long)done_total(W),
                     (unsigned long long)tasks);
            rc = -1;
        }
        pb_gb_set_iteration_time(st, (double)t / 1e9);
        if (n < 256)
            per[n++] = (double)t * W / (double)tasks;
    }
    if (rc)
        pb_gb_skip_with_error(st, err.msg);
    else {
        double lo = NAN, hi = NAN;
        pb_median_ci(per, n, &lo, &hi);
        pb_gb_counter(st, "per_task_worker_ns", pb_median(per, n), 0);
        if (lo == lo) {
            pb_gb_counter(st, "per_task_worker_lo_ns", lo, 0);
            pb_gb_counter(st, "per_task_worker_hi_ns", hi, 0);
        }
        pb_gb_counter(st, "chunk", (double)pb__pool_default_chunk(tasks, W), 0);
    }
    pool_close(&op);
}

/* The same batch as parbench tasks (outcomes, timestamps, CPU clocks) through execute(). */
static void bm_batch_tasks(pb_gb_state *st, void *user)
{
    const bench_case *bc = user;
    unsigned W = (unsigned)pb_gb_range(st, 0);
    char spec[64];
    snprintf(spec, sizeof spec, "counter:n=1,tasks=%d", quick ? 2000 : BATCH_PLAN_TASKS);
    pb_workload_spec ws;
    pb_error err = { 0 };
    pb_plan plan;
    if (pb_workload_spec_parse(spec, &ws, &err) || pb_plan_create(&plan, ws.workload, &ws.params, &err)) {
        pb_gb_skip_with_error(st, err.msg);
        return;
    }
    const pb_backend *b = bc->runtime == R_THREAD_POOL ? &pb_backend_thread_pool : &pb_backend_process_pool;
    pb_exec ex = { .backend = b, .config = { .workers = W, .wait = { .kind = bc->wait } } };
    if (b->open(&ex, &plan, &err) != 0) {
        pb_gb_skip_with_error(st, err.msg);
        pb_plan_destroy(&plan);
        return;
    }
    double per[256];
    size_t n = 0;
    while (pb_gb_keep_running(st)) {
        pb_run_stats rs = { 0 };
        char result[96];
        pb_plan_reset(&plan);
        if (b->execute(&ex, &plan, &rs, &err) != 0 || pb_plan_verify(&plan, result, sizeof result, &err) != 0) {
            pb_gb_skip_with_error(st, err.msg);
            break;
        }
        pb_gb_set_iteration_time(st, (double)(rs.t_end - rs.t_start) / 1e9);
        if (n < 256)
            per[n++] = (double)(rs.t_end - rs.t_start) * W / (double)plan.ntasks;
    }
    if (n && !pb_gb_error_occurred(st))
        pb_gb_counter(st, "per_task_worker_ns", pb_median(per, n), 0);
    b->close(&ex);
    pb_plan_destroy(&plan);
}

/* IDLE: CPU of idle workers over idle_ns; user: rested (1) or not (0). */
typedef struct idle_case {
    int runtime;
    pb_wait_kind wait;
    bool rest;
} idle_case;

static void bm_idle(pb_gb_state *st, void *user)
{
    const idle_case *ic = user;
    unsigned W = (unsigned)pb_gb_range(st, 0);
    double share = NAN;
    char why[200] = "";
    while (pb_gb_keep_running(st)) {
        if (ic->runtime == R_OPENMP) {
#if PB_HAVE_OPENMP
            request rq = { .workers = W, .delay_len = sh->delay_len, .idle = 1, .idle_ns = idle_ns };
            answer an = { 0 };
            if (omp_ask(ic->wait, &rq, &an) == 0)
                share = an.idle_share;
            else
                snprintf(why, sizeof why, "%s", an.why);
            stop_child(ic->wait);
#else
            snprintf(why, sizeof why, "openmp is not in this build");
#endif
        } else {
            opened_pool op;
            if (pool_open(&op, ic->runtime, W, (pb_wait_policy){ .kind = ic->wait }, why, sizeof why) == 0) {
                pb_error err = { 0 };
                if (pb__pool_run_tasks(op.pool, W, 1, task_empty, sh, &err) != 0)   /* every worker used once */
                    snprintf(why, sizeof why, "%s", err.msg);
                if (ic->rest)
                    op.ex.backend->rest(&op.ex);
                int64_t c0 = pool_cpu_ns(op.pool), t0 = pb_now_ns();
                nanosleep(&(struct timespec){ idle_ns / 1000000000, idle_ns % 1000000000 }, NULL);
                share = (double)(pool_cpu_ns(op.pool) - c0) / (double)(pb_now_ns() - t0);
                pool_close(&op);
            }
        }
        pb_gb_set_iteration_time(st, (double)idle_ns / 1e9);
    }
    if (why[0])
        pb_gb_skip_with_error(st, why);
    else
        pb_gb_counter(st, "idle_cpu_pct", share * 100, 0);   /* of one core, all the workers together */
}

/* SPIN: latency of one empty task to a one-worker thread pool after an idle
 * gap (the parent keeps its CPU during the gap, as a caller busy elsewhere
 * does), and the worker's CPU per hand-off, for one spin bound. */
static void bm_spin(pb_gb_state *st, void *user)
{
    (void)user;
    int64_t spin_us = pb_gb_range(st, 0), gap_us = pb_gb_range(st, 1);
    pb_wait_policy wait = spin_us == 0 ? (pb_wait_policy){ .kind = PB_WAIT_PASSIVE }
                        : spin_us < 0  ? (pb_wait_policy){ .kind = PB_WAIT_ACTIVE }
                                       : (pb_wait_policy){ .kind = PB_WAIT_ADAPTIVE, .spin_ns = spin_us * 1000 };
    opened_pool op;
    char why[200];
    if (pool_open(&op, R_THREAD_POOL, 1, wait, why, sizeof why) != 0) {
        pb_gb_skip_with_error(st, why);
        return;
    }
    double lat[4096];
    size_t n = 0;
    pb_error err = { 0 };
    int rc = pb__pool_run_tasks(op.pool, 1, 1, task_empty, sh, &err);
    int64_t cpu0 = pool_cpu_ns(op.pool), handoffs = 0;
    while (rc == 0 && pb_gb_keep_running(st)) {
        for (int64_t until = pb_now_ns() + gap_us * 1000; pb_now_ns() < until;)
            ;
        int64_t t0 = pb_now_ns();
        rc = pb__pool_run_tasks(op.pool, 1, 1, task_empty, sh, &err);
        int64_t t = pb_now_ns() - t0;
        pb_gb_set_iteration_time(st, (double)t / 1e9);
        handoffs++;
        if (n < 4096)
            lat[n++] = (double)t;
    }
    if (rc)
        pb_gb_skip_with_error(st, err.msg);
    else {
        pb_gb_counter(st, "latency_ns", pb_median(lat, n), 0);
        pb_gb_counter(st, "worker_cpu_per_handoff_ns", (double)(pool_cpu_ns(op.pool) - cpu0) / (double)handoffs, 0);
    }
    pool_close(&op);
}

/* ---- registration and derived rows ------------------------------------------ */

static int64_t widths[3];
static size_t nwidths;
static bench_case cases[NCONSTRUCTS][NRUNTIMES][3];
static bench_case batch_cases[2][3];
static idle_case idle_cases[NRUNTIMES][3][2];

static char *name_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *name_of(const char *fmt, ...)
{
    static char names[512][96];
    static int used;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(names[used], sizeof names[0], fmt, ap);
    va_end(ap);
    return names[used++];
}

static double result(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static double result(const char *fmt, ...)
{
    char name[160], metric[48];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    char *space = strchr(name, ' ');   /* "benchmark metric" */
    snprintf(metric, sizeof metric, "%s", space ? space + 1 : "overhead_ns");
    if (space)
        *space = '\0';
    return pb_gb_result(name, metric);
}

/* a / b for costs that may come out at or below zero on a noisy machine: a
 * pool at or under zero always meets a <= goal, an OpenMP side at or under
 * zero with a pool above it never does. */
/* a / b of two overheads; NaN (unresolved: NOT MET, never MET) when either is not above zero: EPCC's
 * difference of two timings then says nothing about which is cheaper */
static double cost_ratio(double a, double b)
{
    if (a != a || b != b || a <= 0 || b <= 0)
        return NAN;
    return a / b;
}

static void derived(void)
{
    FILE *out = pb_gb_text();
    const pb_wait_kind matched[] = { PB_WAIT_ACTIVE, PB_WAIT_PASSIVE };
    unsigned Wmax = (unsigned)widths[nwidths - 1];
    fprintf(out, "forkjoin: delay %d ns (%llu turns), %lld outer repetitions, overhead = (test - reference) / inner;\n"
            "medians with their 95%% intervals are in the CSV (overhead_lo_ns, overhead_hi_ns). Goals compare\n"
            "medians of the same construct, W and policy; at W = 1 OpenMP runs a region inline, so goals start at W = 2.\n\n",
            DELAY_NS, (unsigned long long)sh->delay_len, (long long)outer);
    if (*pb_backend_unavailable(&pb_backend_openmp))
        fprintf(out, "openmp is not in this build (%s): the goals against it are not measured.\n\n",
                pb_backend_unavailable(&pb_backend_openmp));
    for (size_t k = 0; k < nwidths; k++) {
        int64_t W = widths[k];
        if (W < 2)
            continue;
        for (int m = 0; m < 2; m++) {
            const char *pol = pb_wait_name(matched[m]);
            char what[160];
            snprintf(what, sizeof what, "PARALLEL/W:%lld/%s thread-pool / openmp", (long long)W, pol);
            pb_gb_add_result(what, "ratio", cost_ratio(result("PARALLEL/thread-pool/%s/%lld", pol, (long long)W),
                                                       result("PARALLEL/openmp/%s/%lld", pol, (long long)W)), "x", "<=1");
            snprintf(what, sizeof what, "BARRIER/W:%lld/%s thread-pool / openmp", (long long)W, pol);
            pb_gb_add_result(what, "ratio", cost_ratio(result("BARRIER/thread-pool/%s/%lld", pol, (long long)W),
                                                       result("BARRIER/openmp/%s/%lld", pol, (long long)W)), "x", "<=1");
        }
        for (int m = 0; m < 3; m++) {
            const char *pol = pb_wait_name(policies[m]);
            char what[160];
            snprintf(what, sizeof what, "PARALLEL/W:%lld/%s process-pool / thread-pool", (long long)W, pol);
            pb_gb_add_result(what, "ratio", cost_ratio(result("PARALLEL/process-pool/%s/%lld", pol, (long long)W),
                                                       result("PARALLEL/thread-pool/%s/%lld", pol, (long long)W)), "x",
                             "<=1.5");
        }
    }
    for (int m = 0; m < 2; m++)
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            const char *pol = pb_wait_name(matched[m]);
            char what[160];
            snprintf(what, sizeof what, "FOR/W:%u/chunk:%lld/%s thread-pool / openmp per iteration", Wmax,
                     (long long)chunks[c], pol);
            pb_gb_add_result(what, "ratio",
                             cost_ratio(result("FOR/thread-pool/%s/%u/%lld per_iteration_ns", pol, Wmax, (long long)chunks[c]),
                                        result("FOR/openmp/%s/%u/%lld per_iteration_ns", pol, Wmax, (long long)chunks[c])),
                             "x", "<=1");
        }
    for (int r = 0; r < 2; r++)
        for (int m = 0; m < 3; m++) {
            char what[160];
            const char *pol = pb_wait_name(policies[m]);
            /* the goal is on the path `parbench run` takes (execute(), parbench tasks with their accounting);
             * the lean batch of empty tasks is shown beside it: the pool's own dispatch alone */
            snprintf(what, sizeof what, "BATCH-TASKS/W:%u/%s %s per task per worker (parbench run's path)", Wmax, pol,
                     runtime_name[r]);
            pb_gb_add_result(what, "ns", result("BATCH-TASKS/%s/%s/%u per_task_worker_ns", runtime_name[r], pol, Wmax),
                             "ns", "<=100");
            snprintf(what, sizeof what, "BATCH/W:%u/%s %s per empty task per worker (dispatch alone)", Wmax, pol,
                     runtime_name[r]);
            pb_gb_add_result(what, "ns", result("BATCH/%s/%s/%u per_task_worker_ns", runtime_name[r], pol, Wmax), "ns",
                             NULL);
        }
    for (int r = 0; r < 2; r++)
        for (int m = 0; m < 3; m++) {
            char what[160];
            const char *pol = pb_wait_name(policies[m]);
            snprintf(what, sizeof what, "IDLE/W:%u/%s %s rested, CPU of one core", Wmax, pol, runtime_name[r]);
            pb_gb_add_result(what, "percent", result("IDLE/%s/%s/rested/%u idle_cpu_pct", runtime_name[r], pol, Wmax),
                             "%", "<=0.1");
        }
#if PB_HAVE_OPENMP
    stop_children();
#endif
}

int main(int argc, char **argv)
{
#if PB_HAVE_OPENMP
    if (argc == 2 && strcmp(argv[1], "--pb_omp_server") == 0) {
        sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        return sh == MAP_FAILED ? 1 : omp_server();
    }
#endif
    const char *q = getenv("PB_FORKJOIN_QUICK");
    quick = q && *q && strcmp(q, "0") != 0;
    if (quick) {
        target_ns = 20000;
        outer = 6;
        idle_ns = 20000000;
    }
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        perror("forkjoin: mmap");
        return 1;
    }
    sh->delay_len = calibrate_delay();
    pus = pb_allowed_pus();
    widths[nwidths++] = 1;
    if (pus >= 2)
        widths[nwidths++] = 2;
    if (pus > 2)
        widths[nwidths++] = pus > MAX_WORKERS ? MAX_WORKERS : pus;
    static int64_t top[1];
    top[0] = widths[nwidths - 1];

    for (int c = 0; c < NCONSTRUCTS; c++)
        for (int r = 0; r < NRUNTIMES; r++)
            for (int m = 0; m < 3; m++) {
                if (r == R_OPENMP && *pb_backend_unavailable(&pb_backend_openmp))
                    continue;
                cases[c][r][m] = (bench_case){ c, r, policies[m] };
                pb_gb_register(&(pb_gb_def){
                    .name = name_of("%s/%s/%s", construct_name[c], runtime_name[r], pb_wait_name(policies[m])),
                    .fn = bm_construct, .user = &cases[c][r][m],
                    .args = c == C_FOR ? top : widths, .nargs = c == C_FOR ? 1 : nwidths,
                    .args2 = c == C_FOR ? chunks : NULL, .nargs2 = c == C_FOR ? sizeof chunks / sizeof chunks[0] : 0,
                    .manual_time = true, .unit = PB_GB_US, .iterations = outer });
            }
    for (int r = 0; r < 2; r++)
        for (int m = 0; m < 3; m++) {
            batch_cases[r][m] = (bench_case){ 0, r, policies[m] };
            pb_gb_register(&(pb_gb_def){ .name = name_of("BATCH/%s/%s", runtime_name[r], pb_wait_name(policies[m])),
                                         .fn = bm_batch, .user = &batch_cases[r][m], .args = top, .nargs = 1,
                                         .manual_time = true, .unit = PB_GB_US, .iterations = outer });
            pb_gb_register(&(pb_gb_def){ .name = name_of("BATCH-TASKS/%s/%s", runtime_name[r], pb_wait_name(policies[m])),
                                         .fn = bm_batch_tasks, .user = &batch_cases[r][m], .args = top, .nargs = 1,
                                         .manual_time = true, .unit = PB_GB_US, .iterations = outer });
        }
    for (int r = 0; r < NRUNTIMES; r++)
        for (int m = 0; m < 3; m++)
            for (int rest = 0; rest < 2; rest++) {
                if (r == R_OPENMP && (*pb_backend_unavailable(&pb_backend_openmp) || rest))
                    continue;   /* libgomp's team cannot be rested */
                idle_cases[r][m][rest] = (idle_case){ r, policies[m], rest == 1 };
                pb_gb_register(&(pb_gb_def){
                    .name = name_of("IDLE/%s/%s/%s", runtime_name[r], pb_wait_name(policies[m]),
                                    r == R_OPENMP ? "as-is" : rest ? "rested" : "unrested"),
                    .fn = bm_idle, .user = &idle_cases[r][m][rest], .args = top, .nargs = 1,
                    .manual_time = true, .unit = PB_GB_MS, .iterations = 1 });
            }
    static const int64_t spins[] = { 0, 2, 5, 10, 20, 50, 100, 200, -1 };   /* 0: passive, -1: active */
    static const int64_t gaps[] = { 0, 20, 100, 500 };
    pb_gb_register(&(pb_gb_def){ .name = "SPIN/thread-pool/spin_us/gap_us", .fn = bm_spin, .args = spins,
                                 .nargs = sizeof spins / sizeof spins[0], .args2 = gaps,
                                 .nargs2 = sizeof gaps / sizeof gaps[0], .manual_time = true, .unit = PB_GB_US,
                                 .iterations = quick ? 20 : 400 });
    return pb_gb_main(argc, argv, derived);
}
