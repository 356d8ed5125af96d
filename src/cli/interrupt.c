/* Ctrl-C, SIGTERM and SIGHUP, taken by a thread of their own.
 *
 * The signals are blocked in the calling thread before any other thread or
 * worker process exists, so every thread and every forked worker inherits
 * the block: a Ctrl-C that the terminal sends to the whole process group
 * does not kill the workers under the parent's feet. One thread waits for
 * the signals with sigwait and hands the first to the command, which ends
 * the workers itself, keeps what finished, and exits. */
#include <pthread.h>
#include <signal.h>

#include "cli.h"

static sigset_t watched;
static void (*handler)(int, void *);
static void *handler_user;

static void *waiter(void *arg)
{
    (void)arg;
    int sig;
    while (sigwait(&watched, &sig) != 0)
        ;
    handler(sig, handler_user);
    return NULL;
}

int pb__interrupt_start(void (*on_signal)(int sig, void *user), void *user)
{
    handler = on_signal;
    handler_user = user;
    sigemptyset(&watched);
    sigaddset(&watched, SIGINT);
    sigaddset(&watched, SIGTERM);
    sigaddset(&watched, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &watched, NULL);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int e = pthread_create(&t, &attr, waiter, NULL);
    pthread_attr_destroy(&attr);
    if (e)
        pthread_sigmask(SIG_UNBLOCK, &watched, NULL);   /* no waiter: the signals keep their default */
    return e ? PB_E_SYS : 0;
}
