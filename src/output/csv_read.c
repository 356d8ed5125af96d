#include "parbench/csv_read.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pb_csv_table_free(pb_csv_table *t)
{
    free(t->cell);
    free(t->line);
    free(t->text);
    memset(t, 0, sizeof *t);
}

/* Cells are gathered as offsets into text while the row count grows, then
 * turned into pointers once text no longer moves. */
typedef struct builder {
    size_t *off;               /* each cell's start in text */
    size_t ncells, cap_cells;
    size_t *line;
    size_t nrows, cap_rows;
} builder;

static int push(size_t **v, size_t *n, size_t *cap, size_t x)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        size_t *g = realloc(*v, c * sizeof *g);
        if (!g)
            return -1;
        *v = g;
        *cap = c;
    }
    (*v)[(*n)++] = x;
    return 0;
}

int pb_csv_parse(const char *data, size_t len, const char *name, pb_csv_table *t, pb_error *err)
{
    memset(t, 0, sizeof *t);
    if (len == 0)
        return pb_fail(err, PB_E_ARG, "%s: empty (no header row)", name);
    if (memchr(data, '\0', len))
        return pb_fail(err, PB_E_ARG, "%s: holds a NUL byte (not a text file)", name);
    char last = data[len - 1];
    if (last != '\n')
        return pb_fail(err, PB_E_ARG, "%s: truncated (the last line is not complete)", name);
    /* unquoting never lengthens a field; + one NUL per field, at most len + 1 of them */
    t->text = malloc(2 * len + 2);
    builder b = { 0 };
    int rc = 0;
    if (!t->text) {
        rc = pb_fail(err, PB_E_NOMEM, "%s: out of memory", name);
        goto out;
    }
    size_t out = 0, i = 0, line = 1, fields = 0, record_line = 1;
    bool record_open = false;
    while (i < len) {
        if (!record_open) {
            record_open = true;
            record_line = line;
            fields = 0;
            if (push(&b.line, &b.nrows, &b.cap_rows, record_line)) {
                rc = pb_fail(err, PB_E_NOMEM, "%s: out of memory", name);
                goto out;
            }
        }
        /* one field */
        if (push(&b.off, &b.ncells, &b.cap_cells, out)) {
            rc = pb_fail(err, PB_E_NOMEM, "%s: out of memory", name);
            goto out;
        }
        fields++;
        if (data[i] == '"') {
            size_t open_line = line;
            i++;
            for (;;) {
                if (i >= len) {
                    rc = pb_fail(err, PB_E_ARG, "%s: line %zu: a quote is never closed", name, open_line);
                    goto out;
                }
                if (data[i] == '"') {
                    if (i + 1 < len && data[i + 1] == '"') {
                        t->text[out++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (data[i] == '\n')
                    line++;
                t->text[out++] = data[i++];
            }
            if (i < len && data[i] != ',' && data[i] != '\n' && !(data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')) {
                rc = pb_fail(err, PB_E_ARG, "%s: line %zu: text after a closing quote", name, line);
                goto out;
            }
        } else {
            while (i < len && data[i] != ',' && data[i] != '\n' && !(data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')) {
                if (data[i] == '"') {
                    rc = pb_fail(err, PB_E_ARG, "%s: line %zu: a quote inside an unquoted field", name, line);
                    goto out;
                }
                t->text[out++] = data[i++];
            }
        }
        t->text[out++] = '\0';
        if (i < len && data[i] == ',') {
            i++;
            if (i == len) {   /* cannot happen: the data ends with a line end */
                rc = pb_fail(err, PB_E_ARG, "%s: line %zu: truncated", name, line);
                goto out;
            }
            continue;
        }
        /* end of the record: CRLF or LF */
        i += data[i] == '\r' ? 2 : 1;
        line++;
        record_open = false;
        if (b.nrows == 1)
            t->cols = fields;
        else if (fields != t->cols) {
            rc = pb_fail(err, PB_E_ARG, "%s: line %zu: %zu fields, the header has %zu", name, record_line, fields,
                         t->cols);
            goto out;
        }
    }
    t->rows = b.nrows;
    t->cell = malloc((b.ncells ? b.ncells : 1) * sizeof *t->cell);
    if (!t->cell) {
        rc = pb_fail(err, PB_E_NOMEM, "%s: out of memory", name);
        goto out;
    }
    for (size_t k = 0; k < b.ncells; k++)
        t->cell[k] = t->text + b.off[k];
    t->line = b.line;
    b.line = NULL;
out:
    free(b.off);
    free(b.line);
    if (rc)
        pb_csv_table_free(t);
    return rc;
}

int pb_csv_read_file(const char *path, pb_csv_table *t, pb_error *err)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "rb");
    if (!f)
        return pb_fail_errno(err, errno == ENOENT ? PB_E_ARG : PB_E_SYS, errno, "%s: cannot open", path);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t c = cap ? 2 * cap : 65536;
            char *g = realloc(buf, c);
            if (!g) {
                free(buf);
                fclose(f);
                return pb_fail(err, PB_E_NOMEM, "%s: out of memory", path);
            }
            buf = g;
            cap = c;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    int rc = bad ? pb_fail(err, PB_E_SYS, "%s: cannot read", path) : pb_csv_parse(buf, len, path, t, err);
    free(buf);
    return rc;
}
