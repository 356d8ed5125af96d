/* Checking a result set as a reader finds it: every file parses as CSV with
 * the columns its schema declares (parbench/schema.h), every value has its
 * type, and the files agree (each run in runs.csv has all its tasks). For
 * `parbench check`, for tests after interrupts and full disks, and for the
 * fuzzer. */
#ifndef PARBENCH_RESULTSET_CHECK_H
#define PARBENCH_RESULTSET_CHECK_H

#include <stddef.h>

#include "parbench/csv_read.h"
#include "parbench/error.h"
#include "parbench/schema.h"   /* pb_set_file, the columns and their types */

typedef struct pb_set_summary {
    size_t rows[PB_FILE_KINDS];        /* data rows in each file */
    size_t runs_failed;                /* runs.csv rows with ok = 0 */
    size_t warnings;
    char warning[512];                 /* the first, for people */
} pb_set_summary;

/* One parsed file on its own: its columns, and each value's type and range. */
int pb_resultset_check_table(pb_set_file kind, const pb_csv_table *t, pb_error *err);

/* A whole folder: each file (measures.csv only if present), then how they
 * join. A run whose tasks are missing is an error; tasks or samples of a run
 * that runs.csv lacks (a run cut short before its row) are a warning. */
int pb_resultset_check(const char *dir, pb_set_summary *sum, pb_error *err);

#endif
