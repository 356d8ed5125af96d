/* Demo life-cycle (000/002/004): a process's life cycle, started, alive,
 * terminated, a zombie in /proc until joined, then gone (daemons: the
 * daemon demo). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/worker/usage.h"
#include "narrate.h"

/* Notes 000/002/004: start, is_alive, terminate, join; a zombie. */
static void demo_life_cycle(pb_demo_ctx *c)
{
    pb__say(c, _("Notes 000/002/004: a process's life: started, alive, terminated, a zombie until joined, then gone."));
    fflush(stdout);
    pid_t pid = pb__demo_fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    char alive = pb__proc_state(pid);
    pb__show(c, _("  just started         state %c  (is_alive: %s)\n"),
           alive, alive != '?' && alive != 'Z' ? "True" : "False");
    kill(pid, SIGTERM);   /* terminate() */
    char zombie = '?';
    for (int i = 0; i < 200 && (zombie = pb__proc_state(pid)) != 'Z'; i++)
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    pb__show(c, _("  after terminate()    state %c  (a zombie: ended, not yet joined)\n"), zombie);
    int status = 0;
    pb__reap(pid, &status);   /* join() */
    char gone = pb__proc_state(pid);
    pb__show(c, _("  after join()         %s  (ended by signal %d)\n"),
           gone == '?' ? _("gone from /proc") : _("still in /proc"),
           WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    pb__record(c, "child", "alive_after_start", alive != '?' && alive != 'Z', "flag", 1, 0);
    pb__record(c, "child", "zombie_after_terminate", zombie == 'Z', "flag", 1, 0);
    pb__record(c, "child", "gone_after_join", gone == '?', "flag", 1, 0);
    pb__say(c, _("Lesson: until a parent joins (waits for) a child, the ended child stays in the process table as a "
           "zombie; join reaps it. parbench reaps every worker, so no zombie outlives a run."));
    pb__fact(c, alive != '?' && alive != 'Z', _("the child was not alive after start"));
    pb__fact(c, zombie == 'Z', _("the ended child was not seen as a zombie"));
    pb__fact(c, gone == '?' && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, _("join did not reap the child"));
}

const pb_demo pb_demo_life_cycle = {
    .name = "life-cycle",
    .notes = "000/002/004",
    .summary = N_("start, is_alive, terminate, a zombie in /proc, join"),
    .run = demo_life_cycle,
};
