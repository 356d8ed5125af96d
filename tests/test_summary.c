/* The summary table of `parbench run` on made-up repetitions: each median's
 * 95% interval (the ranks of Campbell & Gardner's table: n = 9 -> x_(2),
 * x_(8)), "n too small" below 6, the spread, hyperfine's warnings (a slow
 * first repetition; outliers, with their repetition numbers), large round
 * parameters as typed, and lines that fit 120 columns. */
#include <stdlib.h>

#include "check.h"
#include "cli/cli.h"
#include "parbench/registry.h"

enum { N = 9 };

static double wall_ms[4][N] = {
    { 10.5, 10.1, 10.9, 10.3, 10.7, 10.2, 10.8, 10.4, 10.6 },   /* sorted: 10.1 .. 10.9 */
    { 25.0, 10.1, 10.9, 10.3, 10.7, 10.2, 10.8, 10.4, 10.6 },   /* first much slower */
    { 10.5, 10.1, 10.9, 30.0, 10.7, 10.2, 10.8, 10.4, 10.6 },   /* an outlier at repetition 4 */
    { 5.0, 5.1, 5.2, 5.3, 5.4 },                                /* 5 repetitions */
};
static const char *const backend[4] = { "serial", "pthread", "fork", "thread-pool" };
static const unsigned runs[4] = { N, N, N, 5 };

/* The table row of a backend: the line after the rule that names it. */
static const char *row_of(const char *text, const char *name)
{
    static char line[512];
    for (const char *p = text; (p = strstr(p, "\ncounter:")); p++) {
        const char *end = strchr(p + 1, '\n');
        size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);
        snprintf(line, sizeof line, "%.*s", (int)len, p + 1);
        char word[64];
        if (sscanf(line, "%*s %63s", word) == 1 && strcmp(word, name) == 0)
            return line;
    }
    return "";
}

int main(void)
{
    pb_error err;
    pb_workload_spec ws;
    CHECK(pb__cli_parse_workload("counter:n=1e8,tasks=2", &ws, &err) == 0);
    pb_config cfg[4];
    pb_summary_row rows[4];
    double ones[N] = { 0 };
    memset(rows, 0, sizeof rows);
    for (int i = 0; i < 4; i++) {
        cfg[i] = (pb_config){ .workload = ws.workload, .params = ws.params, .backend = pb_find_backend(backend[i]),
                              .workers = i ? 2 : 1, .reps = runs[i], .warmup = i == 2 ? 2 : 0 };
        CHECK(cfg[i].backend != NULL);
        for (unsigned k = 0; k < runs[i]; k++)
            wall_ms[i][k] /= 1e3;
        rows[i] = (pb_summary_row){ .cfg = &cfg[i], .ntasks = 2, .runs = runs[i], .ok_runs = runs[i],
                                    .wall = wall_ms[i], .ideal = wall_ms[i], .busy = ones };
    }
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    CHECK(out != NULL);
    if (!out)
        return check_report("summary");
    pb__summary_print(out, rows, 4);
    fclose(out);
    printf("%s", text);

    CHECK(strstr(text, "95% CI") && strstr(text, "spread"));
    const char *serial = row_of(text, "serial");
    CHECK_MSG(strstr(serial, "counter:n=1e8,tasks=2 "), "parameters as typed: %s", serial);
    CHECK_MSG(strstr(serial, " 10.5 ms ") && strstr(serial, "[10.2, 10.8]"), "median and interval: %s", serial);
    CHECK_MSG(strstr(serial, " 7.6%"), "spread (10.9 - 10.1) / 10.5: %s", serial);
    CHECK_MSG(strstr(row_of(text, "fork"), "[10.2, 10.9]"), "interval ignores the outlier: %s", row_of(text, "fork"));
    CHECK_MSG(strstr(row_of(text, "thread-pool"), "n too small"), "5 repetitions: %s", row_of(text, "thread-pool"));
    CHECK(strstr(text, "warning: counter:n=1e8,tasks=2 pthread W=2: the first repetition was significantly slower"));
    CHECK(strstr(text, "(25 ms, median 10.6 ms)") && strstr(text, "Consider --warmup 1"));
    CHECK(strstr(text, "warning: counter:n=1e8,tasks=2 fork W=2: statistical outliers were detected "
                       "(repetition 4 of 9)"));
    CHECK(!strstr(text, "serial W=1: statistical") && !strstr(text, "thread-pool W=2: statistical"));
    /* the pthread row's only outlier is its first repetition: one warning, not two */
    CHECK(!strstr(text, "pthread W=2: statistical"));
    size_t longest = 0;
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        longest = len > longest ? len : longest;
        p += len + (end != NULL);
    }
    CHECK_MSG(longest <= 120, "a line of %zu columns", longest);
    free(text);
    return check_report("summary");
}
