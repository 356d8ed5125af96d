/* parbench-mpi-rank's waiting, one policy everywhere (rank.c): test the MPI
 * request (or the socket) in a loop while the rank may spin, then yield,
 * then sleep; between runs, sleep in poll() on the socket until the
 * parent's WAKE. */
#include "rank.h"

#include <poll.h>
#include <sched.h>
#include <time.h>

#include "parbench/clock.h"

#define YIELD_NS 1000000          /* after the run's spin (rank.c), sched_yield between tests for this long */
#define SLEEP_MAX_NS 1000000      /* then sleeps growing to this between tests */
#define POST_WAKE_NS 2000000     /* a woken rank stays awake (yielding) this long for the Bcast */
#define IDLE_POLL_MS 100          /* a sleeping rank still tests MPI this often (a safety net: WAKE comes first) */

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

void pb__rank_back_off(int64_t waited, int64_t *nap)
{
    if (waited < pb__run_spin_ns) {
        relax();
    } else if (waited < pb__run_spin_ns + YIELD_NS) {
        sched_yield();
    } else {
        struct timespec ts = { 0, *nap };
        nanosleep(&ts, NULL);
        *nap = *nap * 2 < SLEEP_MAX_NS ? *nap * 2 : SLEEP_MAX_NS;
    }
}

void pb__rank_wait_soon(MPI_Request *req)
{
    int flag = 0;
    int64_t t0 = pb_now_ns(), nap = 20000;
    for (;;) {
        MPI_Test(req, &flag, MPI_STATUS_IGNORE);
        if (flag)
            return;
        pb__rank_back_off(pb_now_ns() - t0, &nap);
    }
}

void pb__rank_wait_idle(MPI_Request *req, uint32_t run)
{
    int flag = 0;
    int64_t t0 = pb_now_ns();
    for (;;) {
        MPI_Test(req, &flag, MPI_STATUS_IGNORE);
        if (flag)
            return;
        if (pb_now_ns() - t0 >= pb__spin_ns)
            break;
        relax();
    }
    for (;;) {
        pb_wire_run r = { run };
        pb__rank_send_or_die(PB_WIRE_SLEEP, &r, sizeof r, NULL, 0);
        bool woken = false;
        while (!woken) {
            struct pollfd p = { .fd = pb__parent_fd, .events = POLLIN };
            poll(&p, 1, IDLE_POLL_MS);
            pb_wire_head h;
            const void *m;
            while ((m = pb__rank_poll_parent(&h)) != NULL)
                if (h.type == PB_WIRE_WAKE && h.len == sizeof(pb_wire_run) &&
                    ((const pb_wire_run *)m)->run >= run)
                    woken = true;      /* an older run's WAKE, read late, is not one */
            MPI_Test(req, &flag, MPI_STATUS_IGNORE);
            if (flag)
                return;
        }
        int64_t t1 = pb_now_ns();
        while (pb_now_ns() - t1 < POST_WAKE_NS) {
            MPI_Test(req, &flag, MPI_STATUS_IGNORE);
            if (flag)
                return;
            sched_yield();
        }
    }
}

int32_t pb__rank_wait_command(int64_t *at)
{
    int64_t t0 = pb_now_ns();
    for (;;) {
        pb_wire_head h;
        const void *m;
        while ((m = pb__rank_poll_parent(&h)) != NULL) {
            if (h.type == PB_WIRE_GO && h.len == sizeof(pb_wire_run)) {
                *at = pb_now_ns();
                return (int32_t)((const pb_wire_run *)m)->run;
            }
            if (h.type == PB_WIRE_QUIT) {
                *at = pb_now_ns();
                return -1;
            }
        }
        if (pb_now_ns() - t0 < pb__spin_ns) {
            relax();
            continue;
        }
        struct pollfd p = { .fd = pb__parent_fd, .events = POLLIN };
        poll(&p, 1, -1);
    }
}
