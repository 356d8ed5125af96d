/* The table printed at the end of `parbench run`: per configuration the
 * median wall time with min and max, speedup against serial on the same
 * workload and parameters, efficiency against the ideal, busy cores, and
 * how many repetitions passed their check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { COLS = 11, CELL = 96, NOISY_SPREAD_PCT = 10 };

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of n values (n >= 1); sorts a copy. */
static double median(const double *v, unsigned n)
{
    double *c = malloc(n * sizeof *c);
    if (!c)
        return NAN;
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return m;
}

/* 4 significant digits in a unit a person reads: 1.602 s, 812.3 ms, 431.0 us. */
static void format_time(char *buf, size_t size, double s)
{
    if (s >= 1)
        snprintf(buf, size, "%.4g s", s);
    else if (s >= 1e-3)
        snprintf(buf, size, "%.4g ms", s * 1e3);
    else
        snprintf(buf, size, "%.4g us", s * 1e6);
}

static void spec_text(const pb_config *cfg, char *buf, size_t size)
{
    char params[256];
    pb_params_format(&cfg->params, params, sizeof params, false);
    snprintf(buf, size, "%s%s%s", cfg->workload->name, params[0] ? ":" : "", params);
}

static bool same_plan(const pb_config *a, const pb_config *b)
{
    return a->workload == b->workload && a->params.count == b->params.count &&
           memcmp(a->params.value, b->params.value, sizeof a->params.value) == 0;
}

/* Median wall time of the serial configuration of the same plan, or NAN. */
static double serial_median(const pb_summary_row *rows, unsigned count, const pb_config *cfg)
{
    for (unsigned i = 0; i < count; i++)
        if (rows[i].runs && strcmp(rows[i].cfg->backend->name, "serial") == 0 && same_plan(rows[i].cfg, cfg))
            return median(rows[i].wall, rows[i].runs);
    return NAN;
}

void pb_summary_print(FILE *out, const pb_summary_row *rows, unsigned count)
{
    static const char *const head[COLS] = { "workload", "backend", "W", "tasks", "median", "min",
                                            "max", "speedup", "efficiency", "busy cores", "checks" };
    static const bool right[COLS] = { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    char (*cell)[COLS][CELL] = calloc(count + 1, sizeof *cell);
    if (!cell)
        return;
    size_t width[COLS] = { 0 };
    bool any_noisy = false;
    for (unsigned c = 0; c < COLS; c++)
        snprintf(cell[0][c], CELL, "%s", head[c]);
    for (unsigned r = 0; r < count; r++) {
        const pb_summary_row *row = &rows[r];
        char (*t)[CELL] = cell[r + 1];
        spec_text(row->cfg, t[0], CELL);
        snprintf(t[1], CELL, "%s%s", row->cfg->backend->name, row->cfg->ipc == PB_IPC_PIPE ? "/pipe" : "");
        snprintf(t[2], CELL, "%u", row->cfg->workers);
        snprintf(t[3], CELL, "%zu", row->ntasks);
        if (!row->runs) {
            for (unsigned c = 4; c < COLS - 1; c++)
                snprintf(t[c], CELL, "-");
            snprintf(t[COLS - 1], CELL, row->interrupted ? "interrupted" : "FAILED");
            continue;
        }
        double med = median(row->wall, row->runs), lo = row->wall[0], hi = row->wall[0];
        for (unsigned i = 1; i < row->runs; i++) {
            lo = fmin(lo, row->wall[i]);
            hi = fmax(hi, row->wall[i]);
        }
        bool noisy = row->runs > 1 && med > 0 && (hi - lo) / med * 100 > NOISY_SPREAD_PCT;
        any_noisy |= noisy;
        format_time(t[4], CELL, med);
        if (noisy)
            strcat(t[4], " ~");
        format_time(t[5], CELL, lo);
        format_time(t[6], CELL, hi);
        double base = serial_median(rows, count, row->cfg);
        if (isnan(base) || med <= 0)
            snprintf(t[7], CELL, "-");
        else
            snprintf(t[7], CELL, "%.2fx", base / med);
        snprintf(t[8], CELL, "%.0f%%", med > 0 ? median(row->ideal, row->runs) / med * 100 : 0);
        snprintf(t[9], CELL, "%.2f", median(row->busy, row->runs));
        snprintf(t[10], CELL, "%u/%u%s%s", row->ok_runs, row->runs, row->ok_runs == row->runs ? " ok" : " FAIL",
                 row->interrupted ? ", interrupted" : "");
    }
    for (unsigned r = 0; r <= count; r++)
        for (unsigned c = 0; c < COLS; c++)
            if (strlen(cell[r][c]) > width[c])
                width[c] = strlen(cell[r][c]);
    for (unsigned r = 0; r <= count; r++) {
        for (unsigned c = 0; c < COLS; c++)
            fprintf(out, "%s%*s", c ? "  " : "", right[c] ? (int)width[c] : -(int)width[c], cell[r][c]);
        fputc('\n', out);
        if (r == 0) {
            for (unsigned c = 0; c < COLS; c++)
                for (size_t k = 0; k < width[c] + (c ? 2 : 0); k++)
                    fputc('-', out);
            fputc('\n', out);
        }
    }
    fprintf(out, "\nspeedup: serial median / this median, same workload and parameters.\n"
                 "efficiency: ideal time / median, where the ideal is the makespan bound\n"
                 "  max(longest task, total task time / W, CPU time / min(W, PUs)).\n"
                 "busy cores: CPU seconds of every thread and process / wall seconds.\n");
    for (unsigned r = 0; r < count; r++)
        if (rows[r].cfg->pin && rows[r].cfg->pin->kind != PB_PIN_NONE) {
            char pin[128];
            pb_pin_format(rows[r].cfg->pin, pin, sizeof pin);
            fprintf(out, "workers were pinned with --pin %s (runs.csv: pus_used, bound, placement_held).\n", pin);
            break;
        }
    if (any_noisy)
        fprintf(out, "~ marks a noisy configuration: max - min is over %d%% of the median.\n", NOISY_SPREAD_PCT);
    for (unsigned r = 0; r < count; r++)
        if (rows[r].failure[0]) {
            char spec[CELL];
            spec_text(rows[r].cfg, spec, sizeof spec);
            fprintf(out, "FAILED %s %s W=%u: %s\n", spec, rows[r].cfg->backend->name, rows[r].cfg->workers,
                    rows[r].failure);
        }
    free(cell);
}
