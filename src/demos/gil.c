/* Demo gil (000/004): the GIL as parbench's --gil makes it in C: CPU-bound threads take
 * turns on one core, processes (a GIL each) and sleeping threads do not. */

#include <math.h>

#include "narrate.h"

/* Notes 000/004: why Python threads do not speed up CPU-bound code. */
static void demo_gil(pb_demo_ctx *c)
{
    const char *cpu = c->quick ? "counter:n=1.5e8,tasks=2" : "counter:n=8e8,tasks=2";
    const char *io = c->quick ? "sleep-square:tasks=8,min_ms=10,max_ms=20" : "sleep-square:tasks=8,min_ms=100,max_ms=200";
    pb__say(c, _("Notes 000/004: CPython lets one thread at a time run Python code (the GIL). parbench's --gil gives each "
           "process one such lock, handed over every 5 ms and while sleeping. Two threads count, then two processes:"));
    /* rounds of the four runs, each run's fastest kept, as square-cube does (at least 3, up to 10 until
     * what the lesson shows was shown): another program's burst slows one of the runs compared, and a
     * lone run of a tenth of a second moves by 10-90% on a shared VM. Threads taking turns under a GIL
     * never gain, in any number of rounds: more rounds only bring serial closer to its own best too. */
    enum { MIN_ROUNDS = 3, MAX_ROUNDS = 10 };
    const pb__variant variants[] = { { &pb_backend_serial, 1, false }, { &pb_backend_pthread, 2, false },
                                     { &pb_backend_pthread, 2, true }, { &pb_backend_fork, 2, true } };
    pb__measured m[4];
    double free = pb_allowed_pus(), thread_gain = 0, proc_gain = 0;
    int rounds = 0;
    do {
        free = fmin(free, pb__run_round(c, cpu, variants, m, 4, rounds++));
        /* gains over serial in the work phase (the spawn, slow under sanitizers, is not the lesson) */
        thread_gain = m[2].work_s > 0 ? m[0].work_s / m[2].work_s : 0;
        proc_gain = m[3].work_s > 0 ? m[0].work_s / m[3].work_s : 0;
    } while (rounds < MIN_ROUNDS || (rounds < MAX_ROUNDS && (thread_gain > 1.05 || proc_gain < 1.5)));
    pb__measured s = m[0], t_free = m[1], t_gil = m[2], p_gil = m[3];
    pb__show(c, _("  fastest of %d rounds each, one worker per CPU (--pin scatter):\n"), rounds);
    pb__show(c, _("  serial                      %7.3f s\n  2 threads, no GIL           %7.3f s  (%.2f cores busy)\n"
                   "  2 threads, GIL              %7.3f s  (%.2f cores busy)\n  2 processes, a GIL each     %7.3f s  (%.2f cores busy)\n"),
           s.wall_s, t_free.wall_s, t_free.busy, t_gil.wall_s, t_gil.busy, p_gil.wall_s, p_gil.busy);
    pb__measured io_s = pb__run(c, io, &pb_backend_serial, 1);
    pb__measured io_gil = pb__run_gil(c, io, &pb_backend_pthread, 8, true);
    pb__show(c, _("  8 sleeping tasks: serial %.3f s, 8 threads with the GIL %.3f s\n"), io_s.wall_s, io_gil.wall_s);
    pb__record_run(c, "count serial/1", &s);
    pb__record_run(c, "count pthread/2", &t_free);
    pb__record_run(c, "count pthread/2 gil", &t_gil);
    pb__record_run(c, "count fork/2 gil", &p_gil);
    pb__record_run(c, "sleep serial/1", &io_s);
    pb__record_run(c, "sleep pthread/8 gil", &io_gil);
    pb__show(c, _("  against serial: 2 threads with the GIL %.2fx, 2 processes %.2fx (%.1f CPUs free)\n"),
         thread_gain, proc_gain, free);
    pb__record(c, "count pthread/2 gil", "gain", thread_gain, "x", NAN, t_gil.run_id);
    pb__record(c, "count fork/2 gil", "gain", proc_gain, "x", NAN, p_gil.run_id);
    pb__record(c, "machine", "free_cpus", free, "cores", NAN, 0);
    pb__record(c, "count", "rounds", rounds, "count", NAN, 0);
    bool procs_shown = free >= PB__FREE_FOR_TWO && proc_gain >= 1.3;
    if (free >= PB__FREE_FOR_TWO)
        pb__say(c, _("Lesson: under a GIL, CPU-bound threads take turns on one core and gain nothing; threads that "
                     "sleep (wait for I/O) let go of it and still overlap."));
    else   /* gains measured on a busy machine say nothing (see the facts): only what the busy cores show */
        pb__say(c, _("Lesson, as far as this busy machine can show it: under a GIL, CPU-bound threads take turns: "
                     "together they never kept more than one core busy; threads that sleep (wait for I/O) let go of "
                     "it and still overlap."));
    if (procs_shown)
        pb__say(c, _("Processes each have their own GIL: here they ran side by side on two free CPUs."));
    pb__fact(c, s.ok && t_free.ok && t_gil.ok && p_gil.ok && io_s.ok && io_gil.ok, _("a result did not verify"));
    pb__fact(c, t_gil.busy <= 1.25, _("threads under the GIL kept more than one core busy"));
    if (free < PB__FREE_FOR_TWO) {
        /* serial and the threads ran at different moments of someone else's load: their ratio says
         * nothing about the GIL; 1.8 of 2 CPUs leaves room for the kernel's and the sampler's ticks */
        pb__fact_skipped(c, _("fewer than 2 CPUs were free, so the gains of threads and of processes could not be "
                        "measured against serial"));
    } else {
        /* 1.2: threads that take turns cannot beat serial by more than timing noise (the fastest of up
         * to 10 rounds measured 0.76-1.10x on this shared VM); a GIL that let both run would show
         * close to 2x */
        pb__fact(c, thread_gain <= 1.2, _("two counting threads under the GIL gained more than 1.2x"));
        /* the machine's two cores' worth is shown by threads without the GIL or the processes (two
         * vCPUs can share one physical core for a while, see square-cube); without it, not judged */
        double free_gain = t_free.work_s > 0 ? s.work_s / t_free.work_s : 0;
        if (PB__GAINS_DISTORTED)
            pb__fact_skipped(c, _(PB__GAINS_DISTORTED_WHY));
        else if (fmax(free_gain, proc_gain) < 1.3)
            pb__fact_skipped(c, _("neither two threads without the GIL nor two processes gained 1.3x: the machine "
                                  "gave less than two cores' worth, though no other process held them"));
        else
            pb__fact(c, proc_gain >= 1.3, _("two processes gained less than 1.3x on 2 free CPUs"));
    }
    pb__fact(c, io_gil.work_s < 0.75 * io_s.work_s, _("sleeping threads under the GIL did not overlap"));
}

const pb_demo pb_demo_gil = {
    .name = "gil",
    .notes = "000/004",
    .summary = N_("why CPU-bound threads stop scaling under a GIL while processes and sleepers do not"),
    .run = demo_gil,
};
