/* Every worker process parbench has forked and not yet reaped.
 *
 * An interrupt (Ctrl-C, SIGTERM) must end them all from another thread
 * without ever signalling a pid that was reaped and then reused by some
 * other process. So a child is listed while it is forked (under the list's
 * lock) and leaves the list, under the same lock, before it is reaped: a
 * listed pid is always ours, alive or a zombie. */
#ifndef PARBENCH_BACKENDS_WORKER_CHILDREN_H
#define PARBENCH_BACKENDS_WORKER_CHILDREN_H

#include <sys/resource.h>
#include <sys/types.h>

/* fork(), the new child listed before anyone can look: as fork() returns
 * (-1 with errno when it failed). The child must not use this list. */
pid_t pb__children_fork(void);

/* wait4(pid, status, options, ru) for a listed child, taking it off the
 * list first. Returns pid when reaped, 0 when WNOHANG and it still runs,
 * -1 with errno (ECHILD: someone else reaped it). EINTR is retried. */
pid_t pb__children_reap(pid_t pid, int *status, int options, struct rusage *ru);

/* SIGKILL every listed child and reap it; the list stays locked after,
 * so nothing more is forked: for a process that is about to exit. */
void pb__children_kill_all(void);

#endif
