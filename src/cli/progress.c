/* One status line on stderr, redrawn in place, only when stderr is a
 * terminal (never in pipes, logs or CI). */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "parbench/clock.h"

void pb__progress_init(pb_progress *p, unsigned runs_total, bool quiet)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->runs_total = runs_total;
    p->runs_done = 0;
    p->t0_ns = pb_now_ns();
    p->line_shown = false;
}

static void format_duration(char *buf, size_t size, double s)
{
    if (s < 60)
        snprintf(buf, size, "%.0fs", s);
    else
        snprintf(buf, size, "%ldm%02lds", (long)s / 60, (long)s % 60);
}

void pb__progress_show(pb_progress *p, const pb_config *cfg, unsigned config_index,
                      unsigned config_total, unsigned rep_index, unsigned rep_total)
{
    if (!p->enabled)
        return;
    double elapsed = (double)(pb_now_ns() - p->t0_ns) / 1e9;
    char spent[32], left[40] = "";
    format_duration(spent, sizeof spent, elapsed);
    if (p->runs_done > 0) {
        double remaining = elapsed / p->runs_done * (p->runs_total - p->runs_done);
        char r[32];
        format_duration(r, sizeof r, remaining);
        snprintf(left, sizeof left, ", ~%s left", r);
    }
    char params[128];
    pb_params_format(&cfg->params, params, sizeof params, false);
    char rep[48];
    if (rep_index < cfg->warmup)
        snprintf(rep, sizeof rep, "warm-up %u/%u", rep_index + 1, cfg->warmup);
    else
        snprintf(rep, sizeof rep, "rep %u/%u", rep_index - cfg->warmup + 1, rep_total - cfg->warmup);
    fprintf(stderr, "\r\033[K[%u/%u] %s%s%s  %s W=%u  %s  (%s%s)",
            config_index + 1, config_total, cfg->workload->name, params[0] ? ":" : "", params,
            cfg->backend->name, cfg->workers, rep, spent, left);
    fflush(stderr);
    p->line_shown = true;
    p->runs_done++;
}

void pb__progress_clear(pb_progress *p)
{
    if (p->enabled && p->line_shown)
        fprintf(stderr, "\r\033[K");
    p->line_shown = false;
}
