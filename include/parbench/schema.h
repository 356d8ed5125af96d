/* The columns of every file of a result set, declared once: one table per
 * file (src/output/schema.c), each column with its name, its type (the
 * values it may hold), whether a reader needs it, and its meaning. From
 * these tables come the header rows parbench writes (resultset.c), the
 * checks of `parbench check` (resultset_check.c), and both forms of
 * `parbench schema`: Markdown for people (the README's tables) and CSV for
 * programs (plots/resultset.py takes its types from it).
 * A column is added, never repurposed; PB_SCHEMA_VERSION changes when one is. */
#ifndef PARBENCH_SCHEMA_H
#define PARBENCH_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define PB_SCHEMA_VERSION 1
#define PB_SCHEMA_MAX_COLUMNS 64   /* the widest file's columns fit (checked in schema.c) */

/* The files of a result set. */
typedef enum pb_set_file {
    PB_FILE_MACHINE,
    PB_FILE_RUNS,
    PB_FILE_TASKS,
    PB_FILE_SAMPLES,
    PB_FILE_MEASURES,
    PB_FILE_KINDS
} pb_set_file;

extern const char *const pb_set_file_name[PB_FILE_KINDS];   /* "runs.csv", ... */

/* The values a column may hold; "or empty": an empty field too (not
 * measured, not known, or not this backend's). */
typedef enum pb_column_type {
    PB_COL_TEXT,                   /* any text */
    PB_COL_ID,                     /* a whole number from 1 */
    PB_COL_COUNT,                  /* a whole number from 0 */
    PB_COL_COUNT_OR_EMPTY,
    PB_COL_INTEGER_OR_EMPTY,       /* a whole number, maybe negative (exit statuses) */
    PB_COL_NUMBER,                 /* any finite number */
    PB_COL_NUMBER_OR_EMPTY,
    PB_COL_NONNEGATIVE_OR_EMPTY,   /* a finite number >= 0: seconds, cores, ratios */
    PB_COL_FRACTION_OR_EMPTY,      /* a number from 0 to 1 */
    PB_COL_FLAG,                   /* 0 or 1 */
    PB_COL_FLAG_OR_EMPTY,
    PB_COL_STATUS,                 /* a task's: done, lost, running or pending */
    PB_COL_TYPES
} pb_column_type;

typedef struct pb_column {
    const char *name;
    pb_column_type type;
    bool required;             /* a reader needs it; else it may be absent (older sets predate it) */
    const char *meaning;
} pb_column;

typedef struct pb_file_schema {
    const char *rows;          /* what one row is: "one row per measured repetition" */
    const pb_column *columns;  /* in the order they are written */
    size_t ncolumns;
} pb_file_schema;

const pb_file_schema *pb_schema_file(pb_set_file kind);

/* A type's name in `parbench schema --csv` ("count_or_empty") and the
 * values it allows, for people ("a whole number from 0, or empty"; in
 * English, marked for the catalogue: `parbench schema --help` translates it). */
const char *pb_column_type_name(pb_column_type type);
const char *pb_column_type_values(pb_column_type type);

/* NULL when `value` is one `type` allows, else what is wrong with it, to
 * follow the value in a message ("is not a whole number"). */
const char *pb_column_value_problem(pb_column_type type, const char *value);

/* Every file's columns and their meaning, as Markdown (`parbench schema`). */
void pb_schema_print_markdown(FILE *out);

/* The same as CSV (`parbench schema --csv`): a header row, then one row per
 * column: file, column, type, required (1 or 0), meaning. Files in the order
 * of the Markdown, columns in the order they are written. 0, or -1 when
 * `out` could not be written. */
int pb_schema_print_csv(FILE *out);

#endif
