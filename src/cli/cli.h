/* The command line: parsing of run options (kept apart from main so the
 * tests can call it), suites, progress and the summary table. */
#ifndef PARBENCH_CLI_H
#define PARBENCH_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "parbench/backend.h"
#include "parbench/error.h"
#include "parbench/registry.h"
#include "parbench/runner.h"
#include "parbench/suite.h"
#include "parbench/workload.h"

/* Exit codes. */
enum {
    PB_EXIT_OK = 0,
    PB_EXIT_FAILED = 1,        /* a run failed its check, or output was lost */
    PB_EXIT_USAGE = 2,         /* bad input: nothing was run or written */
};

/* One --workers argument, before "cores" and "tasks" are known. */
#define PB_WORKERS_MAX_ITEMS 64
typedef struct pb_workers_spec {
    unsigned count;
    struct {
        unsigned lo, hi;       /* a number (lo == hi) or a range */
        bool cores, tasks;     /* the keywords: allowed PUs, number of tasks */
    } item[PB_WORKERS_MAX_ITEMS];
} pb_workers_spec;

#define PB_MAX_BACKENDS 16
typedef struct pb_backend_set {
    unsigned count;
    const pb_backend *backend[PB_MAX_BACKENDS];
} pb_backend_set;

/* Transports asked for: a bit per pb_ipc. */
typedef unsigned pb_ipc_set;

/* A job: one workload under some backends with some worker counts. */
typedef struct pb_job {
    pb_workload_spec spec;
    pb_backend_set backends;
    pb_workers_spec workers;
    pb_ipc_set ipc;
} pb_job;

/* The invocation as one line, "parbench run ...", for machine.csv: argv
 * holds the subcommand and its arguments. */
void pb__cli_join_command(int argc, char **argv, char *buf, size_t size);

/* Parsers: each names the option in its message and returns PB_E_ARG or
 * PB_E_RANGE on bad input. */
int pb__cli_parse_count(const char *opt, const char *text, unsigned min, unsigned max,
                       unsigned *out, pb_error *err);
/* --workload: pb_workload_spec_parse with the option named in its message. */
int pb__cli_parse_workload(const char *text, pb_workload_spec *out, pb_error *err);
int pb__cli_parse_backends(const char *text, pb_backend_set *out, pb_error *err);
int pb__cli_parse_workers(const char *text, pb_workers_spec *out, pb_error *err);
int pb__cli_parse_ipc(const char *text, pb_ipc_set *out, pb_error *err);
/* Seconds, fractions allowed ("2", "0.5"), in (0, max]; to nanoseconds. */
int pb__cli_parse_seconds(const char *opt, const char *text, double max, int64_t *out_ns, pb_error *err);
/* A chunk size: 1..2^40, or "auto" (0). */
int pb__cli_parse_chunk(const char *text, uint64_t *out, pb_error *err);
/* A whole number in [min, max] ("1e6" and "10^6" too). */
int pb__cli_parse_u64(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out, pb_error *err);
/* --order: "interleaved" or "grouped". */
int pb__cli_parse_order(const char *text, pb_order *out, pb_error *err);

/* Worker counts of a spec for a machine with `pus` PUs and a plan of
 * `ntasks` tasks: ascending, without duplicates. Returns how many. */
unsigned pb__cli_resolve_workers(const pb_workers_spec *w, unsigned pus, size_t ntasks,
                                unsigned *out, unsigned max_out);

/* Ticks of CPU time parbench itself (its threads, and every process below
 * it) spent on each CPU (by OS number, per_cpu[0..ncpu)) since the last
 * call; the first call only starts counting. Returns the processes read. */
unsigned pb__own_cpu_ticks(double *per_cpu, unsigned ncpu);

/* How a configuration ran, beyond its backend, in a short label:
 * "pthread", "process-pool/pipe", "pthread+gil", "fork@compact" (pinned). */
void pb__cli_backend_label(const pb_config *cfg, char *buf, size_t size);

/* Subcommands. argv[0] is the subcommand's name. */
int pb__cmd_run(int argc, char **argv);
int pb__cmd_list(int argc, char **argv);
int pb__cmd_schema(int argc, char **argv);
int pb__cmd_topology(int argc, char **argv);
int pb__cmd_plot(int argc, char **argv);
int pb__cmd_report(int argc, char **argv);
int pb__cmd_demo(int argc, char **argv);
int pb__cmd_check(int argc, char **argv);
int pb__cmd_trace(int argc, char **argv);

/* Run plots/SCRIPT with /usr/bin/python3 and the given arguments in place of
 * parbench (exec); returns only when that fails (PB_EXIT_FAILED, said why). */
int pb__cli_run_script(const char *script, char **args, int nargs);

/* Progress on stderr, only when it is a terminal. */
typedef struct pb_progress {
    bool enabled;
    unsigned runs_total, runs_done;
    long long t0_ns;
    bool line_shown;
} pb_progress;

void pb__progress_init(pb_progress *p, unsigned runs_total, bool quiet);
void pb__progress_show(pb_progress *p, const pb_config *cfg, unsigned config_index,
                      unsigned config_total, unsigned rep_index, unsigned rep_total);
void pb__progress_clear(pb_progress *p);

/* --live: the per-CPU view (stderr, terminals only). start returns false
 * when it cannot be shown. Messages printed while it is drawn go through
 * pb__live_message so the two do not overwrite each other. */
typedef struct pb_sampler pb_sampler;
bool pb__live_start(pb_sampler *sampler);
void pb__live_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pb__live_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pb__live_stop(void);

/* The summary: one line per configuration. */
typedef struct pb_summary_row {
    const pb_config *cfg;
    size_t ntasks;
    unsigned runs, ok_runs;
    double *wall, *ideal, *busy;   /* one per recorded repetition */
    char failure[256];             /* the configuration could not run at all */
    bool could_not_run;            /* failure holds why */
    bool interrupted;              /* Ctrl-C or SIGTERM came while it ran */
} pb_summary_row;

void pb__summary_print(FILE *out, const pb_summary_row *rows, unsigned count);

/* Take SIGINT, SIGTERM and SIGHUP in a thread of their own (call before
 * creating any thread or worker): on the first one, on_signal(sig, user)
 * runs in that thread and must end the process. 0, or PB_E_SYS when its
 * thread cannot start (the signals then keep their default). */
int pb__interrupt_start(void (*on_signal)(int sig, void *user), void *user);

#endif
