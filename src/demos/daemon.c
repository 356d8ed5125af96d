/* Demo daemon (002/004): what the main program's end does to daemon and
 * non-daemon processes and threads, observed: who got to say 'exiting',
 * how the daemon process ended, how long the main program lived. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "narrate.h"
#include "parbench/clock.h"

static void sleep_ms(long ms)
{
    nanosleep(&(struct timespec){ ms / 1000, (ms % 1000) * 1000000 }, NULL);
}

/* A line of the main program's story, one write so lines never mix. */
static void tell(int fd, const char *what, const char *name, int pid)
{
    char line[96];
    int len = snprintf(line, sizeof line, "%s: %s %d\n", what, name, pid);
    ssize_t w = write(fd, line, (size_t)len);
    (void)w;
}

/* ---- processes (note 002) ------------------------------------------------ */

/* The main program of note 002: starts a daemon process (its pid goes to
 * the demo on pid_out), sleeps, starts a non-daemon one, joins what Python
 * joins at exit (the non-daemon) and ends. A daemon process is terminated
 * when its main program ends: multiprocessing does it at exit; here the
 * kernel does (PR_SET_PDEATHSIG). */
static _Noreturn void processes_program(int out, int pid_out, long daemon_ms)
{
    pid_t main_pid = getpid();
    pid_t d = fork();
    if (d == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != main_pid)
            _exit(127);
        tell(out, "starting", "daemon", (int)getpid());
        sleep_ms(daemon_ms);                      /* time.sleep(2) */
        tell(out, "exiting", "daemon", (int)getpid());
        _exit(0);
    }
    int dpid = (int)d;
    ssize_t w = write(pid_out, &dpid, sizeof dpid);
    (void)w;
    sleep_ms(daemon_ms / 2);                      /* time.sleep(1) */
    pid_t n = fork();
    if (n == 0) {
        tell(out, "starting", "non-daemon", (int)getpid());
        tell(out, "exiting", "non-daemon", (int)getpid());
        _exit(0);
    }
    if (n > 0)
        waitpid(n, NULL, 0);                      /* non-daemon children are joined at exit */
    _exit(0);
}

/* ---- threads (note 004) -------------------------------------------------- */

typedef struct story {
    int out;
    long sleep_ms;
    const char *name;
} story;

static void *thread_body(void *arg)
{
    story *s = arg;
    tell(s->out, "starting", s->name, (int)gettid());
    sleep_ms(s->sleep_ms);
    tell(s->out, "exiting", s->name, (int)gettid());
    return NULL;
}

/* A main thread with one daemon thread (not joined: the process's exit ends
 * it) and one non-daemon thread (joined before main returns); with
 * join_daemon the 'daemon' is joined too, as daemon=False would. It runs
 * in a fresh parbench (`parbench __demo-child daemon MS JOIN`): a process
 * that starts threads must not be a fork of one that has some. */
static _Noreturn void threads_program(int out, long long_ms, bool join_daemon)
{
    static story daemon = { 0, 0, "daemon-thread" }, other = { 0, 0, "non-daemon-thread" };
    daemon.out = other.out = out;
    daemon.sleep_ms = long_ms;
    other.sleep_ms = long_ms / 10;
    pthread_t d, n;
    pthread_create(&d, NULL, thread_body, &daemon);
    pthread_create(&n, NULL, thread_body, &other);
    pthread_join(n, NULL);
    if (join_daemon)
        pthread_join(d, NULL);
    else
        pthread_detach(d);   /* a daemon: nobody will join it, the end of main ends it */
    _exit(0);                                     /* the end of main: every thread left ends with it */
}

/* The child side: the threads' main program, its story on stdout. */
static int daemon_child(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    threads_program(1, atol(argv[1]), strcmp(argv[2], "join") == 0);
}

/* Run a main program (which 0: processes, forked; 1: threads, a fresh parbench) that tells its
 * story on a pipe; returns the story, how long the program lived and, for
 * processes, the daemon's pid. */
static void run_program(int which, long ms, bool join_daemon, char *story_buf, size_t size, double *lived_s,
                        int *daemon_pid)
{
    int fds[2];
    story_buf[0] = '\0';
    *lived_s = 0;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return;
    int pidfd[2];
    if (pipe2(pidfd, O_CLOEXEC) != 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    fflush(stdout);
    int64_t t0 = pb_now_ns();
    pid_t m;
    if (which == 0) {
        m = pb__demo_fork();
        if (m == 0) {
            close(fds[0]);
            close(pidfd[0]);
            processes_program(fds[1], pidfd[1], ms);
        }
    } else {
        char ms_text[24];
        snprintf(ms_text, sizeof ms_text, "%ld", ms);
        m = pb__spawn_child((char *[]){ "daemon", ms_text, join_daemon ? "join" : "detach", NULL }, -1, fds[1]);
    }
    close(fds[1]);
    close(pidfd[1]);
    *daemon_pid = 0;
    if (which == 0 && read(pidfd[0], daemon_pid, sizeof *daemon_pid) != (ssize_t)sizeof *daemon_pid)
        *daemon_pid = 0;
    close(pidfd[0]);
    int status;
    pb__reap(m, &status);
    *lived_s = (double)(pb_now_ns() - t0) / 1e9;
    /* the story: everything written until every writer is gone (a daemon killed with its main closes too) */
    size_t len = 0;
    ssize_t k;
    while (len + 1 < size && (k = read(fds[0], story_buf + len, size - 1 - len)) > 0)
        len += (size_t)k;
    story_buf[len] = '\0';
    close(fds[0]);
}

/* Print a story, each line indented. */
static void show_story(pb_demo_ctx *c, const char *story_text)
{
    for (const char *p = story_text; *p;) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        pb__show(c, "    %.*s\n", len, p);
        p += len + (nl != NULL);
    }
}

static void demo_daemon(pb_demo_ctx *c)
{
    long ms = c->quick ? 300 : 2000;
    char text[1024];
    double lived;
    int dpid = 0;

    pb__show(c, _("Note 002: the main program starts a daemon process (it sleeps %ld ms, then would say 'exiting'), "
                  "sleeps half that, starts a non-daemon one, and ends:\n"), ms);
    /* the daemon is our grandchild: as a subreaper we see how it ended when its main program went */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    run_program(0, ms, false, text, sizeof text, &lived, &dpid);
    int status = 0;
    bool reaped = dpid > 0 && waitpid(dpid, &status, 0) == dpid;
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    show_story(c, text);
    bool daemon_said_exiting = strstr(text, "exiting: daemon ") != NULL;
    bool other_said_exiting = strstr(text, "exiting: non-daemon") != NULL;
    bool killed = reaped && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    pb__show(c, _("  the main program lived %.3f s; the daemon process %s\n"), lived,
             killed ? _("was killed when it ended (SIGKILL), before its 'exiting'") : _("was not seen killed"));
    /* expected only when the main program ended before its daemon's sleep (see the facts below) */
    bool process_shown = lived * 1000 < ms;
    pb__record(c, "daemon process", "said_exiting", daemon_said_exiting, "flag", process_shown ? 0 : NAN, 0);
    pb__record(c, "daemon process", "killed_with_main", killed, "flag", process_shown ? 1 : NAN, 0);
    pb__record(c, "non-daemon process", "said_exiting", other_said_exiting, "flag", 1, 0);
    pb__record(c, "main program", "lived_s", lived, "s", NAN, 0);

    pb__show(c, _("\nNote 004: a main thread starts a daemon thread (it sleeps %ld ms) and a non-daemon one, joins "
                  "the non-daemon one and ends:\n"), ms);
    double lived_d, lived_n;
    char text_n[1024];
    run_program(1, ms, false, text, sizeof text, &lived_d, &dpid);
    show_story(c, text);
    bool thread_said_exiting = strstr(text, "exiting: daemon-thread") != NULL;
    if (!thread_said_exiting)
        pb__show(c, _("  the main thread ended after %.3f s and took the daemon thread with it\n"), lived_d);
    else
        pb__show(c, _("  the main thread ended only after %.3f s, when the daemon thread had finished its sleep\n"),
                 lived_d);
    pb__show(c, _("The same with daemon=False for both (both joined):\n"));
    run_program(1, ms, true, text_n, sizeof text_n, &lived_n, &dpid);
    show_story(c, text_n);
    bool joined_said_exiting = strstr(text_n, "exiting: daemon-thread") != NULL;
    pb__show(c, _("  now the main thread waited: it ended after %.3f s\n"), lived_n);
    bool thread_shown = lived_d * 1000 < ms;
    pb__record(c, "daemon thread", "said_exiting", thread_said_exiting, "flag", thread_shown ? 0 : NAN, 0);
    pb__record(c, "daemon thread", "main_lived_s", lived_d, "s", NAN, 0);
    pb__record(c, "non-daemon thread", "said_exiting", joined_said_exiting, "flag", 1, 0);
    pb__record(c, "non-daemon thread", "main_lived_s", lived_n, "s", NAN, 0);

    pb__say(c, _("Lesson: a daemon (process or thread) never keeps the main program alive: when the main program "
                 "ends, its daemons end with it, mid-sleep, and never say 'exiting'. A non-daemon is joined: the "
                 "main program waits for it. (In C, the end of main ends every thread: not joining a thread is "
                 "what makes it a daemon.)"));
    /* A daemon can only be seen cut short when its main program ends before the daemon's sleep would: the
     * processes' main sleeps half of it, the threads' main a tenth. A machine slow enough to take longer (a
     * main thread under TSan on a loaded machine took 1.04 s for 0.03 s of sleep) cannot show it: said so,
     * not judged. */
    if (process_shown)
        pb__fact(c, !daemon_said_exiting && other_said_exiting && killed,
                 _("the daemon process outlived its main program, or the non-daemon did not finish"));
    else
        pb__fact_skipped(c, _("the main program took longer than its daemon process's sleep"));
    if (thread_shown) {
        pb__fact(c, !thread_said_exiting, _("a daemon thread outlived its main thread"));
    } else {
        pb__fact_skipped(c, _("the main thread took longer than its daemon thread's sleep"));
    }
    /* joined: the main waits for both sleeps, however fast the machine */
    pb__fact(c, joined_said_exiting && lived_n * 1000 >= ms, _("the main thread did not wait for a joined thread"));
}

const pb_demo pb_demo_daemon = {
    .name = "daemon",
    .notes = "002/004",
    .summary = N_("daemon and non-daemon processes and threads: what the end of the main program does to each"),
    .run = demo_daemon,
    .child = daemon_child,
};
