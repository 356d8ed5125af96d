/* RFC 4180 quoting, whole-row writes, and a full disk that leaves only whole rows. */
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "parbench/csv.h"

static void field(const char *in, const char *want)
{
    pb_csv_row row;
    pb_csv_begin(&row);
    pb_csv_str(&row, in);
    CHECK_MSG(strcmp(row.buf, want) == 0, "field [%s] became [%s], expected [%s]", in, row.buf, want);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    static char buf[1 << 16];
    *len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[*len] = '\0';
    if (f)
        fclose(f);
    return buf;
}

int main(void)
{
    field("plain", "plain");
    field("", "");
    field("a,b", "\"a,b\"");
    field("say \"hi\"", "\"say \"\"hi\"\"\"");
    field("\"", "\"\"\"\"");
    field("two\nlines", "\"two\nlines\"");
    field("cr\rhere", "\"cr\rhere\"");
    field(" lead", "\" lead\"");
    field("trail ", "\"trail \"");
    field("mid space", "mid space");
    field("n=1,tasks=2", "\"n=1,tasks=2\"");

    pb_csv_row row;
    pb_csv_begin(&row);
    pb_csv_u64(&row, 18446744073709551615ull);
    pb_csv_i64(&row, -5);
    pb_csv_f64(&row, 0.5, 3);
    pb_csv_f64(&row, 1.0 / 0.0, 3);
    pb_csv_end(&row);
    CHECK_STR(row.buf, "18446744073709551615,-5,0.500,\r\n");
    CHECK(row.fields == 4);

    /* a field too long for a row refuses the row rather than cutting it */
    static char big[9000];
    memset(big, 'x', sizeof big - 1);
    pb_csv_begin(&row);
    pb_csv_str(&row, big);
    pb_csv_end(&row);
    CHECK(row.overflow);

    char dir[] = "/tmp/pb_csv_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    static const char *const header[] = { "a", "b,c" };
    pb_csv_file f;
    pb_error err;
    CHECK(pb_csv_open(&f, path, header, 2, &err) == 0);
    CHECK(pb_csv_write(&f, &row, &err) == PB_E_IO);   /* the overflowing row */
    pb_csv_begin(&row);
    pb_csv_str(&row, "1");
    pb_csv_end(&row);
    CHECK(pb_csv_write(&f, &row, &err) == PB_E_IO);   /* one field, header has two */
    CHECK(strstr(err.msg, "1 fields, the header 2"));
    pb_csv_begin(&row);
    pb_csv_str(&row, "x\"y");
    pb_csv_str(&row, "");
    pb_csv_end(&row);
    CHECK(pb_csv_write(&f, &row, &err) == 0);
    pb_csv_close(&f);
    size_t len;
    CHECK_STR(slurp(path, &len), "a,\"b,c\"\r\n\"x\"\"y\",\r\n");
    CHECK(pb_csv_open(&f, path, header, 2, &err) == PB_E_IO);   /* never overwrites */

    /* a full disk (RLIMIT_FSIZE): the file keeps whole rows only */
    snprintf(path, sizeof path, "%s/full.csv", dir);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim = { .rlim_cur = 1000, .rlim_max = RLIM_INFINITY };
    getrlimit(RLIMIT_FSIZE, &old);
    lim.rlim_max = old.rlim_max;
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    CHECK(pb_csv_open(&f, path, header, 2, &err) == 0);
    int rc = 0, written = 0;
    size_t row_len = 0;
    while (rc == 0 && written < 1000) {
        pb_csv_begin(&row);
        pb_csv_str(&row, "0123456789012345678901234567890123456789");
        pb_csv_u64(&row, 1);
        pb_csv_end(&row);
        row_len = row.len;   /* 44 bytes: 1000 - 9 is no multiple of it */
        rc = pb_csv_write(&f, &row, &err);
        written += rc == 0;
    }
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(rc == PB_E_IO);
    CHECK(strstr(err.msg, "cannot write"));
    pb_csv_close(&f);
    struct stat st;
    CHECK(stat(path, &st) == 0);
    CHECK(row_len == 44);
    CHECK_MSG(st.st_size == (off_t)(9 + written * row_len), "size %lld after %d rows", (long long)st.st_size, written);

    unlink(path);
    snprintf(path, sizeof path, "%s/t.csv", dir);
    unlink(path);
    rmdir(dir);
    return check_report("csv");
}
