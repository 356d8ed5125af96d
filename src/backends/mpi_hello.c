/* Starting an MPI job, its last part: every rank connects back to the
 * listening socket and says hello (with the job's secret, its rank, its
 * host and what it planned), or the start fails with the launcher's own
 * words (mpi_launch.c starts the launcher). */
#include "mpi_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "parbench/clock.h"

#define START_TIMEOUT_NS (120 * INT64_C(1000000000))   /* every rank connected and ready, or the start failed */

typedef struct pending {
    int fd;
    pb_wire_reader in;
} pending;

/* A new connection's first message. 1: a rank said hello (stored), 0: not
 * yet, -1: drop the connection (not one of ours), -2: a rank failed (err). */
static int take_hello(pb_mpi_job *job, pending *p, const char *token, pb_error *err)
{
    long k = pb__wire_fill(&p->in, p->fd);
    if (k < 0)
        return -1;
    pb_wire_head h;
    const void *m = pb__wire_next(&p->in, &h);
    if (!m)
        return p->in.end - p->in.start > sizeof(pb_wire_head) + 65536 ? -1 : 0;
    if (h.type == PB_WIRE_FAIL && h.len > 0) {
        pb_fail(err, PB_E_WORKER, "mpi: %.*s", (int)(h.len < 400 ? h.len : 400), (const char *)m);
        return -2;
    }
    if (h.type != PB_WIRE_HELLO || h.len < 2 * sizeof(uint32_t))
        return -1;
    uint32_t head[2];
    memcpy(head, m, sizeof head);
    if (head[0] != PB_WIRE_MAGIC)
        return -1;                 /* a stranger, or a rank of the other byte order */
    const pb_wire_hello *hello = m;
    if (head[1] != PB_WIRE_VERSION || h.len != sizeof(pb_wire_hello) || hello->layout != pb__wire_layout()) {
        pb_fail(err, PB_E_WORKER, "mpi: a rank runs a parbench-mpi-rank of another build (message version %u, this "
                "parbench %u): install the same parbench everywhere", head[1], PB_WIRE_VERSION);
        return -2;
    }
    if (memcmp(hello->token, token, PB_WIRE_TOKEN_LEN) != 0)
        return -1;                 /* not started by us */
    if (hello->size != job->size || hello->rank >= job->size) {
        pb_fail(err, PB_E_WORKER, "mpi: the launcher started %u ranks where %u were asked for (is the launcher "
                "adding its own -n, or an allocation of another size?)", hello->size, job->size);
        return -2;
    }
    pb_mpi_rank *r = &job->rank[hello->rank];
    if (r->fd >= 0)
        return -1;
    r->fd = p->fd;
    r->hello = *hello;
    r->hello.host[sizeof r->hello.host - 1] = '\0';
    r->hello.boot_id[sizeof r->hello.boot_id - 1] = '\0';
    r->in = p->in;                 /* anything sent after the hello stays in order */
    memset(&p->in, 0, sizeof p->in);
    p->fd = -1;
    return 1;
}

static int start_failed(pb_mpi_job *job, pending *pend, unsigned npend, pb_error *err, int rc)
{
    for (unsigned i = 0; i < npend; i++) {
        if (pend[i].fd >= 0)
            close(pend[i].fd);
        pb__wire_reader_free(&pend[i].in);
    }
    free(pend);
    pb__mpi_job_end(job, false);
    return rc ? rc : err->code;
}

int pb__mpi_await_hellos(pb_mpi_job *job, const char *token, const char *launcher, pb_error *err)
{
    unsigned ranks = job->size;
    pending *pend = NULL;
    unsigned npend = 0, capend = 0, hellos = 0;
    int64_t deadline = pb_now_ns() + START_TIMEOUT_NS;
    while (hellos < ranks) {
        struct pollfd *fds = malloc((npend + 2) * sizeof *fds);
        if (!fds)
            return start_failed(job, pend, npend, err, pb_fail(err, PB_E_NOMEM, "mpi: out of memory"));
        fds[0] = (struct pollfd){ .fd = job->listen_fd, .events = POLLIN };
        fds[1] = (struct pollfd){ .fd = job->out_fd, .events = POLLIN };
        for (unsigned i = 0; i < npend; i++)
            fds[2 + i] = (struct pollfd){ .fd = pend[i].fd, .events = POLLIN };
        poll(fds, npend + 2, 10);
        free(fds);
        pb__mpi_job_read_output(job);
        int c;
        while ((c = accept4(job->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
            if (npend == capend) {
                capend = capend ? 2 * capend : 16;
                pending *grown = realloc(pend, capend * sizeof *pend);
                if (!grown) {
                    close(c);
                    return start_failed(job, pend, npend, err, pb_fail(err, PB_E_NOMEM, "mpi: out of memory"));
                }
                pend = grown;
            }
            int one = 1;
            setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            pend[npend++] = (pending){ .fd = c };
        }
        for (unsigned i = 0; i < npend;) {
            int h = take_hello(job, &pend[i], token, err);
            if (h == -2)
                return start_failed(job, pend, npend, err, 0);
            if (h == 0) {
                i++;
                continue;
            }
            if (h == 1)
                hellos++;
            else {
                close(pend[i].fd);
                pb__wire_reader_free(&pend[i].in);
            }
            pend[i] = pend[--npend];
        }
        if (hellos == ranks)
            break;
        if (pb__mpi_job_launcher_ended(job) || pb_now_ns() >= deadline) {
            bool timed_out = !job->launcher_ended;
            pb__mpi_job_read_output(job);
            char says[512];
            int rr, code;
            pb__mpi_job_says(job, says, sizeof says, &rr, &code);
            if (timed_out)
                pb_fail(err, PB_E_WORKER, "mpi: %u of %u ranks were ready after %lld s%s%s", hellos, ranks,
                        (long long)(START_TIMEOUT_NS / 1000000000), says[0] ? "; the launcher says: " : "", says);
            else
                pb_fail(err, PB_E_WORKER, "mpi: the launcher (%s) ended before every rank was ready (%u of %u)%s%s",
                        launcher, hellos, ranks, says[0] ? ": " : "", says);
            return start_failed(job, pend, npend, err, 0);
        }
    }
    for (unsigned i = 0; i < npend; i++) {
        close(pend[i].fd);
        pb__wire_reader_free(&pend[i].in);
    }
    free(pend);
    return 0;
}
