#include "parbench/resultset_check.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parbench/resultset.h"   /* PB_SCHEMA_VERSION */

const char *const pb_set_file_name[PB_FILE_KINDS] = { "machine.csv", "runs.csv", "tasks.csv", "samples.csv",
                                                      "measures.csv" };

typedef enum value_type {
    TEXT,                      /* anything */
    ID,                        /* a whole number >= 1 */
    COUNT,                     /* a whole number >= 0 */
    COUNT_OR_EMPTY,
    SIGNED_OR_EMPTY,           /* a whole number, maybe negative (exit statuses) */
    SECONDS_OR_EMPTY,          /* a finite number >= 0 */
    NUMBER,                    /* any finite number */
    NUMBER_OR_EMPTY,
    FRACTION_OR_EMPTY,         /* 0..1 */
    FLAG,                      /* 0 or 1 */
    FLAG_OR_EMPTY,
    STATUS,                    /* a task's: done, lost, running, pending */
} value_type;

typedef struct column_rule {
    const char *name;
    value_type type;
    bool required;             /* else it may be absent: a column added after a set was written */
} column_rule;

/* The columns a reader relies on (required) and the values each may hold;
 * a column not listed may hold any text. Older sets lack columns added
 * since (the schema only ever adds), so most are checked only when present. */
#define R true
static const column_rule runs_rules[] = {
    { "run_id", ID, R }, { "config_id", ID, R }, { "workload", TEXT, R }, { "params", TEXT, R },
    { "backend", TEXT, R }, { "workers", ID, R }, { "tasks", COUNT, R }, { "oversubscribed", FLAG, 0 },
    { "bound", FLAG_OR_EMPTY, 0 }, { "placement_held", FLAG_OR_EMPTY, 0 }, { "gil", FLAG, 0 },
    { "ipc", TEXT, R }, { "chunk", COUNT_OR_EMPTY, 0 }, { "rep", ID, R }, { "started_s", SECONDS_OR_EMPTY, 0 },
    { "wall_s", SECONDS_OR_EMPTY, R }, { "spawn_s", SECONDS_OR_EMPTY, 0 }, { "work_s", SECONDS_OR_EMPTY, 0 },
    { "join_s", SECONDS_OR_EMPTY, 0 }, { "user_s", SECONDS_OR_EMPTY, 0 }, { "sys_s", SECONDS_OR_EMPTY, 0 },
    { "busy_cores", SECONDS_OR_EMPTY, R }, { "cpu_util", SECONDS_OR_EMPTY, 0 }, { "startup_s", SECONDS_OR_EMPTY, 0 },
    { "ideal_s", SECONDS_OR_EMPTY, R }, { "efficiency", SECONDS_OR_EMPTY, 0 }, { "nvcsw", COUNT_OR_EMPTY, 0 },
    { "nivcsw", COUNT_OR_EMPTY, 0 }, { "minflt", COUNT_OR_EMPTY, 0 }, { "majflt", COUNT_OR_EMPTY, 0 },
    { "maxrss_kb", COUNT_OR_EMPTY, 0 }, { "pus", COUNT, R }, { "replaced", COUNT, 0 },
    { "sampler_cpu_s", SECONDS_OR_EMPTY, 0 }, { "samples", COUNT_OR_EMPTY, 0 }, { "ok", FLAG, R },
    { "round", COUNT, 0 }, { "position", COUNT, 0 }, { "idle_before_s", SECONDS_OR_EMPTY, 0 },
    { "bind_s", SECONDS_OR_EMPTY, 0 },
    { "wait", TEXT, 0 }, { "spin_us", COUNT_OR_EMPTY, 0 },
};
static const column_rule tasks_rules[] = {
    { "run_id", ID, R }, { "config_id", ID, 0 }, { "rep", ID, 0 }, { "task", COUNT, R },
    { "worker", COUNT_OR_EMPTY, R }, { "seq", COUNT_OR_EMPTY, 0 }, { "cpu_start", SIGNED_OR_EMPTY, 0 },
    { "cpu_end", SIGNED_OR_EMPTY, 0 }, { "start_s", NUMBER_OR_EMPTY, R }, { "end_s", NUMBER_OR_EMPTY, R },
    { "cpu_s", SECONDS_OR_EMPTY, 0 }, { "sleep_s", SECONDS_OR_EMPTY, 0 }, { "status", STATUS, R },
    { "signal", COUNT_OR_EMPTY, 0 }, { "exit_status", SIGNED_OR_EMPTY, 0 },
};
static const column_rule samples_rules[] = {
    { "run_id", ID, R }, { "config_id", ID, 0 }, { "rep", ID, 0 }, { "t_s", NUMBER, R },
    { "dt_s", SECONDS_OR_EMPTY, 0 }, { "cpu", COUNT, R }, { "busy", FRACTION_OR_EMPTY, R },
    { "user", FRACTION_OR_EMPTY, 0 }, { "system", FRACTION_OR_EMPTY, 0 }, { "steal", FRACTION_OR_EMPTY, 0 },
};
static const column_rule measures_rules[] = {
    { "demo", TEXT, R }, { "case", TEXT, R }, { "metric", TEXT, R }, { "value", NUMBER, R },
    { "unit", TEXT, R }, { "expected", NUMBER_OR_EMPTY, R }, { "run_id", COUNT_OR_EMPTY, R },
};
static const column_rule machine_rules[] = { { "key", TEXT, R }, { "value", TEXT, R } };
#undef R

typedef struct file_rules {
    const column_rule *rules;
    size_t nrules;
} file_rules;

#define RULES(r) { r, sizeof r / sizeof r[0] }
static const file_rules rules_of[PB_FILE_KINDS] = {
    [PB_FILE_MACHINE] = RULES(machine_rules),
    [PB_FILE_RUNS] = RULES(runs_rules),
    [PB_FILE_TASKS] = RULES(tasks_rules),
    [PB_FILE_SAMPLES] = RULES(samples_rules),
    [PB_FILE_MEASURES] = RULES(measures_rules),
};
#undef RULES

static long column_of(const pb_csv_table *t, const char *name)
{
    for (size_t c = 0; c < t->cols; c++)
        if (strcmp(pb_csv_cell(t, 0, c), name) == 0)
            return (long)c;
    return -1;
}

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

static const char *value_problem(value_type type, const char *s)
{
    long long i;
    double d;
    bool empty = !*s;
    switch (type) {
    case TEXT: return NULL;
    case ID: return whole(s, false, &i) && i >= 1 ? NULL : "is not a whole number from 1";
    case COUNT: return whole(s, false, &i) ? NULL : "is not a whole number";
    case COUNT_OR_EMPTY: return empty || whole(s, false, &i) ? NULL : "is not a whole number";
    case SIGNED_OR_EMPTY: return empty || whole(s, true, &i) ? NULL : "is not a whole number";
    case SECONDS_OR_EMPTY: return empty || (number(s, &d) && d >= 0) ? NULL : "is not a number >= 0";
    case NUMBER: return number(s, &d) ? NULL : "is not a number";
    case NUMBER_OR_EMPTY: return empty || number(s, &d) ? NULL : "is not a number";
    case FRACTION_OR_EMPTY:
        return empty || (number(s, &d) && d >= 0 && d <= 1.0001) ? NULL : "is not a fraction from 0 to 1";
    case FLAG: return strcmp(s, "0") == 0 || strcmp(s, "1") == 0 ? NULL : "is not 0 or 1";
    case FLAG_OR_EMPTY: return empty || strcmp(s, "0") == 0 || strcmp(s, "1") == 0 ? NULL : "is not 0, 1 or empty";
    case STATUS:
        return strcmp(s, "done") == 0 || strcmp(s, "lost") == 0 || strcmp(s, "running") == 0 ||
                       strcmp(s, "pending") == 0
                   ? NULL
                   : "is not done, lost, running or pending";
    }
    return "has an unknown type";
}

int pb_resultset_check_table(pb_set_file kind, const pb_csv_table *t, pb_error *err)
{
    const char *name = pb_set_file_name[kind];
    const file_rules *fr = &rules_of[kind];
    if (t->rows == 0)
        return pb_fail(err, PB_E_ARG, "%s: empty (no header row)", name);
    long col[64];
    for (size_t r = 0; r < fr->nrules; r++) {
        col[r] = column_of(t, fr->rules[r].name);
        if (col[r] < 0 && fr->rules[r].required)
            return pb_fail(err, PB_E_ARG, "%s: line 1: no column %s (is this parbench's %s?)", name,
                           fr->rules[r].name, name);
    }
    long long last_id = 0;
    long run_id = kind == PB_FILE_RUNS ? column_of(t, "run_id") : -1;
    long wall = column_of(t, "wall_s"), ok = column_of(t, "ok");
    for (size_t row = 1; row < t->rows; row++) {
        for (size_t r = 0; r < fr->nrules; r++) {
            if (col[r] < 0)
                continue;
            const char *v = pb_csv_cell(t, row, (size_t)col[r]);
            const char *problem = value_problem(fr->rules[r].type, v);
            if (problem)
                return pb_fail(err, PB_E_ARG, "%s: line %zu: %s='%.40s' %s", name, t->line[row], fr->rules[r].name, v,
                               problem);
        }
        if (kind == PB_FILE_RUNS) {
            long long id = strtoll(pb_csv_cell(t, row, (size_t)run_id), NULL, 10);
            if (id <= last_id)
                return pb_fail(err, PB_E_ARG, "%s: line %zu: run_id %lld does not follow %lld", name, t->line[row], id,
                               last_id);
            last_id = id;
            if (!*pb_csv_cell(t, row, (size_t)wall) && strcmp(pb_csv_cell(t, row, (size_t)ok), "0") != 0)
                return pb_fail(err, PB_E_ARG, "%s: line %zu: a run with no wall_s cannot be ok", name, t->line[row]);
        }
    }
    if (kind == PB_FILE_MACHINE) {
        for (size_t row = 1; row < t->rows; row++)
            if (strcmp(pb_csv_cell(t, row, 0), "schema_version") == 0) {
                long long v;
                if (!whole(pb_csv_cell(t, row, 1), false, &v) || v < 1)
                    return pb_fail(err, PB_E_ARG, "%s: line %zu: schema_version '%.20s' is not a version", name,
                                   t->line[row], pb_csv_cell(t, row, 1));
                if (v > PB_SCHEMA_VERSION)
                    return pb_fail(err, PB_E_ARG, "%s: schema version %lld is newer than this parbench reads (%d)",
                                   name, v, PB_SCHEMA_VERSION);
                return 0;
            }
        return pb_fail(err, PB_E_ARG, "%s: no schema_version", name);
    }
    return 0;
}

/* runs.csv's run ids and their task counts, sorted by id (they are written in order). */
typedef struct run_index {
    long long *id, *tasks, *seen;
    size_t n;
} run_index;

static long find_run(const run_index *ix, long long id)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ix->id[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->n && ix->id[lo] == id ? (long)lo : -1;
}

static void warn(pb_set_summary *sum, const char *fmt, long long a)
{
    if (!sum->warnings++)
        snprintf(sum->warning, sizeof sum->warning, fmt, a);
}

int pb_resultset_check(const char *dir, pb_set_summary *sum, pb_error *err)
{
    memset(sum, 0, sizeof *sum);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return pb_fail(err, PB_E_ARG, "%s: not a folder", dir);
    char runs_path[PATH_MAX];
    snprintf(runs_path, sizeof runs_path, "%s/runs.csv", dir);
    if (stat(runs_path, &st) != 0)
        return pb_fail(err, PB_E_ARG, "%s: missing (is this a parbench result set?)", runs_path);
    pb_csv_table t[PB_FILE_KINDS];
    memset(t, 0, sizeof t);
    run_index ix = { 0 };
    int rc = 0;
    for (int k = 0; k < PB_FILE_KINDS && rc == 0; k++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, pb_set_file_name[k]);
        if (k == PB_FILE_MEASURES && stat(path, &st) != 0)
            continue;   /* only demos write it */
        if (stat(path, &st) != 0) {
            rc = pb_fail(err, PB_E_ARG, "%s: missing (is this a parbench result set?)", path);
            break;
        }
        if ((rc = pb_csv_read_file(path, &t[k], err)) != 0)
            break;
        if ((rc = pb_resultset_check_table((pb_set_file)k, &t[k], err)) != 0) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            pb_fail(err, rc, "%s/%s", dir, msg);
            break;
        }
        sum->rows[k] = t[k].rows - 1;
    }
    if (rc)
        goto out;
    /* how the files join */
    const pb_csv_table *runs = &t[PB_FILE_RUNS];
    ix.n = runs->rows - 1;
    ix.id = calloc(ix.n + 1, sizeof *ix.id);
    ix.tasks = calloc(ix.n + 1, sizeof *ix.tasks);
    ix.seen = calloc(ix.n + 1, sizeof *ix.seen);
    if (!ix.id || !ix.tasks || !ix.seen) {
        rc = pb_fail(err, PB_E_NOMEM, "out of memory");
        goto out;
    }
    long rid = column_of(runs, "run_id"), rtasks = column_of(runs, "tasks"), rok = column_of(runs, "ok");
    for (size_t r = 0; r < ix.n; r++) {
        ix.id[r] = strtoll(pb_csv_cell(runs, r + 1, (size_t)rid), NULL, 10);
        ix.tasks[r] = strtoll(pb_csv_cell(runs, r + 1, (size_t)rtasks), NULL, 10);
        sum->runs_failed += strcmp(pb_csv_cell(runs, r + 1, (size_t)rok), "0") == 0;
    }
    const pb_csv_table *tasks = &t[PB_FILE_TASKS];
    long tid = column_of(tasks, "run_id");
    for (size_t r = 1; r < tasks->rows; r++) {
        long long id = strtoll(pb_csv_cell(tasks, r, (size_t)tid), NULL, 10);
        long at = find_run(&ix, id);
        if (at < 0)
            warn(sum, "tasks.csv holds tasks of run %lld, which runs.csv does not have (a run cut short)", id);
        else
            ix.seen[at]++;
    }
    for (size_t r = 0; r < ix.n; r++)
        if (ix.seen[r] != ix.tasks[r]) {
            rc = pb_fail(err, PB_E_ARG, "%s: run %lld: runs.csv says %lld tasks, tasks.csv has %lld", dir, ix.id[r],
                         ix.tasks[r], ix.seen[r]);
            goto out;
        }
    const pb_csv_table *samples = &t[PB_FILE_SAMPLES];
    long sid = column_of(samples, "run_id");
    for (size_t r = 1; r < samples->rows; r++) {
        long long id = strtoll(pb_csv_cell(samples, r, (size_t)sid), NULL, 10);
        if (find_run(&ix, id) < 0)
            warn(sum, "samples.csv holds samples of run %lld, which runs.csv does not have (a run cut short)", id);
    }
    const pb_csv_table *measures = &t[PB_FILE_MEASURES];
    long mid = measures->rows ? column_of(measures, "run_id") : -1;
    for (size_t r = 1; r < measures->rows; r++) {
        const char *v = pb_csv_cell(measures, r, (size_t)mid);
        if (*v && find_run(&ix, strtoll(v, NULL, 10)) < 0) {
            rc = pb_fail(err, PB_E_ARG, "%s: measures.csv: line %zu: run_id %s is not in runs.csv", dir,
                         measures->line[r], v);
            goto out;
        }
    }
out:
    for (int k = 0; k < PB_FILE_KINDS; k++)
        pb_csv_table_free(&t[k]);
    free(ix.id);
    free(ix.tasks);
    free(ix.seen);
    return rc;
}
