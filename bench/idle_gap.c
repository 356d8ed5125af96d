/* idle_gap: why one harness's run of a few microseconds is not another's.
 *
 * bench/overhead runs a backend's one-task runs back to back; `parbench
 * run` writes rows, verifies and samples between its repetitions (the
 * idle_before_s column), and its CPU sampler wakes up beside every run.
 * On a VM an idle vCPU halts, and waking it (or a thread on it) costs more
 * than waking a vCPU that was busy a moment ago. This program runs the
 * same one-task configuration through the runner in each of these ways, in
 * alternating blocks (so all see the same machine), and prints each way's
 * median wall time against back to back:
 *
 *   back to back          the next run starts as soon as the last ended
 *   sleep gap G           the parent sleeps G (20 us .. 1 ms) between runs
 *   busy gap 100 us       the parent spins 100 us between runs (no CPU idles)
 *   sampler               parbench's CPU sampler at 20 Hz around every run
 *   parbench run's way    the sampler and the row writing of a real result set
 *
 * Usage: idle_gap [--quick] [BACKEND]  (default pthread; --quick: a few
 * runs, for the test suite; its figures are not meant to be read). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parbench/clock.h"
#include "parbench/registry.h"
#include "parbench/resultset.h"
#include "parbench/runner.h"
#include "parbench/sampler.h"

enum { WAYS = 8, MAX_RUNS = 20000 };

typedef struct way {
    const char *name;
    int64_t gap_ns;            /* between runs */
    bool spin;                 /* spin through the gap instead of sleeping */
    bool sampler;
    bool resultset;            /* write every run as parbench run does */
} way;

static const way ways[WAYS] = {
    { "back to back", 0, false, false, false },
    { "sleep gap 20 us", 20000, false, false, false },
    { "sleep gap 100 us", 100000, false, false, false },
    { "sleep gap 300 us", 300000, false, false, false },
    { "sleep gap 1 ms", 1000000, false, false, false },
    { "busy gap 100 us", 100000, true, false, false },
    { "sampler (20 Hz)", 0, false, true, false },
    { "parbench run's way", 0, false, true, true },
};

typedef struct state {
    const way *w;
    double wall[WAYS][MAX_RUNS];
    double idle[WAYS][MAX_RUNS];
    unsigned n[WAYS];
    unsigned cur;
    pb_resultset *rs;
    pb_sampler *sampler;
    int failed;
} state;

static void gap(const way *w)
{
    if (!w->gap_ns)
        return;
    if (w->spin) {
        int64_t until = pb_now_ns() + w->gap_ns;
        while (pb_now_ns() < until)
            ;
    } else {
        nanosleep(&(struct timespec){ 0, w->gap_ns }, NULL);
    }
}

static int on_done(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec, pb_error *err)
{
    state *s = user;
    if (!rec->ok) {
        fprintf(stderr, "idle_gap: a run failed: %s\n", rec->note);
        s->failed = 1;
    }
    if (!rec->warmup && s->n[s->cur] < MAX_RUNS) {
        s->wall[s->cur][s->n[s->cur]] = rec->wall_s;
        s->idle[s->cur][s->n[s->cur]++] = rec->idle_before_s;
    }
    if (s->w->resultset && pb_resultset_add_run(s->rs, 1, cfg, plan, rec, s->sampler, err) != 0)
        return err->code;
    gap(s->w);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    bool quick = false;
    const char *backend = "pthread";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: idle_gap [--quick] [BACKEND]\n"
                   "  BACKEND  the backend whose idle gaps are measured (default pthread)\n"
                   "  --quick  fewer runs, for the test suite\n");
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "idle_gap: unknown option '%s' (usage: idle_gap [--quick] [BACKEND])\n", argv[i]);
            return 2;
        } else
            backend = argv[i];
    }
    const pb_backend *b = pb_find_backend(backend);
    pb_workload_spec spec;
    pb_error err = { 0 };
    if (!b || pb_workload_spec_parse("counter:n=1,tasks=1", &spec, &err) != 0) {
        fprintf(stderr, "idle_gap: unknown backend '%s'\n", backend);
        return 2;
    }
    static state s;
    char dir[] = "/tmp/pb-idle-gap-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("idle_gap: mkdtemp");
        return 1;
    }
    char set[sizeof dir + 8];
    snprintf(set, sizeof set, "%s/set", dir);
    pb_resultset rs;
    if (pb_resultset_create(&rs, set, NULL, "idle_gap", NULL, &err) != 0 ||
        pb_sampler_create(&s.sampler, 20, NULL, 0, &err) != 0) {
        fprintf(stderr, "idle_gap: %s\n", err.msg);
        return 1;
    }
    s.rs = &rs;
    unsigned blocks = quick ? 2 : 30, per_block = quick ? 3 : 20;
    for (unsigned k = 0; k < blocks; k++) {
        for (unsigned w = 0; w < WAYS; w++) {
            s.cur = w;
            s.w = &ways[w];
            pb_config cfg = { .workload = spec.workload, .params = spec.params, .backend = b, .workers = 1,
                              .reps = per_block, .warmup = 2 };
            pb_run_observer obs = { .run_done = on_done, .user = &s, .sampler = ways[w].sampler ? s.sampler : NULL };
            if (pb_run_config(&cfg, &obs, &err) != 0) {
                fprintf(stderr, "idle_gap: %s\n", err.msg);
                return 1;
            }
        }
    }
    pb_resultset_close(&rs);
    pb_sampler_destroy(s.sampler);
    double base = median(s.wall[0], s.n[0]);
    printf("one-task %s runs (counter:n=1,tasks=1), %u blocks of %u runs per way, blocks alternating:\n", backend,
           blocks, per_block);
    printf("%-22s %12s %12s %10s\n", "way", "median wall", "idle before", "vs back to back");
    for (unsigned w = 0; w < WAYS; w++) {
        double m = median(s.wall[w], s.n[w]), idle = median(s.idle[w], s.n[w]);
        printf("%-22s %9.1f us %9.1f us %9.2fx\n", ways[w].name, m * 1e6, idle * 1e6, base > 0 ? m / base : 0);
    }
    if (quick)
        printf("(--quick: a few runs; the figures test the program, they are not meant to be read)\n");
    char cmd[sizeof dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "idle_gap: could not remove %s\n", dir);
    return s.failed;
}
