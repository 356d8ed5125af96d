/* Demo named-processes (000/001/002): processes with names (given, or
 * multiprocessing's default Process-N), as the system sees them; output of
 * several processes interleaving; many named processes finishing in the
 * order of their random sleeps. */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "narrate.h"
#include "parbench/clock.h"

enum { NAMED_MAX = 64, PRINTERS = 5 };

/* The name the system shows for a process (/proc/PID/comm), "" if gone. */
static void comm_of(pid_t pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    if (f) {
        if (fgets(buf, (int)size, f))
            buf[strcspn(buf, "\n")] = '\0';
        fclose(f);
    }
}

/* Note 002: 'my_service' and 'worker-1' are named; the third is not, and
 * multiprocessing names it Process-3 (the third Process made). Each says
 * its name (current_process().name) starting and exiting; the demo also
 * reads the name the system gives it while it sleeps. */
static void names(pb_demo_ctx *c)
{
    pb__say(c, _("Note 002: two processes are named ('my_service', 'worker-1'), the third is not: multiprocessing "
                 "calls it Process-3, the third process made."));
    static const char *const given[3] = { "worker-1", NULL, "my_service" };   /* started in the notes' order */
    long sleep_ms = c->quick ? 50 : 300;
    pid_t kids[3];
    char seen[3][32];
    bool right = true;
    fflush(stdout);
    for (int k = 0; k < 3; k++) {
        char name[16];
        snprintf(name, sizeof name, "%s", given[k] ? given[k] : "");
        if (!given[k])   /* the notes make my_service, then worker_1, then this one: the third Process */
            snprintf(name, sizeof name, "Process-%d", 3);
        if ((kids[k] = pb__demo_fork()) == 0) {
            prctl(PR_SET_NAME, name);          /* what current_process().name gives, and ps shows */
            printf("    %s starting\n", name);
            fflush(stdout);
            nanosleep(&(struct timespec){ 0, (sleep_ms + 100 * (k == 2)) * 1000000L }, NULL);
            printf("    %s exiting\n", name);
            fflush(stdout);
            _exit(0);
        }
        snprintf(seen[k], sizeof seen[k], "%s", name);
    }
    nanosleep(&(struct timespec){ 0, sleep_ms / 2 * 1000000L }, NULL);
    for (int k = 0; k < 3; k++) {
        char comm[32];
        comm_of(kids[k], comm, sizeof comm);
        right &= strcmp(comm, seen[k]) == 0;
        pb__show(c, _("    (the system calls pid %d '%s')\n"), (int)kids[k], comm);
    }
    for (int k = 0; k < 3; k++)
        pb__reap(kids[k], NULL);
    pb__record(c, "names", "seen_by_system", right, "flag", 1, 0);
    pb__fact(c, right, _("a process did not carry its name"));
}

/* Note 002: five processes print 'worker'. One write per line never mixes
 * with another process's line; a line written in pieces can. */
static void interleaving(pb_demo_ctx *c)
{
    pb__say(c, _("\nNote 002: five processes print 'worker N' at once. The notes warn that their output may not "
                 "come out clean; here each line goes out once in pieces (a byte at a time) and once whole:"));
    int mixed[2] = { 0, 0 }, lines[2] = { 0, 0 };
    for (int whole = 0; whole < 2; whole++) {
        int fds[2];
        if (pipe(fds) != 0)
            return;
        fflush(stdout);
        pid_t kids[PRINTERS];
        for (int k = 0; k < PRINTERS; k++) {
            if ((kids[k] = pb__demo_fork()) == 0) {
                close(fds[0]);
                char line[32];
                int len = snprintf(line, sizeof line, "worker %d\n", k);
                for (int rep = 0; rep < 40; rep++) {
                    if (whole) {
                        ssize_t w = write(fds[1], line, (size_t)len);
                        (void)w;
                        continue;
                    }
                    for (int i = 0; i < len; i++) {
                        ssize_t w = write(fds[1], line + i, 1);
                        (void)w;
                        sched_yield();
                    }
                }
                _exit(0);
            }
        }
        close(fds[1]);
        FILE *in = fdopen(fds[0], "r");
        char line[64], first_mixed[64] = "";
        while (in && fgets(line, sizeof line, in)) {
            int k;
            char end;
            lines[whole]++;
            if (sscanf(line, "worker %d%c", &k, &end) != 2 || end != '\n' || k < 0 || k >= PRINTERS ||
                strlen(line) != 9) {
                if (!mixed[whole]++)
                    snprintf(first_mixed, sizeof first_mixed, "%s", line);
            }
        }
        if (in)
            fclose(in);
        for (int k = 0; k < PRINTERS; k++)
            pb__reap(kids[k], NULL);
        first_mixed[strcspn(first_mixed, "\n")] = '\0';
        if (whole)
            pb__show(c, _("  whole lines:     %d of %d lines mixed\n"), mixed[1], lines[1]);
        else
            pb__show(c, _("  lines in pieces: %d of %d lines mixed%s%s%s\n"), mixed[0], lines[0],
                     mixed[0] ? _(", e.g. '") : "", first_mixed, mixed[0] ? "'" : "");
    }
    pb__record(c, "output in pieces", "mixed_lines", mixed[0], "count", NAN, 0);
    pb__record(c, "output whole", "mixed_lines", mixed[1], "count", 0, 0);
    if (mixed[0])
        pb__say(c, _("Lesson: processes share the terminal (or pipe) they print to; what one writes in pieces can "
                     "land between the pieces of another. A line written in one piece stays whole."));
    pb__fact(c, mixed[1] == 0 && lines[1] == 40 * PRINTERS, _("a line written whole came out mixed"));
    if (!mixed[0])
        pb__fact_skipped(c, _("no line written in pieces came out mixed: this machine ran the processes one after "
                              "another"));
}

/* Notes 000/001/002: many processes, each named, sleeping a random time and squaring its number. */
static void demo_named(pb_demo_ctx *c)
{
    names(c);
    interleaving(c);
    pb__say(c, "");
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
    int64_t late_max = 0;      /* how late the latest line came after it was due */
    int64_t due_of[NAMED_MAX] = { 0 };   /* by child: to tell whether start order was also sleep order */
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
            due_of[i] = due[seen];
            int64_t late = pb_now_ns() - due[seen];
            if (late > late_max)
                late_max = late;
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
    int out_of_order = 0, started_order = 1, due_in_start_order = 1;
    for (int k = 1; k < seen && k < NAMED_MAX; k++) {
        if (due[k] + 10000000 < due[k - 1])
            out_of_order++;
        started_order &= arrival[k] > arrival[k - 1];
    }
    for (int i = 1; i < n && i < NAMED_MAX; i++)
        due_in_start_order &= due_of[i] > due_of[i - 1];
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
    pb__record(c, "processes", "latest_wake_up_late_s", (double)late_max / 1e9, "s", NAN, 0);
    /* The order can be told only when every sleeper woke within the 10 ms the comparison allows, and when
     * the start order was not the sleep order too (forks slower than the sleeps differ: a sanitizer's, or
     * a busy machine's) */
    bool order_shown = late_max <= 10000000 && !due_in_start_order;
    if (order_shown)
        pb__say(c, _("Lesson: each process has its own pid and the same parent; they finish in the order their sleeps "
                     "end, not the order they were started, and all of them together take about as long as the "
                     "longest one."));
    else
        pb__say(c, _("Lesson: each process has its own pid and the same parent."));
    pb__fact(c, seen == n && right == n, _("a process did not report its square"));
    char why[256];
    if (late_max > 10000000) {
        snprintf(why, sizeof why, _("sleepers woke up to %.0f ms late here, more than the 10 ms between sleeps this "
                                    "demo tells apart: the order they finish in could not be shown"),
                 (double)late_max / 1e6);
        pb__fact_skipped(c, why);
    } else if (due_in_start_order) {
        pb__fact_skipped(c, _("starting the processes took longer than their sleeps differ, so the order they were "
                              "started in was also the order their sleeps ended"));
    } else {
        pb__fact(c, out_of_order == 0 && !started_order,
                 _("the processes did not finish in the order their sleeps ended"));
    }
    /* late wake-ups also lengthen the whole: judged only when none came later than the margin */
    if ((double)late_max / 1e9 <= margin)
        pb__fact(c, all_s <= fork_s + hi / 1000.0 + margin, _("all together took longer than the longest sleep"));
    else
        pb__fact_skipped(c, _("sleepers woke up later than the margin: how long all together take could not be "
                              "shown"));
}

const pb_demo pb_demo_named_processes = {
    .name = "named-processes",
    .notes = "000/001/002",
    .summary = N_("many named processes with pids and parents, random sleeps"),
    .run = demo_named,
};
