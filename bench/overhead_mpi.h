/* overhead's MPI rows (bench/overhead_mpi.c): the mpi backend against bare
 * MPI in the same run. Registers nothing, and says why, when the backend is
 * not available here. */
#ifndef PB_BENCH_OVERHEAD_MPI_H
#define PB_BENCH_OVERHEAD_MPI_H

void pb__overhead_mpi_register(void);

#endif
