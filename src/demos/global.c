/* Demo global (000/001/003): Notes 000/001/003: a global changed in a forked child is not the parent's; shared memory is. */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "narrate.h"

static long global_result;   /* a global, as global_result = [] in the notes */

static void demo_global(pb_demo_ctx *c)
{
    pb__say(c, _("Note 003: a child process appends squares to a global list; the parent then looks at it."));
    global_result = 0;
    long *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *shared = 0;
    fflush(stdout);   /* nothing printed so far may be printed again by the child */
    pid_t pid = pb__demo_fork();
    if (pid == 0) {
        for (long v = 2; v <= 6; v++) {
            global_result += v * v;   /* 4 + 9 + 16 + 25 + 36 */
            *shared += v * v;
        }
        pb__show(c, _("  inside the child: global = %ld, shared memory = %ld\n"),
               global_result, *shared);
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    pb__record(c, "global after fork", "parent_sees", (double)global_result, "count", 0, 0);
    pb__record(c, "shared memory", "parent_sees", (double)*shared, "count", 90, 0);
    pb__show(c, _("  in the parent:    global = %ld, shared memory = %ld\n"),
           global_result, *shared);
    pb__say(c, _("Lesson: fork gives the child a copy of every variable; its changes stay in the copy. Only memory "
           "mapped as shared (multiprocessing.Value/Array; parbench's arena) is seen by both."));
    pb__fact(c, global_result == 0 && *shared == 90, _("the child's change showed in the parent, or the shared one did not"));
    munmap(shared, sizeof *shared);
}

const pb_demo pb_demo_global = {
    .name = "global",
    .notes = "000/001/003",
    .summary = N_("a global changed in a forked child, then the same in shared memory"),
    .run = demo_global,
};
