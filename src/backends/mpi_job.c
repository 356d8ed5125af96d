/* A running MPI job: what its launcher prints (kept for messages, echoed
 * with --verbose), whether the launcher has ended, and the job's end, which
 * leaves no launcher, daemon or rank behind (mpi_launch.h). */
#include "mpi_launch.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/worker/children.h"
#include "parbench/clock.h"

#define QUIT_GRACE_NS (10 * INT64_C(1000000000))      /* ranks finalize and the launcher exits by itself */
#define CLOSED_GRACE_NS (1 * INT64_C(1000000000))     /* ranks whose stream closed end themselves */
#define TERM_GRACE_NS (3 * INT64_C(1000000000))       /* the launcher ends its job after SIGTERM */

void pb__mpi_job_read_output(pb_mpi_job *job)
{
    if (job->out_fd < 0)
        return;
    char chunk[4096];
    for (;;) {
        ssize_t k = read(job->out_fd, chunk, sizeof chunk);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0) {          /* every writer is gone */
                close(job->out_fd);
                job->out_fd = -1;
            }
            return;
        }
        if (job->verbose) {
            ssize_t ignored = write(STDERR_FILENO, chunk, (size_t)k);
            (void)ignored;
        }
        /* keep the last sizeof tail bytes */
        size_t n = (size_t)k, cap = sizeof job->tail - 1;
        if (n >= cap) {
            memcpy(job->tail, chunk + n - cap, cap);
            job->tail_len = cap;
        } else {
            if (job->tail_len + n > cap) {
                size_t drop = job->tail_len + n - cap;
                memmove(job->tail, job->tail + drop, job->tail_len - drop);
                job->tail_len -= drop;
            }
            memcpy(job->tail + job->tail_len, chunk, n);
            job->tail_len += n;
        }
        job->tail[job->tail_len] = '\0';
    }
}

void pb__mpi_job_says(const pb_mpi_job *job, char *buf, size_t size, int *rank, int *code)
{
    *rank = *code = -1;
    buf[0] = '\0';
    size_t len = 0;
    char text[sizeof job->tail];
    memcpy(text, job->tail, job->tail_len);
    text[job->tail_len] = '\0';
    const char *name = strstr(text, "Process name: [[");
    const char *exit_code = strstr(text, "Exit code:");
    if (name && exit_code) {   /* Open MPI names the first rank that exited badly */
        const char *r = strstr(name, "],");
        if (r)
            *rank = atoi(r + 2);
        *code = atoi(exit_code + 10);
    }
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && len + 1 < size; line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t')
            line++;
        if (!*line || strspn(line, "-=*") == strlen(line))
            continue;              /* rules around Open MPI's help texts */
        len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "", line);
        if (len > 160)
            break;                 /* its first sentence or two say what happened */
    }
}

bool pb__mpi_job_launcher_ended(pb_mpi_job *job)
{
    if (job->launcher_ended)
        return true;
    if (job->launcher <= 0)
        return true;
    int status;
    pid_t got = pb__children_reap(job->launcher, &status, WNOHANG, NULL);
    if (got == job->launcher || (got < 0 && errno == ECHILD)) {
        job->launcher_status = got == job->launcher ? status : 0;
        job->launcher_ended = true;
        job->launcher = 0;
    }
    return job->launcher_ended;
}

/* Wait until the launcher ends or the deadline passes, reading its output. */
static bool wait_launcher(pb_mpi_job *job, int64_t deadline)
{
    while (!pb__mpi_job_launcher_ended(job)) {
        if (pb_now_ns() >= deadline)
            return false;
        if (job->out_fd >= 0) {
            struct pollfd p = { .fd = job->out_fd, .events = POLLIN };
            poll(&p, 1, 10);
            pb__mpi_job_read_output(job);
        } else {
            nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
        }
    }
    pb__mpi_job_read_output(job);
    return true;
}

static void close_streams(pb_mpi_job *job)
{
    for (unsigned r = 0; r < job->size && job->rank; r++)
        if (job->rank[r].fd >= 0) {
            close(job->rank[r].fd);
            job->rank[r].fd = -1;
        }
}

void pb__mpi_job_end(pb_mpi_job *job, bool quit)
{
    if (quit)
        wait_launcher(job, pb_now_ns() + QUIT_GRACE_NS);
    close_streams(job);                    /* each rank's watcher ends its rank */
    if (!pb__mpi_job_launcher_ended(job)) {
        if (!wait_launcher(job, pb_now_ns() + CLOSED_GRACE_NS)) {
            kill(job->launcher, SIGTERM);  /* Open MPI's launcher ends its job, daemons included */
            if (!wait_launcher(job, pb_now_ns() + TERM_GRACE_NS)) {
                kill(-job->launcher, SIGKILL);   /* its process group: the launcher and what it started there */
                kill(job->launcher, SIGKILL);
                int status;
                if (pb__children_reap(job->launcher, &status, 0, NULL) == job->launcher)
                    job->launcher_status = status;
                job->launcher = 0;
                job->launcher_ended = true;
            }
        }
    }
    if (job->listen_fd >= 0)
        close(job->listen_fd);
    if (job->out_fd >= 0)
        close(job->out_fd);
    job->listen_fd = job->out_fd = -1;
    for (unsigned r = 0; r < job->size && job->rank; r++)
        pb__wire_reader_free(&job->rank[r].in);
    free(job->rank);
    job->rank = NULL;
}
