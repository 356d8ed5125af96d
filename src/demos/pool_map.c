/* Demo pool-map (003): Pool.map over sleeping elements in both pools, with chunks. */
#include <stdio.h>

#include "narrate.h"

static void demo_pool_map(pb_demo_ctx *c)
{
    int ms = c->quick ? 20 : 200;
    char spec[64];
    snprintf(spec, sizeof spec, "map:len=10,sleep_ms=%d", ms);
    pb__say(c, _("Note 003: Pool.map applies a function to 10 elements, each taking a sleep first."));
    pb__measured s = pb__run(c, spec, &pb_backend_serial, 1);
    pb__measured t = pb__run(c, spec, &pb_backend_thread_pool, 10);
    pb__measured p = pb__run(c, spec, &pb_backend_process_pool, 10);
    pb__measured p2 = pb__run(c, spec, &pb_backend_process_pool, 2);
    pb__show(c, _("  serial                    %7.3f s\n  thread pool (10)          %7.3f s\n"
                   "  process pool (10)         %7.3f s\n  process pool (2, chunk 2) %7.3f s\n"),
           s.wall_s, t.wall_s, p.wall_s, p2.wall_s);
    pb__say(c, _("Lesson: with one worker per element the sleeps overlap (10x); with 2 workers and chunks of 2, "
           "five chunks are shared by two workers: 3 chunks x 2 elements for the busier one."));
    pb__record_wall(c, "serial/1", &s);
    pb__record_wall(c, "thread-pool/10", &t);
    pb__record_wall(c, "process-pool/10", &p);
    pb__record_wall(c, "process-pool/2 chunk 2", &p2);
    pb__fact(c, s.ok && t.ok && p.ok && p2.ok, _("a result did not verify"));
    pb__fact(c, t.work_s < s.work_s / 4 && p.work_s < s.work_s / 4, _("the pools did not overlap the sleeps"));
}

const pb_demo pb_demo_pool_map = {
    .name = "pool-map",
    .notes = "003",
    .summary = N_("Pool.map over 10 sleeping elements under both pools, with chunks"),
    .run = demo_pool_map,
};
