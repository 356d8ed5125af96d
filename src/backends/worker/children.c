#include "backends/worker/children.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parbench/error.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t *listed;          /* unordered; removal moves the last one in */
static unsigned count, capacity;

/* Room for one more, so that nothing is allocated between fork and listing. */
static int reserve_locked(void)
{
    if (count < capacity)
        return 0;
    unsigned cap = capacity ? 2 * capacity : 64;
    pid_t *grown = realloc(listed, cap * sizeof *grown);
    if (!grown)
        return PB_E_NOMEM;
    listed = grown;
    capacity = cap;
    return 0;
}

static void unlist(pid_t pid)
{
    pthread_mutex_lock(&lock);
    for (unsigned i = 0; i < count; i++)
        if (listed[i] == pid) {
            listed[i] = listed[--count];
            break;
        }
    pthread_mutex_unlock(&lock);
}

pid_t pb__children_fork(void)
{
    pthread_mutex_lock(&lock);
    if (reserve_locked() != 0) {
        pthread_mutex_unlock(&lock);
        errno = ENOMEM;
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0)
        return 0;   /* the child: the lock is its parent's business */
    if (pid > 0)
        listed[count++] = pid;
    int e = errno;
    pthread_mutex_unlock(&lock);
    errno = e;
    return pid;
}

pid_t pb__children_reap(pid_t pid, int *status, int options, struct rusage *ru)
{
    /* wait (without reaping) until it has ended, then unlist, then reap */
    siginfo_t si;
    for (;;) {
        si.si_pid = 0;
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT | (options & WNOHANG ? WNOHANG : 0)) == 0)
            break;
        if (errno != EINTR) {
            if (errno == ECHILD)
                unlist(pid);
            return -1;
        }
    }
    if (si.si_pid == 0)
        return 0;   /* WNOHANG: still running */
    unlist(pid);
    pid_t got;
    while ((got = wait4(pid, status, options & ~WNOHANG, ru)) < 0 && errno == EINTR)
        ;
    return got;
}

void pb__children_kill_all(void)
{
    pthread_mutex_lock(&lock);
    for (unsigned i = 0; i < count; i++)
        kill(listed[i], SIGKILL);
    for (unsigned i = 0; i < count; i++)
        while (waitpid(listed[i], NULL, 0) < 0 && errno == EINTR)
            ;
    count = 0;
    /* stays locked: the process is ending */
}

