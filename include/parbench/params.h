/* Declared, bounded parameters: a workload lists its parameters once (name,
 * type, default, range, help) and every value given on the command line is
 * parsed and checked against that declaration before anything runs.
 */
#ifndef PARBENCH_PARAMS_H
#define PARBENCH_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parbench/error.h"

typedef enum pb_param_type {
    PB_PARAM_U64,     /* unsigned integer in [min, max]; "1e8", "10^8" accepted */
    PB_PARAM_ENUM,    /* one of choices[]; stored as its index */
} pb_param_type;

typedef struct pb_param_spec {
    const char *name;            /* "n" */
    pb_param_type type;
    const char *defval;          /* default, in the same syntax as the command line */
    uint64_t min, max;           /* inclusive bounds (U64) */
    bool allow_auto;             /* "auto" is accepted and stored as 0 */
    const char *const *choices;  /* NULL-terminated (ENUM) */
    const char *unit;            /* "ms", "increments", NULL */
    const char *help;            /* one line */
} pb_param_spec;                 /* arrays end with an entry whose name is NULL */

#define PB_MAX_PARAMS 12

/* Fault injection, accepted by every workload as fault=KIND@TASK: task TASK
 * misbehaves so that failure handling can be tested under every backend. */
#define PB_FAULT_LIST(X)                                              \
    X(NONE,  "none",  "no fault")                                       \
    X(SEGV,  "segv",  "the task raises SIGSEGV (a crash)")              \
    X(ABORT, "abort", "the task calls abort()")                         \
    X(EXIT,  "exit",  "the task ends its worker: _exit(3) in a process, pthread_exit in a thread") \
    X(HANG,  "hang",  "the task never returns (sleeps forever)")

typedef enum pb_fault_kind {
#define PB_X_(id, name, doc) PB_FAULT_##id,
    PB_FAULT_LIST(PB_X_)
#undef PB_X_
} pb_fault_kind;

typedef struct pb_params {
    const pb_param_spec *spec;   /* the declaration these values follow */
    size_t count;                /* entries in spec */
    uint64_t value[PB_MAX_PARAMS];
    bool given[PB_MAX_PARAMS];   /* set explicitly rather than defaulted */
    pb_fault_kind fault;         /* fault=KIND@TASK, PB_FAULT_NONE when not given */
    uint64_t fault_task;
} pb_params;

/* Parse a non-negative integer: "100000000", "1e8", "1.5e3", "10^8".
 * PB_E_ARG if it is not a number, PB_E_RANGE if negative, fractional or not
 * representable in 64 bits. */
/* Does text read as a number that is not whole ("1.5", "2.5e-1")? */
bool pb_is_fraction(const char *text);
int pb_parse_u64(const char *text, uint64_t *out);

/* Reset to the declared defaults. `owner` names the workload in messages. */
int pb_params_init(pb_params *p, const pb_param_spec *spec, const char *owner, pb_error *err);

/* Name of a fault kind ("segv"). */
const char *pb_fault_name(pb_fault_kind kind);

/* Set one parameter from its text ("fault" is accepted by every workload). */
int pb_params_set(pb_params *p, const char *owner, const char *key, const char *text, pb_error *err);

/* Set from "k=v,k=v" (an empty string sets nothing). */
int pb_params_parse(pb_params *p, const char *owner, const char *list, pb_error *err);

/* The value of a declared parameter (aborts on a name that is not declared:
 * that is a programming error, not bad input). */
uint64_t pb_param(const pb_params *p, const char *name);

/* Choice text of an ENUM parameter. */
const char *pb_param_choice(const pb_params *p, const char *name);

/* Canonical "k=v,k=v" text in declaration order, as the command line would
 * accept it back: every parameter when `all`, else only those given. */
void pb_params_format(const pb_params *p, char *buf, size_t size, bool all);

#endif
