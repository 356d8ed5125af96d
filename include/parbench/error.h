/* Error codes and the human sentence that travels with them.
 *
 * Internal functions return 0 or a negative PB_E_* code and fill a pb_error
 * with one sentence naming what was wrong; only src/cli/ prints it and exits.
 * The list is declared once (X-macro) and generates the enum and the names.
 */
#ifndef PARBENCH_ERROR_H
#define PARBENCH_ERROR_H

#include <stddef.h>

#define PB_ERROR_LIST(X)                                              \
    X(OK,       0,  "success")                                        \
    X(ARG,     -1,  "invalid argument")                               \
    X(RANGE,   -2,  "value out of range")                             \
    X(NOMEM,   -3,  "out of memory")                                  \
    X(SYS,     -4,  "system call failed")                             \
    X(VERIFY,  -5,  "verification failed")                            \
    X(WORKER,  -6,  "a worker failed")                                \
    X(IO,      -7,  "cannot write output")                            \
    X(EXISTS,  -8,  "already exists")                                 \
    X(UNSUPP,  -9,  "not available here")                            \
    X(HUNG,   -10,  "a worker thread is stuck and cannot be stopped")

enum pb_errcode {
#define PB_X_(name, value, text) PB_E_##name = (value),
    PB_ERROR_LIST(PB_X_)
#undef PB_X_
};

typedef struct pb_error {
    int  code;        /* a PB_E_* value */
    char msg[512];    /* one sentence for people, naming the culprit */
} pb_error;

/* Fill err (if not NULL) with code and a printf-formatted sentence.
 * Returns code, so callers can write `return pb_fail(err, PB_E_ARG, ...)`. */
int pb_fail(pb_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like pb_fail, with ": strerror(errnum)" appended. */
int pb_fail_errno(pb_error *err, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
