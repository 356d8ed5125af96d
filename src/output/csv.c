#include "parbench/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put(pb_csv_row *row, const char *s, size_t n)
{
    if (row->overflow || n > sizeof row->buf - row->len - 3) {   /* room for CRLF + NUL */
        row->overflow = true;
        return;
    }
    memcpy(row->buf + row->len, s, n);
    row->len += n;
    row->buf[row->len] = '\0';
}

void pb_csv_begin(pb_csv_row *row)
{
    row->len = 0;
    row->fields = 0;
    row->overflow = false;
    row->buf[0] = '\0';
}

static bool needs_quotes(const char *s)
{
    size_t n = strlen(s);
    return strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));
}

void pb_csv_str(pb_csv_row *row, const char *text)
{
    if (row->fields++)
        put(row, ",", 1);
    if (!needs_quotes(text)) {
        put(row, text, strlen(text));
        return;
    }
    put(row, "\"", 1);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            put(row, "\"\"", 2);   /* a quote inside a field is doubled */
        else
            put(row, p, 1);
    }
    put(row, "\"", 1);
}

void pb_csv_u64(pb_csv_row *row, uint64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%" PRIu64, v);
    pb_csv_str(row, b);
}

void pb_csv_i64(pb_csv_row *row, int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%" PRId64, v);
    pb_csv_str(row, b);
}

void pb_csv_f64(pb_csv_row *row, double v, int decimals)
{
    char b[64] = "";
    if (isfinite(v))
        snprintf(b, sizeof b, "%.*f", decimals, v);
    pb_csv_str(row, b);
}

void pb_csv_end(pb_csv_row *row)
{
    put(row, "\r\n", 2);
}

int pb_csv_open(pb_csv_file *f, const char *path, const char *const *header, unsigned columns, pb_error *err)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    snprintf(f->path, sizeof f->path, "%s", path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return pb_fail_errno(err, PB_E_IO, errno, "cannot create %s", path);
    f->fd = fd;
    f->columns = columns;
    pb_csv_row row;
    pb_csv_begin(&row);
    for (unsigned i = 0; i < columns; i++)
        pb_csv_str(&row, header[i]);
    pb_csv_end(&row);
    f->columns = row.fields;
    return pb_csv_write(f, &row, err);
}

static int check_row(pb_csv_file *f, const pb_csv_row *row, pb_error *err)
{
    if (row->overflow)
        return pb_fail(err, PB_E_IO, "%s: a row is longer than %zu bytes", f->path, sizeof row->buf);
    if (row->fields != f->columns)
        return pb_fail(err, PB_E_IO, "%s: a row has %u fields, the header %u", f->path,
                       row->fields, f->columns);
    return 0;
}

/* One write of whole rows; a short write is cut back to the last whole row. */
static int write_whole(pb_csv_file *f, const char *data, size_t len, pb_error *err)
{
    ssize_t n;
    while ((n = write(f->fd, data, len)) < 0 && errno == EINTR)
        ;
    if (n == (ssize_t)len) {
        f->bytes += n;
        return 0;
    }
    int e = n < 0 ? errno : ENOSPC;
    if (n > 0 && ftruncate(f->fd, f->bytes) != 0) {
        /* cannot cut the torn row back: say so, the file is damaged */
        return pb_fail_errno(err, PB_E_IO, errno, "%s: a row was cut short and cannot be removed", f->path);
    }
    return pb_fail_errno(err, PB_E_IO, e, "cannot write to %s", f->path);
}

int pb_csv_write(pb_csv_file *f, const pb_csv_row *row, pb_error *err)
{
    int rc = check_row(f, row, err);
    if (rc == 0)
        rc = pb_csv_flush(f, err);
    return rc ? rc : write_whole(f, row->buf, row->len, err);
}

int pb_csv_flush(pb_csv_file *f, pb_error *err)
{
    if (!f->pending_len)
        return 0;
    int rc = write_whole(f, f->pending, f->pending_len, err);
    f->pending_len = 0;   /* written, or cut back and reported: either way not written twice */
    return rc;
}

int pb_csv_append(pb_csv_file *f, const pb_csv_row *row, pb_error *err)
{
    int rc = check_row(f, row, err);
    if (rc)
        return rc;
    if (f->pending_len + row->len > f->pending_cap) {
        if ((rc = pb_csv_flush(f, err)) != 0)
            return rc;
        if (!f->pending) {
            f->pending_cap = (size_t)1 << 16;
            f->pending = malloc(f->pending_cap);
            if (!f->pending)
                return write_whole(f, row->buf, row->len, err);
        }
    }
    memcpy(f->pending + f->pending_len, row->buf, row->len);
    f->pending_len += row->len;
    return 0;
}

void pb_csv_close(pb_csv_file *f)
{
    if (f->fd >= 0) {
        pb_error ignored;
        pb_csv_flush(f, &ignored);
        close(f->fd);
    }
    f->fd = -1;
    free(f->pending);
    f->pending = NULL;
    f->pending_len = f->pending_cap = 0;
}
