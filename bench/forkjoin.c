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
 * smoke run; its figures are not meant to be read).
 *
 * Here: registration, the derived rows (ratios and their goals) and main;
 * forkjoin_method.c is the method (calibration, one outer repetition),
 * forkjoin_pools.c and forkjoin_openmp.c the constructs in each runtime,
 * forkjoin_bench.c the benchmarks. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "forkjoin.h"
#include "parbench/machine.h"
#include "parbench/registry.h"
#include "pb_build_config.h"

static const char *const runtime_name[] = { "thread-pool", "process-pool", "openmp" };
static const pb_wait_kind policies[] = { PB_WAIT_ACTIVE, PB_WAIT_PASSIVE, PB_WAIT_ADAPTIVE };
static const int64_t chunks[] = { 1, 2, 4, 8, 16, 32, 64, 128 };

bool pb__fj_quick;
int64_t pb__fj_target_ns = 1000000;
int64_t pb__fj_outer = 15;
int64_t pb__fj_idle_ns = 1000000000;
static unsigned pus;

/* ---- registration and derived rows ------------------------------------------ */

static int64_t widths[3];
static size_t nwidths;
static pb__fj_bench_case cases[PB__FJ_NCONSTRUCTS][PB__FJ_NRUNTIMES][3];
static pb__fj_bench_case batch_cases[2][3];
static pb__fj_idle_case idle_cases[PB__FJ_NRUNTIMES][3][2];

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

/* Why OpenMP is not measured here, or "": not in this build, or a
 * ThreadSanitizer build, where libgomp (not built with it) synchronises
 * EPCC's constructs through barriers the sanitizer cannot see, so every
 * region would be reported as a race. The pools are measured either way. */
static const char *openmp_unmeasured(void)
{
#if defined(__SANITIZE_THREAD__)
    return "a ThreadSanitizer build: libgomp is not built with it, and its barriers would read as races";
#else
    return pb_backend_unavailable(&pb_backend_openmp);
#endif
}

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
            PB__FJ_DELAY_NS, (unsigned long long)pb__fj_sh->delay_len, (long long)pb__fj_outer);
    if (*openmp_unmeasured())
        fprintf(out, "openmp is not measured here (%s): the goals against it are not measured.\n\n",
                openmp_unmeasured());
    for (size_t k = 0; k < nwidths; k++) {
        int64_t W = widths[k];
        if (W < 2)
            continue;
        for (int m = 0; m < 2 && !*openmp_unmeasured(); m++) {
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
    for (int m = 0; m < 2 && !*openmp_unmeasured(); m++)
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
    pb__fj_stop_children();
#endif
}

int main(int argc, char **argv)
{
#if PB_HAVE_OPENMP
    if (argc == 2 && strcmp(argv[1], "--pb_omp_server") == 0) {
        pb__fj_sh = mmap(NULL, sizeof *pb__fj_sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        return pb__fj_sh == MAP_FAILED ? 1 : pb__fj_omp_server();
    }
#endif
    const char *q = getenv("PB_FORKJOIN_QUICK");
    pb__fj_quick = q && *q && strcmp(q, "0") != 0;
    if (pb__fj_quick) {
        pb__fj_target_ns = 20000;
        pb__fj_outer = 6;
        pb__fj_idle_ns = 20000000;
    }
    pb__fj_sh = mmap(NULL, sizeof *pb__fj_sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (pb__fj_sh == MAP_FAILED) {
        perror("forkjoin: mmap");
        return 1;
    }
    pb__fj_sh->delay_len = pb__fj_calibrate_delay();
    pus = pb_allowed_pus();
    widths[nwidths++] = 1;
    if (pus >= 2)
        widths[nwidths++] = 2;
    if (pus > 2)
        widths[nwidths++] = pus > PB__FJ_MAX_WORKERS ? PB__FJ_MAX_WORKERS : pus;
    static int64_t top[1];
    top[0] = widths[nwidths - 1];

    for (int c = 0; c < PB__FJ_NCONSTRUCTS; c++)
        for (int r = 0; r < PB__FJ_NRUNTIMES; r++)
            for (int m = 0; m < 3; m++) {
                if (r == PB__FJ_OPENMP && *openmp_unmeasured())
                    continue;
                cases[c][r][m] = (pb__fj_bench_case){ c, r, policies[m] };
                pb_gb_register(&(pb_gb_def){
                    .name = name_of("%s/%s/%s", pb__fj_construct_name[c], runtime_name[r], pb_wait_name(policies[m])),
                    .fn = pb__fj_bm_construct, .user = &cases[c][r][m],
                    .args = c == PB__FJ_FOR ? top : widths, .nargs = c == PB__FJ_FOR ? 1 : nwidths,
                    .args2 = c == PB__FJ_FOR ? chunks : NULL,
                    .nargs2 = c == PB__FJ_FOR ? sizeof chunks / sizeof chunks[0] : 0,
                    .manual_time = true, .unit = PB_GB_US, .iterations = pb__fj_outer });
            }
    for (int r = 0; r < 2; r++)
        for (int m = 0; m < 3; m++) {
            batch_cases[r][m] = (pb__fj_bench_case){ 0, r, policies[m] };
            pb_gb_register(&(pb_gb_def){ .name = name_of("BATCH/%s/%s", runtime_name[r], pb_wait_name(policies[m])),
                                         .fn = pb__fj_bm_batch, .user = &batch_cases[r][m], .args = top, .nargs = 1,
                                         .manual_time = true, .unit = PB_GB_US, .iterations = pb__fj_outer });
            pb_gb_register(&(pb_gb_def){ .name = name_of("BATCH-TASKS/%s/%s", runtime_name[r], pb_wait_name(policies[m])),
                                         .fn = pb__fj_bm_batch_tasks, .user = &batch_cases[r][m], .args = top,
                                         .nargs = 1,
                                         .manual_time = true, .unit = PB_GB_US, .iterations = pb__fj_outer });
        }
    for (int r = 0; r < PB__FJ_NRUNTIMES; r++)
        for (int m = 0; m < 3; m++)
            for (int rest = 0; rest < 2; rest++) {
                if (r == PB__FJ_OPENMP && (*openmp_unmeasured() || rest))
                    continue;   /* libgomp's team cannot be rested */
                idle_cases[r][m][rest] = (pb__fj_idle_case){ r, policies[m], rest == 1 };
                pb_gb_register(&(pb_gb_def){
                    .name = name_of("IDLE/%s/%s/%s", runtime_name[r], pb_wait_name(policies[m]),
                                    r == PB__FJ_OPENMP ? "as-is" : rest ? "rested" : "unrested"),
                    .fn = pb__fj_bm_idle, .user = &idle_cases[r][m][rest], .args = top, .nargs = 1,
                    .manual_time = true, .unit = PB_GB_MS, .iterations = 1 });
            }
    static const int64_t spins[] = { 0, 2, 5, 10, 20, 50, 100, 200, -1 };   /* 0: passive, -1: active */
    static const int64_t gaps[] = { 0, 20, 100, 500 };
    pb_gb_register(&(pb_gb_def){ .name = "SPIN/thread-pool/spin_us/gap_us", .fn = pb__fj_bm_spin, .args = spins,
                                 .nargs = sizeof spins / sizeof spins[0], .args2 = gaps,
                                 .nargs2 = sizeof gaps / sizeof gaps[0], .manual_time = true, .unit = PB_GB_US,
                                 .iterations = pb__fj_quick ? 20 : 400 });
    return pb_gb_main(argc, argv, derived);
}
