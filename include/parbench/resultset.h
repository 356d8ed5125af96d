/* A result set: one folder per invocation, never overwritten, holding
 *   machine.csv  key,value: the machine, the build, what makes numbers noisy
 *   runs.csv     one row per measured repetition
 *   tasks.csv    one row per task per repetition
 *   samples.csv  per-CPU busy fractions sampled during each run
 *   measures.csv what a demo measured outside the runner's columns (only
 *                in sets written by `parbench demo --out`)
 * Each file's columns are declared once, in its table in src/output/schema.c
 * (parbench/schema.h). */
#ifndef PARBENCH_RESULTSET_H
#define PARBENCH_RESULTSET_H

#include <stdint.h>

#include "parbench/csv.h"
#include "parbench/runner.h"
#include "parbench/schema.h"   /* the files' columns */

typedef struct pb_resultset {
    char dir[4096];
    pb_csv_file runs, tasks, samples;
    pb_csv_file measures;      /* created with the first measure */
    uint64_t next_run_id;
    int64_t t0_ns;             /* CLOCK_MONOTONIC when the set was created */
} pb_resultset;

/* Create a result set: `dir` exactly (it must not exist yet; parents are
 * created), or when dir is NULL a new `<root>/<UTC time>-<host>` folder.
 * Writes machine.csv (with `command`, the invocation, among its keys, and
 * the pairs of `extra`: key, value, ..., NULL; or NULL) and the header of
 * runs.csv. */
int pb_resultset_create(pb_resultset *rs, const char *dir, const char *root, const char *command,
                        const char *const *extra, pb_error *err);

/* Append one measured repetition: its runs.csv row, its tasks, and the
 * sampler's intervals (sampler may be NULL). */
int pb_resultset_add_run(pb_resultset *rs, uint64_t config_id, const pb_config *cfg,
                         const pb_plan *plan, const pb_run_record *rec, const pb_sampler *sampler,
                         pb_error *err);

/* One row of measures.csv (created on first use). `expected` NAN: none;
 * run_id 0: not from the runner. */
int pb_resultset_add_measure(pb_resultset *rs, const char *demo, const char *what, const char *metric,
                             double value, const char *unit, double expected, uint64_t run_id, pb_error *err);

void pb_resultset_close(pb_resultset *rs);

/* Append one key,value row to the set's machine.csv (what is known only
 * once the runs are set up, such as the MPI launch command). */
int pb_resultset_add_machine(pb_resultset *rs, const char *key, const char *value, pb_error *err);

/* Write machine.csv into an existing folder (bench binaries use it). */
int pb_resultset_write_machine(const char *dir, const char *command, pb_error *err);

/* Check that `dir` could be created as a new result set (it does not exist,
 * and its parent exists or can be created), without creating anything. */
int pb_resultset_check_dir(const char *dir, pb_error *err);

#endif
