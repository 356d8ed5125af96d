/* Demo queue (000/001/004): notes 000 and 001's counting processes that
 * hand their results back through a Queue, ended by an 'exit' sentinel,
 * and through a Pipe's two ends; the notes' totals, reproduced exactly. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "narrate.h"
#include "parbench/clock.h"

/* One message on the queue: a sub-total, or the sentinel. The queue is one
 * pipe every process writes to; a message is one write of 16 bytes, never
 * torn (PIPE_BUF), as multiprocessing.Queue sends each object whole. */
typedef struct queue_msg {
    int64_t kind;              /* 1: a sub-total; 0: 'exit' */
    int64_t value;
} queue_msg;

/* The notes' worker: count to base one add at a time, as `sub_total += 1`. */
static int64_t count_to(int64_t base)
{
    int64_t sub_total = 0;
    for (int64_t i = 0; i < base; i++) {
        sub_total += 1;
        __asm__ volatile("" : "+r"(sub_total));   /* one real add per iteration */
    }
    return sub_total;
}

static bool put(int fd, int64_t kind, int64_t value)
{
    queue_msg m = { kind, value };
    return write(fd, &m, sizeof m) == (ssize_t)sizeof m;
}

/* n processes each count to base and put their sub-total on the queue; after
 * joining them the parent puts 'exit' and sums until it gets it back. */
static int64_t through_queue(pb_demo_ctx *c, int n, int64_t base, double *compute_s)
{
    int q[2];
    if (pipe(q) != 0)
        return -1;
    fflush(stdout);
    int64_t t0 = pb_now_ns();
    pid_t kids[16];
    for (int i = 0; i < n; i++) {
        if ((kids[i] = pb__demo_fork()) == 0) {
            close(q[0]);
            int64_t sub_total = count_to(base);
            bool sent = put(q[1], 1, sub_total);
            if (i < 3)   /* the notes print every process; three say enough */
                printf(_("    Process ID: %d, Process Name: %d, Result: %lld\n"), (int)getpid(), i,
                       (long long)sub_total);
            fflush(stdout);
            _exit(sent ? 0 : 1);
        }
    }
    for (int i = 0; i < n; i++)
        pb__reap(kids[i], NULL);
    *compute_s = (double)(pb_now_ns() - t0) / 1e9;
    put(q[1], 0, 0);                 /* q.put('exit') */
    int64_t total = 0;
    for (;;) {                       /* while True: tmp = q.get(); if tmp == 'exit': break */
        queue_msg m;
        if (read(q[0], &m, sizeof m) != (ssize_t)sizeof m || m.kind == 0)
            break;
        total += m.value;
    }
    close(q[0]);
    close(q[1]);
    (void)c;
    return total;
}

/* One process counts to base and sends the result through its end of a
 * Pipe; the parent receives it on the other end. */
static int64_t through_pipe(int64_t base, double *compute_s)
{
    int ends[2];   /* parent_conn, child_conn = Pipe(): two ends of one duplex channel */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
        return -1;
    fflush(stdout);
    int64_t t0 = pb_now_ns();
    pid_t pid = pb__demo_fork();
    if (pid == 0) {
        close(ends[0]);
        int64_t sub_total = count_to(base);
        bool sent = write(ends[1], &sub_total, sizeof sub_total) == (ssize_t)sizeof sub_total;   /* conn.send */
        close(ends[1]);                                                                             /* conn.close */
        _exit(sent ? 0 : 1);
    }
    close(ends[1]);
    pb__reap(pid, NULL);
    *compute_s = (double)(pb_now_ns() - t0) / 1e9;
    int64_t got = -1;
    if (read(ends[0], &got, sizeof got) != (ssize_t)sizeof got)   /* parent_conn.recv() */
        got = -1;
    close(ends[0]);
    return got;
}

static void demo_queue(pb_demo_ctx *c)
{
    /* the notes count to 10^7 per process (10^8 through the Pipe); --quick to 10^5 (10^6) */
    int64_t base = c->quick ? 100000 : 10000000, pipe_base = c->quick ? 1000000 : 100000000;
    pb__say(c, _("Notes 000/001: processes count (sub_total += 1, base times) and put their sub-totals on a Queue; "
                 "once they are joined, the parent puts 'exit' on it and adds up what it gets until 'exit' comes "
                 "back."));
    static const int counts[2] = { 10, 5 };   /* note 000: 10 processes; note 001: 5 */
    int64_t totals[2];
    for (int k = 0; k < 2; k++) {
        double s = 0;
        pb__show(c, _("  %d processes, base %lld each:\n"), counts[k], (long long)base);
        totals[k] = through_queue(c, counts[k], base, &s);
        pb__show(c, _("  --- %.3f seconds --- Main-Processing Total Count=%lld (expected %lld)\n"), s,
                 (long long)totals[k], (long long)(counts[k] * base));
        char what[32];
        snprintf(what, sizeof what, "queue %d processes", counts[k]);
        pb__record(c, what, "total", (double)totals[k], "count", (double)(counts[k] * base), 0);
        pb__record(c, what, "wall_s", s, "s", NAN, 0);
    }
    pb__say(c, _("\nNote 000's Pipe: one process counts to base and sends the result through child_conn; the "
                 "parent receives it on parent_conn, the Pipe's other end."));
    double ps = 0;
    int64_t piped = through_pipe(pipe_base, &ps);
    pb__show(c, _("  --- %.3f seconds --- Main-Processing Total Count=%lld (expected %lld)\n"), ps, (long long)piped,
             (long long)pipe_base);
    pb__record(c, "pipe 1 process", "total", (double)piped, "count", (double)pipe_base, 0);
    pb__record(c, "pipe 1 process", "wall_s", ps, "s", NAN, 0);
    pb__say(c, _("Lesson: a Queue takes messages from many processes in order; a sentinel put after every worker "
                 "was joined marks the end, so nothing is left behind and nothing is read twice. A Pipe joins "
                 "exactly two ends, one for each side. Both copy every value through the kernel."));
    pb__fact(c, totals[0] == counts[0] * base && totals[1] == counts[1] * base,
             _("a Queue total was not the notes' exact total"));
    pb__fact(c, piped == pipe_base, _("the Pipe's total was not exact"));
}

const pb_demo pb_demo_queue = {
    .name = "queue",
    .notes = "000/001/004",
    .summary = N_("counting processes hand sub-totals back through a Queue ended by 'exit', and through a Pipe"),
    .run = demo_queue,
};
