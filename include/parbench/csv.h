/* RFC 4180 CSV: a header row, fields quoted when they hold a comma, a quote,
 * CR, LF or edge spaces (quotes doubled), CRLF after every record. A row is
 * built in memory and written with one write(), so a file holds only whole
 * rows, even when the disk fills up mid-run. */
#ifndef PARBENCH_CSV_H
#define PARBENCH_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parbench/error.h"

typedef struct pb_csv_row {
    char buf[8192];
    size_t len;
    unsigned fields;
    bool overflow;             /* a field did not fit: the row is refused */
} pb_csv_row;

void pb_csv_begin(pb_csv_row *row);
void pb_csv_str(pb_csv_row *row, const char *text);
void pb_csv_u64(pb_csv_row *row, uint64_t v);
void pb_csv_i64(pb_csv_row *row, int64_t v);
/* A double with `decimals` digits after the point; NaN/inf become empty. */
void pb_csv_f64(pb_csv_row *row, double v, int decimals);
/* Terminate the record (CRLF). */
void pb_csv_end(pb_csv_row *row);

typedef struct pb_csv_file {
    int fd;
    unsigned columns;
    long long bytes;           /* bytes of whole rows written so far */
    char *pending;             /* rows appended, not yet written (pb_csv_append) */
    size_t pending_len, pending_cap;
    char path[4096];
} pb_csv_file;

/* Create `path` (it must not exist) and write the header. */
int pb_csv_open(pb_csv_file *f, const char *path, const char *const *header, unsigned columns, pb_error *err);
/* Append one finished row; a short write is cut back so no torn row stays. */
int pb_csv_write(pb_csv_file *f, const pb_csv_row *row, pb_error *err);
/* Buffer a row; rows go out in large writes of whole rows, when the buffer
 * fills and at pb_csv_flush. */
int pb_csv_append(pb_csv_file *f, const pb_csv_row *row, pb_error *err);
int pb_csv_flush(pb_csv_file *f, pb_error *err);
/* Flushes, then closes. */
void pb_csv_close(pb_csv_file *f);

#endif
