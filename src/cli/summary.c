/* The table printed at the end of `parbench run`: per configuration the
 * median wall time with its 95% confidence interval and spread, speedup
 * against serial on the same workload and parameters, efficiency against
 * the ideal, busy cores, and how many repetitions passed their check; then
 * hyperfine's warnings (outliers, a slow first repetition). The statistics
 * are parbench/stats.h's. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "parbench/machine.h"
#include "parbench/stats.h"

enum { COLS = 11, CELL = 96, NOISY_SPREAD_PCT = 10 };

/* The unit a person reads s in (4 significant digits): 1.602 s, 812.3 ms, 431 us. */
static double time_unit(double s, const char **name)
{
    if (s >= 1) {
        *name = "s";
        return 1;
    }
    if (s >= 1e-3) {
        *name = "ms";
        return 1e3;
    }
    *name = "us";
    return 1e6;
}

static void format_time(char *buf, size_t size, double s)
{
    const char *unit;
    double scale = time_unit(s, &unit);
    snprintf(buf, size, "%.4g %s", s * scale, unit);
}

/* "[lo, hi]" in the unit of the median beside it, or "n too small". */
static void format_interval(char *buf, size_t size, const double *wall, unsigned n, double median)
{
    double lo, hi;
    if (pb_median_ci(wall, n, &lo, &hi) != 0) {
        snprintf(buf, size, n < PB_CI_MIN_N ? "n too small" : "-");
        return;
    }
    const char *unit;
    double scale = time_unit(median, &unit);
    snprintf(buf, size, "[%.4g, %.4g]", lo * scale, hi * scale);
}

/* Large round numbers as typed: n=100000000 -> n=1e8, 250000000 -> 2.5e8
 * (at least 6 digits, at most 3 before the zeros); others as they are. */
static void compact_numbers(const char *in, char *out, size_t size)
{
    size_t o = 0;
    while (*in && o + 1 < size) {
        size_t digits = 0;
        while (isdigit((unsigned char)in[digits]))
            digits++;
        bool whole = digits && (o == 0 || !isalnum((unsigned char)out[o - 1])) && !isalnum((unsigned char)in[digits]);
        size_t zeros = 0;
        while (zeros < digits && in[digits - 1 - zeros] == '0')
            zeros++;
        size_t mant = digits - zeros;
        if (whole && digits >= 6 && mant >= 1 && mant <= 3) {
            int n = mant == 1 ? snprintf(out + o, size - o, "%ce%zu", in[0], zeros)
                              : snprintf(out + o, size - o, "%c.%.*se%zu", in[0], (int)(mant - 1), in + 1, digits - 1);
            o += n > 0 ? (size_t)n : 0;
            in += digits;
        } else if (digits) {
            size_t take = digits < size - 1 - o ? digits : size - 1 - o;
            memcpy(out + o, in, take);
            o += take;
            in += digits;
        } else {
            out[o++] = *in++;
        }
    }
    out[o < size ? o : size - 1] = '\0';
}

static void spec_text(const pb_config *cfg, char *buf, size_t size)
{
    char params[256], compact[256];
    pb_params_format(&cfg->params, params, sizeof params, false);
    compact_numbers(params, compact, sizeof compact);
    snprintf(buf, size, "%s%s%s", cfg->workload->name, compact[0] ? ":" : "", compact);
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
            return pb_median(rows[i].wall, rows[i].runs);
    return NAN;
}

/* hyperfine's warnings, adapted: at most one per configuration, a first
 * repetition much slower than the rest before outliers anywhere. */
static void print_warnings(FILE *out, const pb_summary_row *rows, unsigned count)
{
    for (unsigned r = 0; r < count; r++) {
        const pb_summary_row *row = &rows[r];
        if (row->runs < 2)
            continue;
        char spec[CELL], first[32], med[32];
        spec_text(row->cfg, spec, sizeof spec);
        if (pb_first_much_slower(row->wall, row->runs)) {
            format_time(first, sizeof first, row->wall[0]);
            format_time(med, sizeof med, pb_median(row->wall, row->runs));
            fprintf(out, "warning: %s %s W=%u: the first repetition was significantly slower than the rest\n"
                         "  (%s, median %s): caches, page tables or an idle CPU were not warm yet.\n",
                    spec, row->cfg->backend->name, row->cfg->workers, first, med);
            if (row->cfg->warmup)
                fprintf(out, "  --warmup %u was in use: consider more, or re-run on a quiet machine in case\n"
                             "  it was a random outlier.\n", row->cfg->warmup);
            else
                fprintf(out, "  Consider --warmup 1 or more, which runs unrecorded repetitions first.\n");
            continue;
        }
        bool *flag = calloc(row->runs, sizeof *flag);
        size_t n = flag ? pb_outliers(row->wall, row->runs, flag) : 0;
        if (n && n != (size_t)-1) {
            char reps[256] = "";
            size_t len = 0;
            for (unsigned i = 0; i < row->runs && len < sizeof reps; i++)
                if (flag[i])
                    len += (size_t)snprintf(reps + len, sizeof reps - len, "%s%u", len ? ", " : "", i + 1);
            fprintf(out, "warning: %s %s W=%u: statistical outliers were detected (repetition%s %s of %u).\n"
                         "  Consider re-running on a quiet machine without interference from other programs.\n",
                    spec, row->cfg->backend->name, row->cfg->workers, n > 1 ? "s" : "", reps, row->runs);
        }
        free(flag);
    }
}

/* What the notes under the table must explain. */
typedef struct table_marks {
    bool any_noisy, any_over, no_serial;
} table_marks;

/* Row r's cells (t: COLS of them): its configuration, median, interval,
 * spread, speedup against serial, efficiency, busy cores and checks. */
static void fill_row(char (*t)[CELL], const pb_summary_row *rows, unsigned count, unsigned r, table_marks *marks)
{
    const pb_summary_row *row = &rows[r];
    spec_text(row->cfg, t[0], CELL);
    pb__cli_backend_label(row->cfg, t[1], CELL);
    bool over = row->cfg->workers > pb_allowed_pus();
    marks->any_over |= over;
    snprintf(t[2], CELL, "%u%s", row->cfg->workers, over ? "*" : "");
    snprintf(t[3], CELL, "%zu", row->ntasks);
    if (!row->runs) {
        for (unsigned c = 4; c < COLS - 1; c++)
            snprintf(t[c], CELL, "-");
        snprintf(t[COLS - 1], CELL, row->interrupted ? "interrupted" : "FAILED");
        return;
    }
    double med = pb_median(row->wall, row->runs), lo = row->wall[0], hi = row->wall[0];
    for (unsigned i = 1; i < row->runs; i++) {
        lo = fmin(lo, row->wall[i]);
        hi = fmax(hi, row->wall[i]);
    }
    bool noisy = row->runs > 1 && med > 0 && (hi - lo) / med * 100 > NOISY_SPREAD_PCT;
    marks->any_noisy |= noisy;
    format_time(t[4], CELL, med);
    if (noisy)
        strcat(t[4], " ~");
    format_interval(t[5], CELL, row->wall, row->runs, med);
    if (row->runs > 1 && med > 0)
        snprintf(t[6], CELL, "%.1f%%", (hi - lo) / med * 100);
    else
        snprintf(t[6], CELL, "-");
    double base = serial_median(rows, count, row->cfg);
    if (isnan(base) || med <= 0) {
        snprintf(t[7], CELL, "-");
        marks->no_serial |= isnan(base);
    }
    else
        snprintf(t[7], CELL, "%.2fx", base / med);
    snprintf(t[8], CELL, "%.0f%%", med > 0 ? pb_median(row->ideal, row->runs) / med * 100 : 0);
    snprintf(t[9], CELL, "%.2f", pb_median(row->busy, row->runs));
    snprintf(t[10], CELL, "%u/%u%s%s", row->ok_runs, row->runs, row->ok_runs == row->runs ? " ok" : " FAIL",
             row->interrupted ? ", interrupted" : "");
}

/* The notes under the table: what its columns mean, and its marks. */
static void print_notes(FILE *out, const pb_summary_row *rows, unsigned count, const table_marks *marks)
{
    fprintf(out, "\n95%% CI: a 95%% confidence interval for the median, in its unit, that assumes nothing about\n"
                 "  the distribution: [x_(k), x_(n+1-k)] of the sorted repetitions, k from Bin(n, 1/2);\n"
                 "  n too small: fewer than %d repetitions. spread: (max - min) / median.\n"
                 "speedup: serial median / this median, same workload and parameters.\n"
                 "efficiency: ideal time / median, where the ideal is the makespan bound\n"
                 "  max(longest task, total task time / W, CPU time / min(W, PUs)).\n"
                 "busy: cores kept busy, CPU seconds of every thread and process / the seconds they were read\n"
                 "  over (the wall time, or a few us more where workers' clocks are read: cpu_window_s).\n",
            PB_CI_MIN_N);
    for (unsigned r = 0; r < count; r++)
        if (rows[r].cfg->pin && rows[r].cfg->pin->kind != PB_PIN_NONE) {
            char pin[PB_PIN_TEXT_MAX];
            pb_pin_format(rows[r].cfg->pin, pin, sizeof pin);
            fprintf(out, "workers were pinned with --pin %s (runs.csv: pus_used, bound, placement_held).\n", pin);
            break;
        }
    if (marks->any_noisy)
        fprintf(out, "~ marks a noisy configuration: max - min is over %d%% of the median.\n", NOISY_SPREAD_PCT);
    if (marks->any_over)
        fprintf(out, "* more workers than the %u PUs this process may use (oversubscribed): they take turns.\n",
                pb_allowed_pus());
    if (marks->no_serial)
        fprintf(out, "speedup -: no serial run of the same workload and parameters to compare with\n"
                     "  (add -b serial).\n");
}

void pb__summary_print(FILE *out, const pb_summary_row *rows, unsigned count)
{
    static const char *const head[COLS] = { "workload", "backend", "W", "tasks", "median", "95% CI",
                                            "spread", "speedup", "efficiency", "busy", "checks" };
    static const bool right[COLS] = { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    char (*cell)[COLS][CELL] = calloc(count + 1, sizeof *cell);
    if (!cell)
        return;
    size_t width[COLS] = { 0 };
    table_marks marks = { false, false, false };
    for (unsigned c = 0; c < COLS; c++)
        snprintf(cell[0][c], CELL, "%s", head[c]);
    for (unsigned r = 0; r < count; r++)
        fill_row(cell[r + 1], rows, count, r, &marks);
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
    print_notes(out, rows, count, &marks);
    print_warnings(out, rows, count);
    for (unsigned r = 0; r < count; r++)
        if (rows[r].failure[0]) {
            char spec[CELL];
            spec_text(rows[r].cfg, spec, sizeof spec);
            fprintf(out, "FAILED %s %s W=%u: %s\n", spec, rows[r].cfg->backend->name, rows[r].cfg->workers,
                    rows[r].failure);
        }
    free(cell);
}
