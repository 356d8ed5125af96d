/* Every workload and backend, each listed once. Adding one means writing
 * its file and adding its name to the list here; nothing else changes. */
#ifndef PARBENCH_REGISTRY_H
#define PARBENCH_REGISTRY_H

#include <stddef.h>

#include "parbench/backend.h"
#include "parbench/workload.h"

/* In course order: the notes start with sleeps, then counting, then maps. */
#define PB_WORKLOAD_LIST(X) \
    X(square_cube)          \
    X(sleep_square)         \
    X(counter)              \
    X(map)

/* From no concurrency to the most machinery. */
#define PB_BACKEND_LIST(X) \
    X(serial)              \
    X(pthread)             \
    X(fork)                \
    X(thread_pool)         \
    X(process_pool)        \
    X(openmp)              \
    X(mpi)

#define PB_X_(id) extern const pb_workload pb_workload_##id;
PB_WORKLOAD_LIST(PB_X_)
#undef PB_X_
#define PB_X_(id) extern const pb_backend pb_backend_##id;
PB_BACKEND_LIST(PB_X_)
#undef PB_X_

extern const pb_workload *const pb_workloads[];   /* NULL-terminated */
extern const pb_backend *const pb_backends[];     /* NULL-terminated */

const pb_workload *pb_find_workload(const char *name);
const pb_backend *pb_find_backend(const char *name);
/* "" when the backend can run here, else why not. */
const char *pb_backend_unavailable(const pb_backend *b);

/* One workload with its parameters, as written: "counter:n=1e8,tasks=4". */
typedef struct pb_workload_spec {
    const pb_workload *workload;
    pb_params params;          /* every parameter, defaults filled in, checked */
} pb_workload_spec;

/* Parse NAME[:k=v,...] into a registered workload and its checked
 * parameters. On error out->workload is NULL when NAME is what was wrong. */
int pb_workload_spec_parse(const char *text, pb_workload_spec *out, pb_error *err);

#endif
