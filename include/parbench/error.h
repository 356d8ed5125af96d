/* Errors: one convention for all of parbench.
 *
 * A function that can fail returns int: 0 when it succeeded, else one of the
 * negative PB_E_* codes below, which says what kind of failure it was. When
 * a person may need to learn why, it also takes a `pb_error *err` (the last
 * parameter; NULL when the caller does not want the sentence) and fills it
 * with one sentence naming the culprit: pb_fail, or pb_fail_errno to append
 * the system's own words. A caller passes the code on, its sentence too
 * (rewritten with more context if it has some). Only src/cli/ and the
 * main()s of bench/ and tests/ print the sentence and choose an exit status.
 *
 * What is not a failure is not a code: a function that computes a value
 * answers "none" with a sentinel its header names (NULL, an index, pid or
 * time of -1), and a yes/no question returns bool. errno never leaves a
 * function as its result: it goes into the sentence (pb_fail_errno). The
 * one exception is a thin wrapper that stands for one system call (e.g.
 * pb__children_fork for fork, pb__children_reap for wait4): it answers as that
 * call does, -1 with errno set, so that it reads like the call it replaces.
 */
#ifndef PARBENCH_ERROR_H
#define PARBENCH_ERROR_H

#include <stddef.h>

enum pb_errcode {
    PB_E_ARG = -1,      /* invalid argument: not a name, number or list we know */
    PB_E_RANGE = -2,    /* a value out of its allowed range */
    PB_E_NOMEM = -3,    /* out of memory (or address space for a mapping) */
    PB_E_SYS = -4,      /* a system call failed, or what it reads (a thread's /proc entry) is gone */
    PB_E_VERIFY = -5,   /* a check of a result failed: a workload's output, a binding the kernel did not keep */
    PB_E_WORKER = -6,   /* a worker (thread, process, rank) failed or was lost */
    PB_E_IO = -7,       /* a file or stream cannot be written or read, or it ended too soon */
    PB_E_EXISTS = -8,   /* what would be created already exists (a result set is never overwritten) */
    PB_E_UNSUPP = -9,   /* not available here: this build, machine or transport does not offer it */
    PB_E_HUNG = -10,    /* a worker thread is stuck in a task and cannot be stopped */
};

typedef struct pb_error {
    int  code;        /* a PB_E_* value */
    char msg[512];    /* one sentence for people, naming the culprit */
} pb_error;

/* Fill err (if not NULL) with code and a printf-formatted sentence.
 * Returns code, so callers can write `return pb_fail(err, PB_E_ARG, ...)`. */
int pb_fail(pb_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The C library's English description of an errno value or a signal,
 * without its catalogues or their locks (glibc's strerrordesc_np and
 * sigdescr_np): the same in every language, as sentences that reach result
 * files must be, and safe in a child forked from a threaded parent (a
 * catalogue lock another thread held at the fork would never be released
 * there: a process-pool worker deadlocked in strerror that way). */
const char *pb_errno_text(int errnum);
const char *pb_signal_text(int sig);

/* Like pb_fail, with ": strerror(errnum)" appended. */
int pb_fail_errno(pb_error *err, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
