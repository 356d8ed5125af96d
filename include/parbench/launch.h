/* The MPI launcher the mpi backend runs: checking it before anything runs,
 * and describing it for machine.csv and --verbose. */
#ifndef PARBENCH_LAUNCH_H
#define PARBENCH_LAUNCH_H

#include <stddef.h>

#include "parbench/backend.h"

/* Bad input (exit 2 at the command line): the launcher is not a program on
 * PATH, the hostfile cannot be read, or srun was given a hostfile. */
int pb_launch_check(const pb_launch_options *opts, pb_error *err);

/* The command every job runs, with `count` in place of the rank count:
 * "mpirun --allow-run-as-root ... -n W /usr/bin/parbench-mpi-rank". */
void pb_launch_describe(const pb_launch_options *opts, const char *count, char *buf, size_t size);

#endif
