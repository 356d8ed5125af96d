/* Demos: the lessons of the course notes as narrated, measured runs.
 *
 * A demo is one file under src/demos/ exporting one pb_demo: its name, the
 * notes it comes from, a one-line summary and its run function. The run
 * says what is about to happen, runs real code, prints what it measured
 * and checks the facts it teaches: a fact that does not hold is counted in
 * `failed`; a fact this machine cannot show (too few free CPUs, no
 * interleaving) is said so and counted in `skipped`, never asserted. The
 * narration is English in the code and goes through gettext (po/), so the
 * course's Korean comes from the catalogue. */
#ifndef PARBENCH_DEMO_H
#define PARBENCH_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "parbench/resultset.h"
#include "parbench/sampler.h"

typedef struct pb_demo_ctx {
    bool quick;                /* short sleeps and counts (tests) */
    /* Where narration goes (a live view draws around it); NULL: stdout. */
    void (*emit)(void *user, const char *text);
    void *emit_user;
    int failed;                /* facts that did not hold */
    int skipped;               /* facts this machine could not show */
    const char *name;          /* the demo running */
    pb_resultset *rs;          /* --out: where measurements go; NULL when not asked */
    pb_sampler *sampler;       /* --out: samples.csv for the runner's runs */
    uint64_t config_id;        /* of the last runner configuration */
    bool out_failed;           /* writing failed: reported once, nothing more written */
    int parent_pid;            /* the demo's own process: forked children never narrate or record */
} pb_demo_ctx;

typedef struct pb_demo {
    const char *name;          /* "race" */
    const char *notes;         /* the course notes it comes from: "003/004" */
    const char *summary;       /* one line, English; shown through gettext */
    void (*run)(pb_demo_ctx *);
    /* The other side of a demo that starts a fresh parbench (pickling's
     * receiver, daemon's main program): `parbench __demo-child NAME ARGS...`
     * calls it with argv[0] = NAME; returns the exit status. NULL for most. */
    int (*child)(int argc, char **argv);
} pb_demo;

/* Every demo, in course order; a demo is added by its file, one line here
 * and one in src/demos/meson.build. */
#define PB_DEMO_LIST(X) \
    X(basics)           \
    X(square_cube)      \
    X(named_processes)  \
    X(life_cycle)       \
    X(daemon)           \
    X(global)           \
    X(queue)            \
    X(pickling)         \
    X(pool_map)         \
    X(ipc)              \
    X(futures)          \
    X(race)             \
    X(gil)              \
    X(sync)

#define PB_X_(id) extern const pb_demo pb_demo_##id;
PB_DEMO_LIST(PB_X_)
#undef PB_X_

extern const pb_demo *const pb_demos[];   /* NULL-terminated, in course order */
const pb_demo *pb_find_demo(const char *name);

/* The hidden command `parbench __demo-child NAME ARGS...`: runs the child
 * side of demo NAME. Returns the exit status (2: no such child side). */
int pb_demo_child_main(int argc, char **argv);

/* Prepare a context: quick or not, narration to stdout, nothing recorded. */
void pb_demo_ctx_init(pb_demo_ctx *c, bool quick);

#endif
