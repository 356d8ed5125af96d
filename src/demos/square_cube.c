/* Demo square-cube (003): note 003's square/cube with sleeps (serial 1.6 s,
 * two threads or processes 0.8 s); then CPU-bound counting, taught only when
 * the CPUs it needs are free. */
#include <stdio.h>

#include "narrate.h"

static void demo_square_cube(pb_demo_ctx *c)
{
    int ms = c->quick ? 20 : 200;
    char spec[64];
    snprintf(spec, sizeof spec, "square-cube:sleep_ms=%d", ms);
    pb__say(c, _("Note 003: square [5, 10, 15, 20] in one task and cube them in another, sleeping before each element."));
    pb__show(c, _("  %d ms per element, eight sleeps in all.\n"), ms);
    pb__measured s = pb__run(c, spec, &pb_backend_serial, 1);
    pb__measured t = pb__run(c, spec, &pb_backend_pthread, 2);
    pb__measured p = pb__run(c, spec, &pb_backend_fork, 2);
    pb__show(c, _("  serial             %7.3f s\n  2 threads          %7.3f s\n  2 processes        %7.3f s\n"),
           s.wall_s, t.wall_s, p.wall_s);
    pb__say(c, _("Lesson: while a task sleeps (waits for I/O), another can run: threads and processes both halve the time."));
    double ideal = 8 * ms / 1000.0;
    pb__record_wall(c, "sleep serial/1", &s);
    pb__record_wall(c, "sleep pthread/2", &t);
    pb__record_wall(c, "sleep fork/2", &p);
    pb__record(c, "sleep", "sleeps_total_s", ideal, "s", NAN, 0);
    pb__fact(c, s.ok && t.ok && p.ok, _("a result did not verify"));
    pb__fact(c, s.wall_s >= ideal && t.work_s < 0.75 * s.work_s && p.work_s < 0.75 * s.work_s, _("the parallel runs were not clearly faster"));

    pb__say(c, _("\nThe same with CPU-bound work (counting), where the picture changes:"));
    const char *cspec = c->quick ? "counter:n=2e8,tasks=2" : "counter:n=6e8,tasks=2";
    /* A CPU-bound lesson competes with whatever else the machine runs: up to three tries, each after a
     * reading of the CPUs left free, and judged by what other processes took during its runs too; the last
     * one is shown.
     * Noise only ever lowers a gain, so a try that shows the gain is the machine's real capability. */
    double free = 0, t_gain = 0, p_gain = 0;
    int tries = 0;
    do {
        free = pb__free_cpus(200);
        pb__free_mark during = pb__free_start();
        s = pb__run(c, cspec, &pb_backend_serial, 1);
        t = pb__run(c, cspec, &pb_backend_pthread, 2);
        p = pb__run(c, cspec, &pb_backend_fork, 2);
        double free_during = pb__free_since(&during);   /* load that came and went during the runs */
        if (free_during < free)
            free = free_during;
        t_gain = t.work_s > 0 ? s.work_s / t.work_s : 0;
        p_gain = p.work_s > 0 ? s.work_s / p.work_s : 0;
    } while (++tries < 3 && (free < PB__FREE_FOR_TWO || t_gain < 1.5 || p_gain < 1.5));
    pb__show(c, _("  serial             %7.3f s\n  2 threads          %7.3f s  (%.2f cores busy)\n"
                   "  2 processes        %7.3f s  (%.2f cores busy)\n"),
           s.wall_s, t.wall_s, t.busy, p.wall_s, p.busy);
    pb__show(c, _("  against serial: 2 threads %.2fx, 2 processes %.2fx (%.1f CPUs were free)\n"), t_gain, p_gain, free);
    pb__record(c, "count", "tries", tries, "count", NAN, 0);
    pb__record_run(c, "count serial/1", &s);
    pb__record_run(c, "count pthread/2", &t);
    pb__record_run(c, "count fork/2", &p);
    pb__record(c, "machine", "free_cpus", free, "cores", NAN, 0);
    pb__fact(c, s.ok && t.ok && p.ok, _("a result did not verify"));
    if (free < PB__FREE_FOR_TWO) {
        pb__fact_skipped(c, _("fewer than 2 CPUs were free: two counting workers could not show what 2 cores give"));
        return;
    }
    /* 1.5: on 2 free CPUs two workers reach 1.9-2.0x here; below 1.5, something else held a CPU */
    bool scaled = t_gain >= 1.5 && p_gain >= 1.5;
    if (scaled)
        pb__say(c, _("Lesson: counting needs a CPU the whole time: two workers gain only as much as there are free "
                     "cores, and here two were free. In C threads scale like processes; in CPython the GIL would "
                     "keep threads at one core (parbench demo gil)."));
    pb__fact(c, scaled, _("on 2 free CPUs, two counting threads or processes gained less than 1.5x"));
}

const pb_demo pb_demo_square_cube = {
    .name = "square-cube",
    .notes = "003",
    .summary = N_("serial vs threads vs processes, with sleeps and then CPU-bound"),
    .run = demo_square_cube,
};
