/* Demo basics (000/004): The notes' table of threads vs processes, measured: the time to create each, the page faults each and the memory. */
#include <stdio.h>

#include "narrate.h"

/* The notes' comparison table, pb__measured: what creating a thread or a process costs. */
static void demo_basics(pb_demo_ctx *c)
{
    unsigned w = c->quick ? 16 : 64;
    char spec[64];
    snprintf(spec, sizeof spec, "counter:n=1,tasks=%u", w);
    pb__show(c, _("The notes' table of threads vs processes, measured: %u empty workers created and lined up at the start gate.\n"),
           w);
    pb__measured t = pb__run(c, spec, &pb_backend_pthread, w);
    pb__measured p = pb__run(c, spec, &pb_backend_fork, w);
    pb__show(c, _("  threads    %7.1f us to create each, %6.1f page faults each, largest resident set %6ld KiB (the whole process)\n"
                   "  processes  %7.1f us to create each, %6.1f page faults each, largest resident set %6ld KiB (one child)\n"),
           t.spawn_s * 1e6 / w, (double)t.minflt / w, t.maxrss_kb, p.spawn_s * 1e6 / w, (double)p.minflt / w, p.maxrss_kb);
    for (int k = 0; k < 2; k++) {
        const pb__measured *m = k ? &p : &t;
        const char *what = k ? "processes" : "threads";
        pb__record(c, what, "create_us_each", m->spawn_s * 1e6 / w, "us", NAN, m->run_id);
        pb__record(c, what, "page_faults_each", (double)m->minflt / w, "count", NAN, m->run_id);
        pb__record(c, what, "max_resident_kib", (double)m->maxrss_kb, "KiB", NAN, m->run_id);
    }
    pb__say(c, _("Lesson: a thread shares its process's memory, so it is cheap to make and its pages are not copied; a "
           "process gets its own address space: its page tables are copied and every page it writes faults once "
           "(copy-on-write). That is the 'heavier' in the notes' table, in numbers."));
    pb__fact(c, t.ok && p.ok, _("a result did not verify"));
    /* the costs are reported, not asserted: they depend on the machine (and on sanitizers) */
}

const pb_demo pb_demo_basics = {
    .name = "basics",
    .notes = "000/004",
    .summary = N_("what creating a thread or a process costs in time and memory"),
    .run = demo_basics,
};
