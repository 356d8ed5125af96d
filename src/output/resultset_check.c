#include "parbench/resultset_check.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static long column_of(const pb_csv_table *t, const char *name)
{
    for (size_t c = 0; c < t->cols; c++)
        if (strcmp(pb_csv_cell(t, 0, c), name) == 0)
            return (long)c;
    return -1;
}

/* A whole number, as the schema's types allow one (run ids, the schema version). */
static bool whole(const char *s, long long *out)
{
    if (pb_column_value_problem(PB_COL_COUNT, s))
        return false;
    *out = strtoll(s, NULL, 10);
    return true;
}

int pb_resultset_check_table(pb_set_file kind, const pb_csv_table *t, pb_error *err)
{
    const char *name = pb_set_file_name[kind];
    const pb_file_schema *fs = pb_schema_file(kind);
    if (t->rows == 0)
        return pb_fail(err, PB_E_ARG, "%s: empty (no header row)", name);
    /* Older sets lack columns added since (the schema only ever adds): a
     * column not required is checked only when present. */
    long col[PB_SCHEMA_MAX_COLUMNS];
    for (size_t r = 0; r < fs->ncolumns; r++) {
        col[r] = column_of(t, fs->columns[r].name);
        if (col[r] < 0 && fs->columns[r].required)
            return pb_fail(err, PB_E_ARG, "%s: line 1: no column %s (is this parbench's %s?)", name,
                           fs->columns[r].name, name);
    }
    long long last_id = 0;
    long run_id = kind == PB_FILE_RUNS ? column_of(t, "run_id") : -1;
    long wall = column_of(t, "wall_s"), ok = column_of(t, "ok");
    for (size_t row = 1; row < t->rows; row++) {
        for (size_t r = 0; r < fs->ncolumns; r++) {
            if (col[r] < 0)
                continue;
            const char *v = pb_csv_cell(t, row, (size_t)col[r]);
            const char *problem = pb_column_value_problem(fs->columns[r].type, v);
            if (problem)
                return pb_fail(err, PB_E_ARG, "%s: line %zu: %s='%.40s' %s", name, t->line[row], fs->columns[r].name,
                               v, problem);
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
                if (!whole(pb_csv_cell(t, row, 1), &v) || v < 1)
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
