/* Every file of a result set, column by column: the one place a column is
 * declared (see parbench/schema.h). To add a column: a line in its file's
 * table below, at the end (a column is added, never moved or repurposed),
 * OPTIONAL (older sets lack it), and its value in the writer
 * (resultset.c); `parbench schema` then prints it, `parbench check` checks
 * it, and the README's table is updated from `parbench schema`. */
#include "parbench/schema.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parbench/csv.h"
#include "parbench/i18n.h"

#define REQUIRED true          /* a reader needs it: checked present in every set */
#define OPTIONAL false         /* checked when present: older sets may lack it */

const char *const pb_set_file_name[PB_FILE_KINDS] = { "machine.csv", "runs.csv", "tasks.csv", "samples.csv",
                                                      "measures.csv" };

/* runs.csv: one row per measured repetition. */
static const pb_column runs_columns[] = {
    { "run_id", PB_COL_ID, REQUIRED,
      "unique id of this row within the result set (1, 2, ...)" },
    { "config_id", PB_COL_ID, REQUIRED,
      "id shared by the repetitions of one configuration" },
    { "workload", PB_COL_TEXT, REQUIRED,
      "workload name" },
    { "params", PB_COL_TEXT, REQUIRED,
      "every workload parameter, defaults included, as workload:k=v,... accepts it" },
    { "backend", PB_COL_TEXT, REQUIRED,
      "the backend, as `parbench list` names it (serial, pthread, fork, ...)" },
    { "workers", PB_COL_ID, REQUIRED,
      "W, the number of threads, processes or MPI ranks" },
    { "tasks", PB_COL_COUNT, REQUIRED,
      "number of tasks in the plan" },
    { "pin", PB_COL_TEXT, OPTIONAL,
      "pinning policy: none, compact, scatter, core, or pus:LIST" },
    { "pus_used", PB_COL_TEXT, OPTIONAL,
      "the PUs each worker was placed on, in worker order (0 1; a whole core as 0-1); - when not pinned" },
    { "oversubscribed", PB_COL_FLAG, OPTIONAL,
      "1 when there were more workers than the PUs (or cores) they run on" },
    { "bound", PB_COL_FLAG_OR_EMPTY, OPTIONAL,
      "1 when every worker was bound as placed, 0 when binding was refused; empty when not pinned" },
    { "placement_held", PB_COL_FLAG_OR_EMPTY, OPTIONAL,
      "1 when every task started and ended on its worker's PUs; empty when not pinned" },
    { "gil", PB_COL_FLAG, OPTIONAL,
      "1 when --gil gave each process one global lock, as CPython's; else 0" },
    { "ipc", PB_COL_TEXT, REQUIRED,
      "how outcomes came back: arena (written in shared memory), pipe (sent over a pipe) or tcp (mpi: each rank's "
      "stream)" },
    { "chunk", PB_COL_COUNT_OR_EMPTY, OPTIONAL,
      "tasks a worker took at a time: pools claim chunks; other backends get one static block" },
    { "rep", PB_COL_ID, REQUIRED,
      "repetition number, 1..reps (warm-ups are not recorded)" },
    { "started_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "seconds from the start of the result set to the start of this run" },
    { "wall_s", PB_COL_NONNEGATIVE_OR_EMPTY, REQUIRED,
      "wall time of the whole run, spawn and join included (CLOCK_MONOTONIC); this and the other measurements are "
      "empty when the backend could not start" },
    { "spawn_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "run start until every worker waits at the start gate" },
    { "work_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "gate opened until the last task finished" },
    { "join_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "last task finished until every worker was joined or reaped" },
    { "user_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "user CPU seconds of every participant (parent, threads, children)" },
    { "sys_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "system CPU seconds of every participant" },
    { "cpu_window_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "the interval user_s and sys_s were read over: wall_s, or a few microseconds more where the pools "
      "and openmp read their workers' CPU clocks just before and just after the run" },
    { "busy_cores", PB_COL_NONNEGATIVE_OR_EMPTY, REQUIRED,
      "average busy cores: (user_s + sys_s) / cpu_window_s (never more than the PUs)" },
    { "cpu_util", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "busy_cores / pus: the fraction of the allowed CPUs kept busy" },
    { "startup_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "time to open the backend for this configuration (pools start workers here)" },
    { "ideal_s", PB_COL_NONNEGATIVE_OR_EMPTY, REQUIRED,
      "makespan lower bound: max(longest task, total cost / W, CPU / min(W, pus))" },
    { "efficiency", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "ideal_s / wall_s: 1 is the physical limit" },
    { "nvcsw", PB_COL_COUNT_OR_EMPTY, OPTIONAL,
      "voluntary context switches of every participant" },
    { "nivcsw", PB_COL_COUNT_OR_EMPTY, OPTIONAL,
      "involuntary context switches of every participant" },
    { "minflt", PB_COL_COUNT_OR_EMPTY, OPTIONAL,
      "minor page faults (fork's copy-on-write shows here)" },
    { "majflt", PB_COL_COUNT_OR_EMPTY, OPTIONAL,
      "major page faults" },
    { "maxrss_kb", PB_COL_COUNT_OR_EMPTY, OPTIONAL,
      "peak resident memory of the largest worker, KiB" },
    { "pus", PB_COL_COUNT, REQUIRED,
      "processing units the process was allowed to use" },
    { "replaced", PB_COL_COUNT, OPTIONAL,
      "pool workers that died or were killed during the run and were replaced" },
    { "sampler_cpu_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "CPU seconds the CPU sampler itself used during the run (not in user_s/sys_s)" },
    { "samples", PB_COL_COUNT_OR_EMPTY, OPTIONAL,
      "sampling intervals recorded for the run in samples.csv" },
    { "ok", PB_COL_FLAG, REQUIRED,
      "1 when every worker ended well and the result verified, else 0" },
    { "result", PB_COL_TEXT, OPTIONAL,
      "the workload's verified result" },
    { "note", PB_COL_TEXT, OPTIONAL,
      "why ok is 0 (crashed worker, failed check, a worker that could not start); empty when ok" },
    { "round", PB_COL_COUNT, OPTIONAL,
      "the round the repetition ran in: with --order interleaved, round r runs repetition r of every configuration "
      "of the workload; grouped: equal to rep" },
    { "position", PB_COL_COUNT, OPTIONAL,
      "its place in the round's shuffled order, 1..configurations of the workload (grouped: 1)" },
    { "idle_before_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "seconds since the previous run of this command ended (rows written, result verified): time CPUs could idle; "
      "empty for the first run" },
    { "bind_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "the slowest worker's binding to its PUs inside the timed run (pthread, fork: part of spawn_s); 0 when "
      "workers bound before the clock (serial, pools) or were not pinned" },
    { "wait", PB_COL_TEXT, OPTIONAL,
      "pools and openmp: how idle workers waited (--wait): passive, active or adaptive; empty for other backends" },
    { "spin_us", PB_COL_COUNT_OR_EMPTY, OPTIONAL,
      "adaptive: microseconds a waiter spun before sleeping (--spin-us); 0 for passive; empty for active (spins "
      "while in use) and other backends" },
    { "hosts", PB_COL_TEXT, OPTIONAL,
      "the hosts the workers ran on (gethostname), space-separated: this one, or the MPI ranks' hosts" },
};

/* tasks.csv: join on run_id (and config_id, rep) with runs.csv. */
static const pb_column tasks_columns[] = {
    { "run_id", PB_COL_ID, REQUIRED,
      "the run, as in runs.csv" },
    { "config_id", PB_COL_ID, OPTIONAL,
      "the configuration, as in runs.csv" },
    { "rep", PB_COL_ID, OPTIONAL,
      "the repetition, as in runs.csv" },
    { "task", PB_COL_COUNT, REQUIRED,
      "task index, 0..tasks-1" },
    { "worker", PB_COL_COUNT_OR_EMPTY, REQUIRED,
      "index of the worker that ran it" },
    { "seq", PB_COL_COUNT_OR_EMPTY, OPTIONAL,
      "completion order within the run, from 1 (as_completed would yield it then)" },
    { "cpu_start", PB_COL_INTEGER_OR_EMPTY, OPTIONAL,
      "CPU it started on (sched_getcpu)" },
    { "cpu_end", PB_COL_INTEGER_OR_EMPTY, OPTIONAL,
      "CPU it ended on" },
    { "start_s", PB_COL_NUMBER_OR_EMPTY, REQUIRED,
      "seconds from the run's start to the task's start" },
    { "end_s", PB_COL_NUMBER_OR_EMPTY, REQUIRED,
      "seconds from the run's start to the task's end" },
    { "cpu_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "CPU seconds of the thread while it ran the task" },
    { "sleep_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "seconds the task asked to sleep" },
    { "status", PB_COL_STATUS, REQUIRED,
      "done, lost (its worker died), running or pending (never started)" },
    { "signal", PB_COL_COUNT_OR_EMPTY, OPTIONAL,
      "lost: the signal that ended its worker, else empty" },
    { "exit_status", PB_COL_INTEGER_OR_EMPTY, OPTIONAL,
      "lost: its worker's exit status (-1 killed, -2 thread ended), else empty" },
    { "host", PB_COL_TEXT, OPTIONAL,
      "the host its worker ran on (gethostname); empty when it never started" },
};

/* samples.csv: one row per CPU per sampling interval of a run. */
static const pb_column samples_columns[] = {
    { "run_id", PB_COL_ID, REQUIRED,
      "the run, as in runs.csv" },
    { "config_id", PB_COL_ID, OPTIONAL,
      "the configuration, as in runs.csv" },
    { "rep", PB_COL_ID, OPTIONAL,
      "the repetition, as in runs.csv" },
    { "t_s", PB_COL_NUMBER, REQUIRED,
      "end of the interval, seconds from the run's start (the first may end before it)" },
    { "dt_s", PB_COL_NONNEGATIVE_OR_EMPTY, OPTIONAL,
      "length of the interval, seconds" },
    { "cpu", PB_COL_COUNT, REQUIRED,
      "CPU number (OS numbering)" },
    { "busy", PB_COL_FRACTION_OR_EMPTY, REQUIRED,
      "fraction of the interval's ticks the CPU was busy: user + system; empty when no tick fell in it" },
    { "user", PB_COL_FRACTION_OR_EMPTY, OPTIONAL,
      "fraction in user mode (user + nice; guest time is inside it)" },
    { "system", PB_COL_FRACTION_OR_EMPTY, OPTIONAL,
      "fraction in the kernel (system + irq + softirq)" },
    { "steal", PB_COL_FRACTION_OR_EMPTY, OPTIONAL,
      "fraction stolen by the hypervisor (not counted as busy)" },
    { "host", PB_COL_TEXT, OPTIONAL,
      "the host whose /proc/stat this is (gethostname): parbench's, or an MPI rank's other host" },
};

/* measures.csv: one row per quantity a demo measured and showed. */
static const pb_column measures_columns[] = {
    { "demo", PB_COL_TEXT, REQUIRED,
      "the demo, as `parbench demo` lists it" },
    { "case", PB_COL_TEXT, REQUIRED,
      "what was measured within the demo (backend/workers, or the demo's own label)" },
    { "metric", PB_COL_TEXT, REQUIRED,
      "the quantity: wall_s, busy_cores, total, lost, us_per_result, ..." },
    { "value", PB_COL_NUMBER, REQUIRED,
      "the measured value" },
    { "unit", PB_COL_TEXT, REQUIRED,
      "s, us, cores, count, items/s, KiB, or flag (1 true, 0 false)" },
    { "expected", PB_COL_NUMBER_OR_EMPTY, REQUIRED,
      "the value the lesson says is right, when there is exactly one; else empty" },
    { "run_id", PB_COL_COUNT_OR_EMPTY, REQUIRED,
      "the runs.csv row it comes from; empty when the demo measured it itself" },
};

/* machine.csv: key,value pairs (the keys are listed in machine_keys below). */
static const pb_column machine_columns[] = {
    { "key", PB_COL_TEXT, REQUIRED,
      "what the row describes: the machine, the build, what makes numbers noisy, the command (parbench schema "
      "lists the keys)" },
    { "value", PB_COL_TEXT, REQUIRED,
      "its value, as text" },
};

/* The keys of machine.csv, for people (the Markdown); written by resultset.c,
 * pb_machine_describe (src/core/machine.c) and `parbench run`. */
static const char machine_keys[] =
    "schema_version, started_utc, command, host, os, kernel,\n"
    "arch, cpu_model, packages, numa_nodes, cores, pus, pus_per_core, allowed_cpuset, hwloc_version,\n"
    "allowed_pus, memory_mib, governor, smt_active, loadavg_at_start, hypervisor,\n"
    "compiler, build_type, cflags, parbench_version, git_revision; from `parbench run`, order and seed\n"
    "(--order, --seed) and busy_cpus_at_start (CPUs busy with anything in the 0.1 s before the runs);\n"
    "with the mpi backend, mpi_launch (the launch command, W for the rank count).\n";

#define FILE_SCHEMA(rows, columns) { rows, columns, sizeof columns / sizeof columns[0] }
static const pb_file_schema files[PB_FILE_KINDS] = {
    [PB_FILE_MACHINE] = FILE_SCHEMA("`key,value` rows", machine_columns),
    [PB_FILE_RUNS] = FILE_SCHEMA("one row per measured repetition", runs_columns),
    [PB_FILE_TASKS] = FILE_SCHEMA("one row per task per repetition", tasks_columns),
    [PB_FILE_SAMPLES] = FILE_SCHEMA("one row per CPU per sampling interval of a run", samples_columns),
    [PB_FILE_MEASURES] = FILE_SCHEMA("one row per quantity a demo measured", measures_columns),
};
#undef FILE_SCHEMA
_Static_assert(sizeof runs_columns / sizeof runs_columns[0] <= PB_SCHEMA_MAX_COLUMNS, "PB_SCHEMA_MAX_COLUMNS");
_Static_assert(sizeof tasks_columns / sizeof tasks_columns[0] <= PB_SCHEMA_MAX_COLUMNS, "PB_SCHEMA_MAX_COLUMNS");
_Static_assert(sizeof samples_columns / sizeof samples_columns[0] <= PB_SCHEMA_MAX_COLUMNS, "PB_SCHEMA_MAX_COLUMNS");
_Static_assert(sizeof measures_columns / sizeof measures_columns[0] <= PB_SCHEMA_MAX_COLUMNS, "PB_SCHEMA_MAX_COLUMNS");

/* The order files are documented in: the one a reader needs first first. */
static const pb_set_file doc_order[PB_FILE_KINDS] = { PB_FILE_RUNS, PB_FILE_TASKS, PB_FILE_SAMPLES, PB_FILE_MEASURES,
                                                      PB_FILE_MACHINE };

const pb_file_schema *pb_schema_file(pb_set_file kind)
{
    return &files[kind];
}

static const struct {
    const char *name;
    const char *values;        /* for `parbench schema --help`, which translates it */
} types[PB_COL_TYPES] = {
    [PB_COL_TEXT] = { "text", N_("any text") },
    [PB_COL_ID] = { "id", N_("a whole number from 1") },
    [PB_COL_COUNT] = { "count", N_("a whole number from 0") },
    [PB_COL_COUNT_OR_EMPTY] = { "count_or_empty", N_("a whole number from 0, or empty") },
    [PB_COL_INTEGER_OR_EMPTY] = { "integer_or_empty", N_("a whole number (maybe negative), or empty") },
    [PB_COL_NUMBER] = { "number", N_("a finite number") },
    [PB_COL_NUMBER_OR_EMPTY] = { "number_or_empty", N_("a finite number, or empty") },
    [PB_COL_NONNEGATIVE_OR_EMPTY] = { "nonnegative_or_empty", N_("a finite number >= 0, or empty") },
    [PB_COL_FRACTION_OR_EMPTY] = { "fraction_or_empty", N_("a number from 0 to 1, or empty") },
    [PB_COL_FLAG] = { "flag", N_("0 or 1") },
    [PB_COL_FLAG_OR_EMPTY] = { "flag_or_empty", N_("0, 1 or empty") },
    [PB_COL_STATUS] = { "status", N_("done, lost, running or pending") },
};

const char *pb_column_type_name(pb_column_type type)
{
    return type < PB_COL_TYPES ? types[type].name : "?";
}

const char *pb_column_type_values(pb_column_type type)
{
    return type < PB_COL_TYPES ? types[type].values : "?";
}

/* Digits only (after a '-' when negative_ok), at most 18 of them. */
static bool whole(const char *s, bool negative_ok, long long *out)
{
    const char *p = s;
    if (negative_ok && *p == '-')
        p++;
    if (!*p || strlen(p) > 18)
        return false;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    *out = strtoll(s, NULL, 10);
    return true;
}

static bool number(const char *s, double *out)
{
    if (!*s)
        return false;
    char *end;
    *out = strtod(s, &end);
    return *end == '\0' && isfinite(*out) && !strchr(s, ' ');
}

const char *pb_column_value_problem(pb_column_type type, const char *s)
{
    long long i;
    double d;
    bool empty = !*s;
    switch (type) {
    case PB_COL_TEXT: return NULL;
    case PB_COL_ID: return whole(s, false, &i) && i >= 1 ? NULL : "is not a whole number from 1";
    case PB_COL_COUNT: return whole(s, false, &i) ? NULL : "is not a whole number";
    case PB_COL_COUNT_OR_EMPTY: return empty || whole(s, false, &i) ? NULL : "is not a whole number";
    case PB_COL_INTEGER_OR_EMPTY: return empty || whole(s, true, &i) ? NULL : "is not a whole number";
    case PB_COL_NUMBER: return number(s, &d) ? NULL : "is not a number";
    case PB_COL_NUMBER_OR_EMPTY: return empty || number(s, &d) ? NULL : "is not a number";
    case PB_COL_NONNEGATIVE_OR_EMPTY: return empty || (number(s, &d) && d >= 0) ? NULL : "is not a number >= 0";
    case PB_COL_FRACTION_OR_EMPTY:
        /* 1.0001: the last of 4 decimals of busy, written as the sum of two floats (user + system) */
        return empty || (number(s, &d) && d >= 0 && d <= 1.0001) ? NULL : "is not a fraction from 0 to 1";
    case PB_COL_FLAG: return strcmp(s, "0") == 0 || strcmp(s, "1") == 0 ? NULL : "is not 0 or 1";
    case PB_COL_FLAG_OR_EMPTY:
        return empty || strcmp(s, "0") == 0 || strcmp(s, "1") == 0 ? NULL : "is not 0, 1 or empty";
    case PB_COL_STATUS:
        return strcmp(s, "done") == 0 || strcmp(s, "lost") == 0 || strcmp(s, "running") == 0 ||
                       strcmp(s, "pending") == 0
                   ? NULL
                   : "is not done, lost, running or pending";
    case PB_COL_TYPES: break;
    }
    return "has an unknown type";
}

void pb_schema_print_markdown(FILE *out)
{
    for (int k = 0; k < PB_FILE_KINDS; k++) {
        pb_set_file kind = doc_order[k];
        const pb_file_schema *fs = &files[kind];
        if (k)
            fputc('\n', out);
        fputs(pb_set_file_name[kind], out);
        if (kind == PB_FILE_MACHINE) {   /* its rows, not its two columns, are what a reader looks for */
            fprintf(out, ": %s: %s", fs->rows, machine_keys);
            continue;
        }
        if (kind == PB_FILE_RUNS)
            fprintf(out, " (schema version %d)", PB_SCHEMA_VERSION);
        else if (kind == PB_FILE_MEASURES)
            fputs(" (`parbench demo --out` only)", out);
        fprintf(out, ": %s\n\n| column | meaning |\n| --- | --- |\n", fs->rows);
        for (size_t c = 0; c < fs->ncolumns; c++)
            fprintf(out, "| `%s` | %s |\n", fs->columns[c].name, fs->columns[c].meaning);
    }
}

static int put_row(FILE *out, const char *const *fields, size_t n)
{
    pb_csv_row row;
    pb_csv_begin(&row);
    for (size_t i = 0; i < n; i++)
        pb_csv_str(&row, fields[i]);
    pb_csv_end(&row);
    if (row.overflow)
        return -1;
    return fwrite(row.buf, 1, row.len, out) == row.len ? 0 : -1;
}

int pb_schema_print_csv(FILE *out)
{
    static const char *const header[] = { "file", "column", "type", "required", "meaning" };
    int rc = put_row(out, header, 5);
    for (int k = 0; k < PB_FILE_KINDS && rc == 0; k++) {
        pb_set_file kind = doc_order[k];
        for (size_t c = 0; c < files[kind].ncolumns && rc == 0; c++) {
            const pb_column *col = &files[kind].columns[c];
            const char *row[] = { pb_set_file_name[kind], col->name, pb_column_type_name(col->type),
                                  col->required ? "1" : "0", col->meaning };
            rc = put_row(out, row, 5);
        }
    }
    return rc == 0 && fflush(out) == 0 ? 0 : -1;
}
