/* Reading RFC 4180 CSV back: what parbench writes, and what a damaged or
 * hand-edited file may hold. Records end with CRLF (LF accepted); a field in
 * quotes may hold commas, quotes (doubled) and line ends. Refused, with the
 * line it starts on: a quote inside an unquoted field, an unclosed quote,
 * text after a closing quote, a record with another number of fields than
 * the header, and a last record with no line end (a truncated file). */
#ifndef PARBENCH_CSV_READ_H
#define PARBENCH_CSV_READ_H

#include <stddef.h>

#include "parbench/error.h"

typedef struct pb_csv_table {
    size_t rows;               /* records, the header included */
    size_t cols;               /* fields per record (the header's) */
    char **cell;               /* rows * cols, row-major; NUL-terminated, unquoted */
    size_t *line;              /* the line each record starts on, from 1 */
    char *text;                /* storage of the cells */
} pb_csv_table;

/* Parse len bytes (NULs refused). `name` starts every error message. */
int pb_csv_parse(const char *data, size_t len, const char *name, pb_csv_table *t, pb_error *err);
/* Read a whole file and parse it. */
int pb_csv_read_file(const char *path, pb_csv_table *t, pb_error *err);
void pb_csv_table_free(pb_csv_table *t);

/* Field `col` of record `row` (0 is the header). */
static inline const char *pb_csv_cell(const pb_csv_table *t, size_t row, size_t col)
{
    return t->cell[row * t->cols + col];
}

#endif
