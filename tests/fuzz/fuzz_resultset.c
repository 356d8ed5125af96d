/* Fuzz target: the result-set reader. The first byte picks the file
 * (machine, runs, tasks, samples, measures), the rest is its content. The
 * reader must refuse or accept without crashing; what it accepts, written
 * back with parbench's own CSV writer, must read back cell for cell; and the
 * schema checks must hold on it without crashing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parbench/csv.h"
#include "parbench/csv_read.h"
#include "parbench/resultset_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    pb_set_file kind = (pb_set_file)(data[0] % PB_FILE_KINDS);
    pb_csv_table t;
    pb_error err;
    if (pb_csv_parse((const char *)data + 1, size - 1, pb_set_file_name[kind], &t, &err) != 0) {
        if (!err.msg[0])
            abort();   /* a refusal must say why */
        return 0;
    }
    pb_resultset_check_table(kind, &t, &err);
    /* write it back, row by row, and read that again */
    char *again = malloc(t.rows * (t.cols + 1) * 8192 + 1);
    size_t len = 0;
    bool fits = true;
    for (size_t r = 0; r < t.rows && fits; r++) {
        pb_csv_row row;
        pb_csv_begin(&row);
        for (size_t c = 0; c < t.cols; c++)
            pb_csv_str(&row, pb_csv_cell(&t, r, c));
        pb_csv_end(&row);
        fits = !row.overflow;
        memcpy(again + len, row.buf, row.len);
        len += row.len;
    }
    if (fits) {
        pb_csv_table u;
        if (pb_csv_parse(again, len, "again", &u, &err) != 0) {
            fprintf(stderr, "fuzz_resultset: its own writing was refused: %s\n", err.msg);
            abort();
        }
        if (u.rows != t.rows || u.cols != t.cols)
            abort();
        for (size_t k = 0; k < t.rows * t.cols; k++)
            if (strcmp(t.cell[k], u.cell[k]) != 0) {
                fprintf(stderr, "fuzz_resultset: cell %zu [%s] came back as [%s]\n", k, t.cell[k], u.cell[k]);
                abort();
            }
        pb_csv_table_free(&u);
    }
    free(again);
    pb_csv_table_free(&t);
    return 0;
}
