/* Demo named-processes (000/001/002): Notes 000/001/002: many named processes, each sleeping a random time, finishing in sleep order. */
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "narrate.h"
#include "parbench/clock.h"

/* Notes 000/001/002: many processes, each named, sleeping a random time and squaring its number. */
enum { NAMED_MAX = 64 };

static void demo_named(pb_demo_ctx *c)
{
    int n = c->quick ? 8 : 50, lo = c->quick ? 5 : 100, hi = c->quick ? 30 : 300;
    pb__show(c, _("Notes 000/001/002: %d named processes, each sleeping a random %d-%d ms, then squaring its number.\n"),
           n, lo, hi);
    int fds[2];
    if (pipe(fds) != 0) {
        c->failed++;
        return;
    }
    fflush(stdout);
    int64_t t0 = pb_now_ns();
    for (int i = 0; i < n; i++) {
        pid_t pid = pb__demo_fork();
        if (pid == 0) {
            int64_t started = pb_now_ns();
            char name[16];
            snprintf(name, sizeof name, "worker-%d", i);
            prctl(PR_SET_NAME, name);
            struct timespec ts = { 0, (long)(lo + (i * 7919) % (hi - lo + 1)) * 1000000L };
            nanosleep(&ts, NULL);
            char line[160];
            int len = snprintf(line, sizeof line, "%d %d %d %ld %s %lld\n", i, (int)getpid(), (int)getppid(),
                               (long)i * i, name, (long long)started);
            ssize_t w = write(fds[1], line, (size_t)len);   /* one line, one write: lines never mix */
            _exit(w == len ? 0 : 1);
        }
    }
    int64_t forked = pb_now_ns();
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    int seen = 0, right = 0, arrival[NAMED_MAX];
    int64_t due[NAMED_MAX];    /* each child's own start plus its sleep: when it should finish */
    char line[160];
    while (in && fgets(line, sizeof line, in)) {
        int i, pid, ppid;
        long sq;
        long long started;
        char name[32];
        if (sscanf(line, "%d %d %d %ld %31s %lld", &i, &pid, &ppid, &sq, name, &started) != 6 || i < 0 || i >= n)
            continue;
        if (seen < NAMED_MAX) {
            arrival[seen] = i;
            due[seen] = started + (int64_t)(lo + (i * 7919) % (hi - lo + 1)) * 1000000;
        }
        seen++;
        right += sq == (long)i * i && ppid == getpid();
        if (seen <= 10 || seen == n)
            pb__show(c, _("  %-10s pid %-7d parent %-7d %2d squared = %ld\n"),
                   name, pid, ppid, i, sq);
        else if (seen == 11)
            pb__show(c, "  ...\n");
    }
    if (in)
        fclose(in);
    for (int i = 0; i < n; i++)
        wait(NULL);
    double all_s = (double)(pb_now_ns() - t0) / 1e9, fork_s = (double)(forked - t0) / 1e9;
    /* In sleep order: a line that arrived before one due earlier than it is out of order unless the two
     * were due within 10 ms (a wake-up's scheduling and a pipe write on a busy 2-CPU machine). */
    int out_of_order = 0, started_order = 1;
    for (int k = 1; k < seen && k < NAMED_MAX; k++) {
        if (due[k] + 10000000 < due[k - 1])
            out_of_order++;
        started_order &= arrival[k] > arrival[k - 1];
    }
    /* All together within the longest sleep once the last one was forked, plus a margin for the
     * wake-ups of many sleepers at once: 50 ms, or a quarter of the longest sleep if more. */
    double margin = hi / 4000.0 > 0.05 ? hi / 4000.0 : 0.05;
    pb__show(c, _("  all %d done in %.3f s (the longest sleep: %d ms; forking them all took %.3f s)\n"),
           seen, all_s, hi, fork_s);
    pb__record(c, "processes", "reported", seen, "count", n, 0);
    pb__record(c, "processes", "right_square_and_parent", right, "count", n, 0);
    pb__record(c, "processes", "out_of_sleep_order", out_of_order, "count", 0, 0);
    pb__record(c, "processes", "wall_s", all_s, "s", NAN, 0);
    pb__record(c, "processes", "fork_s", fork_s, "s", NAN, 0);
    pb__record(c, "processes", "longest_sleep_s", hi / 1000.0, "s", NAN, 0);
    pb__say(c, _("Lesson: each process has its own pid and the same parent; they finish in the order their sleeps end, "
           "not the order they were started, and all of them together take about as long as the longest one."));
    pb__fact(c, seen == n && right == n, _("a process did not report its square"));
    pb__fact(c, out_of_order == 0 && !started_order, _("the processes did not finish in the order their sleeps ended"));
    pb__fact(c, all_s <= fork_s + hi / 1000.0 + margin, _("all together took longer than the longest sleep"));
}

const pb_demo pb_demo_named_processes = {
    .name = "named-processes",
    .notes = "000/001/002",
    .summary = N_("many named processes with pids and parents, random sleeps"),
    .run = demo_named,
};
