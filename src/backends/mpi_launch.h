/* Starting and ending an MPI job of parbench-mpi-rank processes: the
 * launcher's command line, the listening socket the ranks connect back to,
 * their hellos, the launcher's output, and a teardown that leaves no
 * launcher, daemon or rank behind. Internal to the mpi backend (and to
 * bench/overhead, which starts bare MPI ranks the same way). */
#ifndef PARBENCH_BACKENDS_MPI_LAUNCH_H
#define PARBENCH_BACKENDS_MPI_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "mpi_wire.h"
#include "parbench/backend.h"

#define PB_MPI_RANK_PROGRAM "parbench-mpi-rank"   /* installed next to parbench */
#define PB_MPI_RANK_ENV "PARBENCH_MPI_RANK"       /* or where this says (tests; hosts where it lives elsewhere) */

typedef struct pb_mpi_rank {
    int fd;                    /* its stream (non-blocking); -1 once closed */
    pb_wire_reader in;
    pb_wire_hello hello;
    bool local;                /* on parbench's host and boot: same clock, same /proc/stat */
} pb_mpi_rank;

typedef struct pb_mpi_job {
    pid_t launcher;            /* mpirun or srun, our child; 0 once reaped */
    int launcher_status;       /* its wait status, once reaped */
    bool launcher_ended;
    int listen_fd;             /* the ranks connect here */
    int out_fd;                /* the launcher's stdout and stderr */
    unsigned size;             /* ranks */
    pb_mpi_rank *rank;         /* indexed by MPI rank */
    bool verbose;              /* echo the launcher's output */
    char tail[4096];           /* the launcher's last output, for messages */
    size_t tail_len;
    char command[8192];        /* the command as run */
} pb_mpi_job;

/* The rank program's path: $PARBENCH_MPI_RANK, else next to this
 * executable. 0, or -1 when the path does not fit. */
int pb__mpi_rank_path(char *buf, size_t size);

/* "" when the mpi backend can run here, else why not (one sentence). */
const char *pb__mpi_unavailable(void);

/* Start `ranks` ranks running the rank program with `args` (NULL-ended)
 * after its connection arguments; returns when every rank has said hello,
 * or fails (the launcher's own words in err) with nothing left running. */
int pb__mpi_job_start(pb_mpi_job *job, const pb_launch_options *opts, unsigned ranks, const char *const *args,
                     pb_error *err);

/* Read what the launcher printed (into tail; echoed when verbose). */
void pb__mpi_job_read_output(pb_mpi_job *job);

/* Without waiting: has the launcher ended? (It is reaped then.) */
bool pb__mpi_job_launcher_ended(pb_mpi_job *job);

/* The launcher's most telling line of output, "" if it said nothing. When
 * it names a rank's exit code ("Exit code: 3"), *rank and *code get them
 * (else -1). */
void pb__mpi_job_says(const pb_mpi_job *job, char *buf, size_t size, int *rank, int *code);

/* End the job. quit: rank 0 was sent QUIT, so the ranks finalize and the
 * launcher should exit by itself within a few seconds; else (or when it
 * does not) close every stream (each rank's watcher ends it), then
 * SIGTERM the launcher, then SIGKILL; always reaped. */
void pb__mpi_job_end(pb_mpi_job *job, bool quit);

#endif
