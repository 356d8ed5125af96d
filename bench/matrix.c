/* matrix: every workload of the registry under every backend, with one
 * worker and with one per usable PU, through Google Benchmark. Each
 * iteration is one verified run, timed by its own wall clock (manual time:
 * the threads and processes doing the work are invisible to Google
 * Benchmark's CPU timer). Counters: speedup against serial, efficiency
 * against the ideal, busy cores, and the CPU seconds of every participant.
 * Workload parameters are the `quick` suite's, so that the matrix runs in
 * seconds; there is no second list of workloads here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parbench/machine.h"
#include "parbench/registry.h"
#include "parbench/runner.h"
#include "parbench/suite.h"
#include "shim/pb_gbench.h"

typedef struct cell {
    pb_workload_spec spec;
    const pb_backend *backend;
    unsigned workers;
    double serial_s;           /* median wall of the serial run of the same plan */
    char name[160];
} cell;

/* The quick suite's parameters for a workload, or its defaults. */
static void spec_for(const pb_workload *w, pb_workload_spec *out)
{
    pb_error err;
    const pb_suite *quick = pb_find_suite("quick");
    for (const pb_suite_entry *e = quick->entries; e->workload; e++)
        if (strncmp(e->workload, w->name, strlen(w->name)) == 0 &&
            (e->workload[strlen(w->name)] == ':' || e->workload[strlen(w->name)] == '\0') &&
            pb_workload_spec_parse(e->workload, out, &err) == 0)
            return;
    out->workload = w;
    pb_params_init(&out->params, w->params, w->name, &err);
}

/* One execute, verified; its stats in *st. 0, or the failure's code with
 * its sentence in why. */
static int one_run(pb_exec *ex, pb_plan *plan, pb_run_stats *st, char *why, size_t size)
{
    pb_error err = { 0 };
    char result[96];
    memset(st, 0, sizeof *st);
    pb_plan_reset(plan);
    if (ex->backend->execute(ex, plan, st, &err) != 0 || pb_plan_verify(plan, result, sizeof result, &err) != 0) {
        snprintf(why, size, "%s", err.msg);
        return err.code;
    }
    return 0;
}

static void bm_cell(pb_gb_state *gs, void *user)
{
    cell *c = user;
    pb_plan plan;
    pb_error err = { 0 };
    char why[600];
    if (pb_plan_create(&plan, c->spec.workload, &c->spec.params, &err) != 0) {
        pb_gb_skip_with_error(gs, err.msg);
        return;
    }
    pb_exec ex = { .backend = c->backend, .config = { .workers = c->workers } };
    if (c->backend->open(&ex, &plan, &err) != 0) {
        pb_gb_skip_with_error(gs, err.msg);
        pb_plan_destroy(&plan);
        return;
    }
    double wall = 0, ideal = 0, user_s = 0, sys_s = 0;
    unsigned pus = pb_allowed_pus();
    while (pb_gb_keep_running(gs)) {
        pb_run_stats st;
        if (one_run(&ex, &plan, &st, why, sizeof why) != 0) {
            pb_gb_skip_with_error(gs, why);
            break;
        }
        double w = (double)(st.t_end - st.t_start) / 1e9;
        pb_gb_set_iteration_time(gs, w);
        wall += w;
        ideal += pb_ideal_seconds(&plan, c->workers, pus);
        user_s += (double)st.usage.user_ns / 1e9;
        sys_s += (double)st.usage.sys_ns / 1e9;
    }
    if (!pb_gb_error_occurred(gs) && wall > 0) {
        double n = (double)pb_gb_iterations(gs);
        pb_gb_counter(gs, "speedup", c->serial_s / (wall / n), 0);
        pb_gb_counter(gs, "efficiency", ideal / wall, 0);
        pb_gb_counter(gs, "busy_cores", (user_s + sys_s) / wall, 0);
        pb_gb_counter(gs, "user_s", user_s, PB_GB_AVG_ITERATIONS);
        pb_gb_counter(gs, "sys_s", sys_s, PB_GB_AVG_ITERATIONS);
        pb_gb_counter(gs, "tasks", (double)plan.ntasks, 0);
    }
    c->backend->close(&ex);
    pb_plan_destroy(&plan);
}

/* Median wall of a few serial runs: the speedup's denominator. */
static double serial_seconds(const pb_workload_spec *spec)
{
    pb_plan plan;
    pb_error err;
    if (pb_plan_create(&plan, spec->workload, &spec->params, &err) != 0)
        return NAN;
    pb_exec ex = { .backend = &pb_backend_serial, .config = { .workers = 1 } };
    double v[5];
    char why[600];
    pb_backend_serial.open(&ex, &plan, &err);
    for (int i = 0; i < 5; i++) {
        pb_run_stats st;
        v[i] = one_run(&ex, &plan, &st, why, sizeof why) == 0 ? (double)(st.t_end - st.t_start) / 1e9 : NAN;
    }
    pb_backend_serial.close(&ex);
    pb_plan_destroy(&plan);
    for (int i = 1; i < 5; i++)   /* insertion sort, 5 values */
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[2];
}

int main(int argc, char **argv)
{
    static cell cells[256];
    unsigned n = 0, pus = pb_allowed_pus();
    for (size_t w = 0; pb_workloads[w]; w++) {
        pb_workload_spec spec;
        spec_for(pb_workloads[w], &spec);
        double serial = serial_seconds(&spec);
        char params[256];
        pb_params_format(&spec.params, params, sizeof params, false);
        for (size_t b = 0; pb_backends[b]; b++) {
            if (*pb_backend_unavailable(pb_backends[b]))   /* not in this build (parbench list says why) */
                continue;
            unsigned counts[2] = { 1, pus };
            for (unsigned k = 0; k < (pus > 1 ? 2u : 1u); k++) {
                if (pb_backends[b] == &pb_backend_serial && k > 0)
                    continue;
                cell *c = &cells[n++];
                c->spec = spec;
                c->backend = pb_backends[b];
                c->workers = counts[k];
                c->serial_s = serial;
                snprintf(c->name, sizeof c->name, "matrix/%s%s%s/%s/W:%u", pb_workloads[w]->name,
                         params[0] ? ":" : "", params, pb_backends[b]->name, counts[k]);
                pb_gb_register(&(pb_gb_def){ .name = c->name, .fn = bm_cell, .user = c, .manual_time = true,
                                             .unit = PB_GB_US });
            }
        }
    }
    return pb_gb_main(argc, argv, NULL);
}
