/* Demo square-cube (003): Note 003's square/cube with sleeps: serial 1.6 s, two threads or processes 0.8 s; then CPU-bound counting. */
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
    const char *cspec = c->quick ? "counter:n=2e7,tasks=2" : "counter:n=2e8,tasks=2";
    s = pb__run(c, cspec, &pb_backend_serial, 1);
    t = pb__run(c, cspec, &pb_backend_pthread, 2);
    p = pb__run(c, cspec, &pb_backend_fork, 2);
    pb__show(c, _("  serial             %7.3f s\n  2 threads          %7.3f s  (%.2f cores busy)\n"
                   "  2 processes        %7.3f s  (%.2f cores busy)\n"),
           s.wall_s, t.wall_s, t.busy, p.wall_s, p.busy);
    pb__say(c, _("Lesson: counting needs a CPU the whole time: two workers gain only as much as there are free cores. "
           "In C threads scale like processes; in CPython the GIL would keep threads at one core."));
    pb__record_run(c, "count serial/1", &s);
    pb__record_run(c, "count pthread/2", &t);
    pb__record_run(c, "count fork/2", &p);
    pb__fact(c, s.ok && t.ok && p.ok, _("a result did not verify"));
}

const pb_demo pb_demo_square_cube = {
    .name = "square-cube",
    .notes = "003",
    .summary = N_("serial vs threads vs processes, with sleeps and then CPU-bound"),
    .run = demo_square_cube,
};
