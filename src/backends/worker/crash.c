#include "backends/worker/crash.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
enum { NSIG_CRASH = sizeof crash_signals / sizeof crash_signals[0] };

static char results_where[1024] = "the result set";
static const char *guard_why = "its worker is a thread, which cannot be isolated from its process";
static int guard_depth;
static struct sigaction saved[NSIG_CRASH];

void pb__crash_set_results(const char *where)
{
    snprintf(results_where, sizeof results_where, "%s", where);
}

static void put(const char *s)
{
    ssize_t ignored = write(STDERR_FILENO, s, strlen(s));
    (void)ignored;
}

void pb__crash_report(const char *what, const char *why)
{
    put("\nparbench: a task ended with ");
    put(what);
    put(" and ");
    put(why);
    put(", so parbench stops here.\nparbench: runs finished before it are intact in ");
    put(results_where);
    put(".\n");
}

static void on_crash(int sig)
{
    char what[64];
    const char *name = sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGILL ? "SIGILL"
                     : sig == SIGFPE ? "SIGFPE" : "SIGABRT";
    size_t n = strlen(name);
    memcpy(what, name, n + 1);
    pb__crash_report(what, guard_why);
    signal(sig, SIG_DFL);   /* then die of the signal, as the process would have */
    raise(sig);
}

void pb__crash_guard_install(const char *why)
{
    if (guard_depth++ > 0)
        return;
    guard_why = why;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (int i = 0; i < NSIG_CRASH; i++)
        sigaction(crash_signals[i], &sa, &saved[i]);
}

void pb__crash_guard_remove(void)
{
    if (guard_depth == 0 || --guard_depth > 0)
        return;
    for (int i = 0; i < NSIG_CRASH; i++)
        sigaction(crash_signals[i], &saved[i], NULL);
}

void pb__crash_guard_reset_in_child(void)
{
    for (int i = 0; i < NSIG_CRASH; i++)
        signal(crash_signals[i], SIG_DFL);
}
