/* The machine's topology (hwloc), placement policies and binding.
 * src/topology/ is the only place that includes hwloc.h.
 *
 * The topology is loaded once per process and respects the set of PUs the
 * process may use (cgroups, taskset). A placement assigns each of W workers
 * the PUs it is bound to; workers bind themselves before the timed region
 * and the binding is checked. Synthetic topologies (hwloc's description
 * strings, "pack:2 numa:2 core:4 pu:2") let placements be computed and
 * tested for machines we do not have; binding only ever uses this one. */
#ifndef PARBENCH_TOPOLOGY_H
#define PARBENCH_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>

#include "parbench/error.h"

typedef struct pb_topology pb_topology;   /* opaque */

/* Load a topology: this machine (synthetic NULL) or a synthetic one.
 * allowed: a PU list ("0-3,8") restricting the usable PUs further, or NULL
 * (this machine: the PUs this process may run on; synthetic: all). */
int pb_topology_load(pb_topology **out, const char *synthetic, const char *allowed, pb_error *err);
void pb_topology_free(pb_topology *t);

/* This machine's topology, loaded on first use and kept. NULL on failure. */
const pb_topology *pb_topology_this(pb_error *err);

typedef struct pb_topology_summary {
    int packages, numa_nodes, cores, pus;   /* whole machine, as hwloc sees it */
    int allowed_pus;                        /* PUs this process may use */
    int max_smt;                            /* most PUs in one core */
    char allowed[256];                      /* the allowed set as a list, "0-1" */
    char hwloc_version[32];                 /* hwloc library in use */
} pb_topology_summary;

void pb_topology_summarize(const pb_topology *t, pb_topology_summary *s);

/* The usable PUs (OS numbers, ascending); returns how many (at most max). */
unsigned pb_topology_usable(const pb_topology *t, int *out, unsigned max);

/* Print the tree: packages, NUMA nodes, cores and their PUs (allowed marked). */
void pb_topology_print(const pb_topology *t, void *file);

/* ---- placement --------------------------------------------------------- */

/* The policies: id, name, and what it does for `parbench topology --help`,
 * marked N_ for the catalogue (po/POTFILES lists this header): a user of
 * `doc` includes parbench/i18n.h and shows _(doc). */
#define PB_PIN_LIST(X)                                                                                            \
    X(NONE,    "none",    N_("workers are not bound: the scheduler places them (what the course's Python does)")) \
    X(COMPACT, "compact", N_("fill one core after another, one PU per core before any SMT sibling"))              \
    X(SCATTER, "scatter", N_("spread across packages, NUMA nodes and cores (hwloc_distrib), one PU each"))        \
    X(CORE,    "core",    N_("each worker gets a whole core (all its PUs), cores in order"))                      \
    X(PUS,     "PU list", N_("an explicit list of PU numbers, e.g. 0,2,4-7: worker i gets the i-th"))

typedef enum pb_pin_kind {
#define PB_X_(id, name, doc) PB_PIN_##id,
    PB_PIN_LIST(PB_X_)
#undef PB_X_
} pb_pin_kind;

#define PB_PIN_MAX_LIST 1024
/* The longest a policy is written (runs.csv's pin, "pus:0-15,32-47"):
 * a list whose text, consecutive PUs written as ranges, would be longer is
 * refused when parsed, so that what is recorded is what ran. */
#define PB_PIN_TEXT_MAX 160
typedef struct pb_pin_policy {
    pb_pin_kind kind;
    unsigned count;                    /* PB_PIN_PUS: the PUs, OS numbering */
    int pu[PB_PIN_MAX_LIST];
} pb_pin_policy;

/* Parse --pin: none, compact, scatter, core or a PU list. */
int pb_pin_parse(const char *text, pb_pin_policy *out, pb_error *err);
/* "compact", or "pus:0,2" for a list (for results). */
void pb_pin_format(const pb_pin_policy *p, char *buf, size_t size);
/* Check a policy against a topology: a listed PU must be usable. */
int pb_pin_check(const pb_topology *t, const pb_pin_policy *p, pb_error *err);

#define PB_PLACE_MAX_PUS 16            /* PUs of one worker (a whole core) */
typedef struct pb_worker_place {
    unsigned count;                    /* 0: unbound */
    int pu[PB_PLACE_MAX_PUS];          /* OS numbers */
} pb_worker_place;

typedef struct pb_placement {
    pb_pin_kind kind;
    unsigned workers;
    bool oversubscribed;               /* more workers than usable PUs: placed round-robin */
    pb_worker_place *place;            /* one per worker */
} pb_placement;

/* Where W workers go under a policy (round-robin beyond the usable PUs). */
int pb_place(const pb_topology *t, const pb_pin_policy *p, unsigned workers, pb_placement *out, pb_error *err);
void pb_placement_free(pb_placement *pl);
/* "0 2 4 6" (one entry per worker; a whole core as "0-1"; "-" when unbound). */
void pb_placement_format(const pb_placement *pl, char *buf, size_t size);
/* Is PU `cpu` one of the worker's? (Unbound: any PU.) */
bool pb_place_has(const pb_worker_place *wp, int cpu);

/* ---- binding (this machine only) ---------------------------------------- */

/* Bind the calling thread to a worker's PUs and check that it took. An
 * unbound place binds to every usable PU (so a parent's narrower mask never
 * leaks into a worker meant to be free). 0; PB_E_SYS when the kernel refused
 * (err: "cannot bind to PU 3: Operation not permitted"), PB_E_VERIFY when
 * it kept another set than asked, PB_E_NOMEM; or the topology's own error. */
int pb_bind_self(const pb_worker_place *wp, pb_error *err);

/* From now on every binding to a worker's PUs fails as if the kernel
 * answered errno_code (EPERM, EINVAL, ENOSYS), as a restricted container
 * refuses sched_setaffinity; 0 binds for real again. How tests see what
 * parbench does with a refusal. */
void pb_topology_refuse_binding(int errno_code);

#endif
