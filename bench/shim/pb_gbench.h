/* pb_gbench: Google Benchmark for C programs.
 *
 * A benchmark is a C function called with an opaque state; it loops while
 * pb_gb_keep_running() says so, exactly as a C++ benchmark loops over
 * `for (auto _ : state)`. Everything of C++ stays in the .cc files of bench/shim/.
 *
 *     #include "pb_gbench.h"
 *
 *     static void bm_add(pb_gb_state *st, void *user)
 *     {
 *         (void)user;
 *         int64_t n = pb_gb_range(st, 0), x = 0;
 *         while (pb_gb_keep_running(st))
 *             for (int64_t i = 0; i < n; i++)
 *                 pb_gb_do_not_optimize(&(x += i));
 *         pb_gb_items_processed(st, pb_gb_iterations(st) * n);
 *         pb_gb_counter(st, "n", (double)n, 0);
 *     }
 *
 *     int main(int argc, char **argv)
 *     {
 *         static const int64_t sizes[] = { 1000, 100000 };
 *         pb_gb_register(&(pb_gb_def){ .name = "add", .fn = bm_add,
 *                                      .args = sizes, .nargs = 2, .real_time = true });
 *         return pb_gb_main(argc, argv, NULL);
 *     }
 *
 * pb_gb_main accepts Google Benchmark's own flags (--benchmark_filter,
 * --benchmark_min_time, --benchmark_repetitions, --benchmark_format,
 * --benchmark_out=FILE with --benchmark_out_format, ...: each does what
 * Google Benchmark documents) and one of its own: --pb_out=DIR writes
 * DIR/<program>.json (Google Benchmark's JSON), DIR/<program>.csv (parbench's
 * tidy CSV: one row per run and metric) and DIR/machine.csv. DIR is new, or a
 * result set without this program's files: nothing is overwritten. Without
 * --pb_out (and without --benchmark_out) they go to a new
 * results/<UTC time>-<host>-bench/. --help and --benchmark_list_tests write
 * no file; a refused flag exits 2 and writes nothing.
 *
 * After the runs, `after` adds derived rows (ratios of results) with
 * pb_gb_add_result, each with its goal ("<=1.25"): the row says MET or NOT
 * MET, carries `goal` and `met` in the CSV and the JSON, and the closing
 * lines list the goals not met.
 *
 * Work done by other threads or processes is invisible to the default CPU
 * timer: benchmarks of parallel work set real_time (or manual_time and
 * report each iteration's wall time) and report CPU as counters.
 */
#ifndef PB_GBENCH_H
#define PB_GBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pb_gb_state pb_gb_state;   /* a benchmark::State */

typedef void (*pb_gb_fn)(pb_gb_state *state, void *user);

typedef enum pb_gb_unit { PB_GB_NS = 0, PB_GB_US, PB_GB_MS, PB_GB_S } pb_gb_unit;

/* Counter flags, as Google Benchmark's Counter::Flags. */
enum {
    PB_GB_RATE = 1 << 0,               /* divided by the elapsed time */
    PB_GB_AVG_THREADS = 1 << 1,
    PB_GB_ITERATION_INVARIANT = 1 << 2, /* multiplied by the iterations */
    PB_GB_AVG_ITERATIONS = 1 << 3,     /* divided by the iterations */
    PB_GB_INVERT = 1 << 4,             /* 1 / value */
};

typedef struct pb_gb_def {
    const char *name;          /* the benchmark's name */
    pb_gb_fn fn;
    void *user;                /* passed to fn as it is */
    const int64_t *args;       /* one benchmark instance per value (pb_gb_range(st, 0)), or NULL */
    size_t nargs;
    const int64_t *args2;      /* a second argument: the instances are every pair; or NULL */
    size_t nargs2;
    bool real_time;            /* time by the wall clock, not the main thread's CPU */
    bool manual_time;          /* time is what fn reports with pb_gb_set_iteration_time */
    pb_gb_unit unit;           /* unit of the reported times */
    double min_time;           /* seconds; 0: Google Benchmark's default */
    int64_t iterations;        /* fixed iterations; 0: let Google Benchmark choose */
    int repetitions;           /* 0: the default (or --benchmark_repetitions) */
} pb_gb_def;

/* Register a benchmark (before pb_gb_main). 0, or -1 when def is incomplete. */
int pb_gb_register(const pb_gb_def *def);

bool pb_gb_keep_running(pb_gb_state *st);
bool pb_gb_keep_running_batch(pb_gb_state *st, int64_t n);
int64_t pb_gb_range(pb_gb_state *st, size_t i);
int64_t pb_gb_iterations(pb_gb_state *st);
void pb_gb_pause(pb_gb_state *st);     /* PauseTiming */
void pb_gb_resume(pb_gb_state *st);    /* ResumeTiming */
void pb_gb_set_iteration_time(pb_gb_state *st, double seconds);
void pb_gb_counter(pb_gb_state *st, const char *name, double value, unsigned flags);
void pb_gb_items_processed(pb_gb_state *st, int64_t items);
void pb_gb_label(pb_gb_state *st, const char *label);
void pb_gb_skip_with_error(pb_gb_state *st, const char *message);
bool pb_gb_error_occurred(pb_gb_state *st);

/* Keep a value the compiler must not discard. */
static inline void pb_gb_do_not_optimize(void *p)
{
    __asm__ volatile("" : : "g"(p) : "memory");
}

/* After the runs (in the `after` callback of pb_gb_main): the value of a
 * metric ("real_time", "cpu_time" or a counter) of a benchmark's
 * iteration runs (their median over repetitions); NAN if there is none. The
 * benchmark is named as registered, with "/ARG" for an argument
 * ("fork/heap_mb/256"), without Google Benchmark's "/real_time". */
double pb_gb_result(const char *benchmark, const char *metric);
/* Add a derived row (e.g. a ratio of two results of the same shape) to the
 * files and print it. goal: "<=X" or ">=X" (the line says MET or NOT MET;
 * the CSV row carries goal and met 1/0; the JSON entry counters goal_max or
 * goal_min and met, and a label), or NULL for a row that is only shown.
 * Returns 1 (met), 0 (not met), -1 (shown only; or value NAN, "not
 * measured": no row; or a goal that is neither form: the program exits 1). */
int pb_gb_add_result(const char *benchmark, const char *metric, double value, const char *unit, const char *goal);
/* Where the program's own text goes: stdout, or stderr when
 * --benchmark_format=json or csv keeps stdout for that format. */
FILE *pb_gb_text(void);

/* Initialize, run what the flags select, call `after` (may be NULL) once
 * every run is reported, write the files, shut down. Returns the exit
 * status: 0 (goals not met included: a benchmark reports, it does not fail),
 * 1 when a benchmark reported an error or a file could not be written, 2 for
 * bad flags or a --benchmark_filter that matches nothing. */
int pb_gb_main(int argc, char **argv, void (*after)(void));

#ifdef __cplusplus
}
#endif

#endif
