/* What the mpi backend tells the benchmark programs beyond pb_run_stats.
 * Internal to src/backends/ and bench/. */
#ifndef PARBENCH_BACKENDS_MPI_H
#define PARBENCH_BACKENDS_MPI_H

#include <stdint.h>

#include "parbench/backend.h"

/* The start gate's skew in the last run of an open mpi backend: the latest
 * minus the earliest rank's time out of the start barrier, in ns; -1 when
 * not every rank runs on parbench's host (their clocks do not compare). */
int64_t pb__mpi_gate_skew_ns(const pb_exec *ex);

#endif
