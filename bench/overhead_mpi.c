/* overhead's MPI rows: the mpi backend against bare MPI, measured in the
 * same run, in alternating rounds, each side summarised by the median of
 * its per-round means (so a slow moment of the shared machine lands on
 * both sides).
 *
 * Bare side, as OSU's osu_latency and osu_barrier measure them (read, not
 * copied): two ranks of parbench-mpi-rank --bare, started by mpirun like
 * the backend's; per round, K one-byte MPI_Send/MPI_Recv round trips timed
 * together, then K MPI_Barrier timed on every rank and averaged over the
 * ranks; and K round trips of one message between this process and rank 0
 * over TCP, both sides blocking: the hand-off the backend makes between
 * parbench and its ranks.
 *
 * Backend side: one task (counter:n=1) through an open mpi backend with 2
 * ranks, K runs per round, each verified; its wall time per run, and the
 * start gate's skew (latest minus earliest rank out of the start barrier).
 *
 * Goals, each printed MET or NOT MET and added to the CSV:
 *   one task <= 2 x (MPI ping-pong round trip + TCP round trip);
 *   gate skew <= one MPI_Barrier;
 *   and the course's counter (n=1e8, 2 tasks, W=2): the mpi backend's
 *   speedup over serial within 10% of the process pool's (>= 0.9x). */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/mpi.h"
#include "backends/mpi_launch.h"
#include "opened.h"
#include "overhead_mpi.h"
#include "parbench/clock.h"
#include "parbench/registry.h"
#include "parbench/stats.h"
#include "parbench/topology.h"
#include "shim/pb_gbench.h"

enum { ROUNDS = 31, OPS = 200, COUNTER_ROUNDS = 7 };

/* The goal's derived row and its MET / NOT MET line (the shim prints it). */
static void goal(const char *what, double value, const char *limit)
{
    pb_gb_add_result(what, "ratio", value, "x", limit);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The next message of `type` from a bare rank (others are skipped). */
static const void *await(pb_mpi_job *job, unsigned r, uint32_t type, pb_wire_head *h)
{
    pb_mpi_rank *k = &job->rank[r];
    for (;;) {
        const void *m;
        while ((m = pb__wire_next(&k->in, h)) != NULL)
            if (h->type == type)
                return m;
        struct pollfd p = { .fd = k->fd, .events = POLLIN };
        if (poll(&p, 1, 10000) <= 0)
            return NULL;
        if (pb__wire_fill(&k->in, k->fd) < 0)
            return NULL;
    }
}

typedef struct bare_round {
    double ping_pong_ns, barrier_ns, tcp_ns;
} bare_round;

static int bare_round_run(pb_mpi_job *job, bare_round *out)
{
    pb_wire_round rd = { .ops = OPS };
    for (unsigned r = 0; r < job->size; r++)
        if (pb__wire_send(job->rank[r].fd, PB_WIRE_ROUND, &rd, sizeof rd, NULL, 0) != 0)
            return PB_E_WORKER;
    pb_wire_head h;
    const pb_wire_bare *b = await(job, 0, PB_WIRE_BARE, &h);
    if (!b || h.len != sizeof *b)
        return PB_E_WORKER;
    out->ping_pong_ns = b->ping_pong_ns;
    out->barrier_ns = b->barrier_ns;
    int64_t t0 = pb_now_ns();
    for (unsigned i = 0; i < OPS; i++) {
        if (pb__wire_send(job->rank[0].fd, PB_WIRE_PING, NULL, 0, NULL, 0) != 0 || !await(job, 0, PB_WIRE_PONG, &h))
            return PB_E_WORKER;
    }
    out->tcp_ns = (double)(pb_now_ns() - t0) / OPS;
    return 0;
}

/* One side of the backend: K one-task runs, their mean wall time and skew. */
typedef struct backend_side {
    const char *name;          /* "unpinned", "--pin compact" */
    pb_opened o;
    bool open;
    pb_placement pl;
    double task[ROUNDS], skew[ROUNDS];
    double each_task[ROUNDS * OPS], each_skew[ROUNDS * OPS];   /* every run: the spread behind the means */
} backend_side;

static int side_round(backend_side *b, unsigned k)
{
    double sum = 0, skews = 0;
    for (unsigned i = 0; i < OPS; i++) {
        int64_t w = pb__opened_round(&b->o);
        if (w < 0)
            return PB_E_WORKER;
        double sk = (double)pb__mpi_gate_skew_ns(&b->o.ex);
        sum += (double)w;
        skews += sk;
        b->each_task[k * OPS + i] = (double)w;
        b->each_skew[k * OPS + i] = sk;
    }
    b->task[k] = sum / OPS;
    b->skew[k] = skews / OPS;
    return 0;
}

static void bm_mpi_one_task(pb_gb_state *gs, void *user)
{
    (void)user;
    pb_error err = { 0 };
    pb_mpi_job bare;
    static const char *const bare_args[] = { "--bare", NULL };
    if (pb__mpi_job_start(&bare, NULL, 2, bare_args, &err) != 0) {
        pb_gb_skip_with_error(gs, err.msg);
        return;
    }
    /* the backend unpinned (the scheduler places the ranks), and with
     * --pin compact (parbench's own binding: a PU each) */
    static backend_side sides[2];
    sides[0] = (backend_side){ .name = "unpinned" };
    sides[1] = (backend_side){ .name = "--pin compact" };
    pb_pin_policy compact;
    const pb_topology *topo = pb_topology_this(&err);
    bool failed = !topo || pb_pin_parse("compact", &compact, &err) || pb_place(topo, &compact, 2, &sides[1].pl, &err);
    for (int b = 0; b < 2 && !failed; b++) {
        pb_exec_config cfg = { .workers = 2, .placement = b ? &sides[1].pl : NULL };
        failed = pb__opened_open(&sides[b].o, "counter:n=1,tasks=1", &pb_backend_mpi, &cfg) != 0;
        if (failed)
            err = sides[b].o.err;
        sides[b].open = !failed;
    }
    double pp[ROUNDS], bar[ROUNDS], tcp[ROUNDS];
    while (pb_gb_keep_running(gs)) {
        for (unsigned k = 0; k < ROUNDS && !failed; k++) {
            for (unsigned i = 0; i < 3 && !failed; i++) {
                unsigned side = (i + k) % 3;   /* each side first in turn */
                if (side == 0) {
                    bare_round br;
                    if (bare_round_run(&bare, &br) != 0) {
                        pb_fail(&err, PB_E_WORKER, "the bare MPI ranks stopped answering");
                        failed = true;
                        break;
                    }
                    pp[k] = br.ping_pong_ns;
                    bar[k] = br.barrier_ns;
                    tcp[k] = br.tcp_ns;
                } else if (side_round(&sides[side - 1], k) != 0) {
                    err = sides[side - 1].o.err;
                    failed = true;
                }
            }
        }
        pb_gb_set_iteration_time(gs, failed ? 0 : pb_median(sides[0].task, ROUNDS) / 1e9);
    }
    for (int b = 0; b < 2; b++)
        if (sides[b].open)
            pb__opened_close(&sides[b].o);
    pb_placement_free(&sides[1].pl);
    for (unsigned r = 0; r < bare.size; r++)
        pb__wire_send(bare.rank[r].fd, PB_WIRE_QUIT, NULL, 0, NULL, 0);
    pb__mpi_job_end(&bare, true);
    if (failed) {
        pb_gb_skip_with_error(gs, err.msg);
        return;
    }
    double m_pp = pb_median(pp, ROUNDS), m_bar = pb_median(bar, ROUNDS), m_tcp = pb_median(tcp, ROUNDS);
    pb_gb_counter(gs, "bare_ping_pong_us", m_pp / 1e3, 0);
    pb_gb_counter(gs, "bare_barrier_us", m_bar / 1e3, 0);
    pb_gb_counter(gs, "bare_tcp_round_trip_us", m_tcp / 1e3, 0);
    FILE *out = pb_gb_text();
    fprintf(out, "\nmpi, 2 ranks on this machine (medians of %d rounds' means of %d; bare, unpinned and pinned rounds "
            "rotate):\n  bare MPI ping-pong round trip %.2f us, MPI_Barrier %.2f us, TCP round trip "
            "parbench<->rank 0 %.2f us\n", ROUNDS, OPS, m_pp / 1e3, m_bar / 1e3, m_tcp / 1e3);
    for (int b = 0; b < 2; b++) {
        backend_side *x = &sides[b];
        double m_task = pb_median(x->task, ROUNDS), m_skew = pb_median(x->skew, ROUNDS);
        pb_gb_counter(gs, b ? "pinned_one_task_us" : "one_task_us", m_task / 1e3, 0);
        pb_gb_counter(gs, b ? "pinned_gate_skew_us" : "gate_skew_us", m_skew / 1e3, 0);
        qsort(x->each_skew, ROUNDS * OPS, sizeof(double), cmp_double);
        fprintf(out, "  %s: one task through the mpi backend %.2f us, start gate skew %.2f us (over all %d runs: one "
                "task median %.2f us; skew median %.2f us, 90th percentile %.2f us)\n", x->name, m_task / 1e3,
                m_skew / 1e3, ROUNDS * OPS, pb_median(x->each_task, ROUNDS * OPS) / 1e3,
                x->each_skew[ROUNDS * OPS / 2] / 1e3, x->each_skew[ROUNDS * OPS * 9 / 10] / 1e3);
    }
    for (int b = 0; b < 2; b++) {
        backend_side *x = &sides[b];
        char what[128];
        snprintf(what, sizeof what, "mpi backend (%s), 1 task / (MPI ping-pong + TCP round trip)", x->name);
        goal(what, pb_median(x->task, ROUNDS) / (m_pp + m_tcp), "<=2");
        snprintf(what, sizeof what, "mpi start gate skew (%s) / MPI_Barrier", x->name);
        goal(what, pb_median(x->skew, ROUNDS) / m_bar, "<=1");
    }
}

/* The course's counter: speedup over serial, mpi against process-pool. */
static void bm_mpi_counter(pb_gb_state *gs, void *user)
{
    (void)user;
    pb_opened o[3];
    const pb_backend *bes[3] = { &pb_backend_serial, &pb_backend_process_pool, &pb_backend_mpi };
    unsigned W[3] = { 1, 2, 2 };
    for (int b = 0; b < 3; b++)
        if (pb__opened_open(&o[b], "counter:n=1e8,tasks=2", bes[b], &(pb_exec_config){ .workers = W[b] }) != 0) {
            pb_gb_skip_with_error(gs, o[b].err.msg);
            for (int c = 0; c < b; c++)
                pb__opened_close(&o[c]);
            return;
        }
    double wall[3][COUNTER_ROUNDS];
    int failed = -1;
    while (pb_gb_keep_running(gs)) {
        for (unsigned k = 0; k < COUNTER_ROUNDS && failed < 0; k++)
            for (int i = 0; i < 3 && failed < 0; i++) {
                int b = (int)((i + k) % 3);   /* each backend first in turn */
                int64_t ns = pb__opened_round(&o[b]);
                wall[b][k] = (double)ns;
                if (ns < 0)
                    failed = b;
            }
        pb_gb_set_iteration_time(gs, failed >= 0 ? 0 : pb_median(wall[2], COUNTER_ROUNDS) / 1e9);
    }
    if (failed >= 0)
        pb_gb_skip_with_error(gs, o[failed].err.msg);
    for (int b = 0; b < 3; b++)
        pb__opened_close(&o[b]);
    if (failed >= 0)
        return;
    double serial = pb_median(wall[0], COUNTER_ROUNDS), pool = pb_median(wall[1], COUNTER_ROUNDS);
    double ranks = pb_median(wall[2], COUNTER_ROUNDS);
    pb_gb_counter(gs, "serial_ms", serial / 1e6, 0);
    pb_gb_counter(gs, "process_pool_speedup", serial / pool, 0);
    pb_gb_counter(gs, "mpi_speedup", serial / ranks, 0);
    fprintf(pb_gb_text(), "\ncounter n=1e8, 2 tasks, W=2 (medians of %d rounds): serial %.2f ms; process-pool %.2f ms "
            "(%.2fx); mpi %.2f ms (%.2fx)\n", COUNTER_ROUNDS, serial / 1e6, pool / 1e6, serial / pool, ranks / 1e6,
            serial / ranks);
    /* within 10%: the pool's speedup over the mpi backend's at most 1/0.9 */
    goal("counter speedup, process-pool / mpi (mpi within 10%)", (serial / pool) / (serial / ranks), "<=1.111");
}

void pb__overhead_mpi_register(void)
{
    const char *why = pb_backend_unavailable(&pb_backend_mpi);
    if (*why) {
        fprintf(stderr, "overhead: no mpi rows: %s\n", why);
        return;
    }
    pb_gb_register(&(pb_gb_def){ .name = "mpi/one_task_vs_bare", .fn = bm_mpi_one_task, .manual_time = true,
                                 .unit = PB_GB_US, .iterations = 1 });
    pb_gb_register(&(pb_gb_def){ .name = "mpi/counter_speedup_vs_process_pool", .fn = bm_mpi_counter,
                                 .manual_time = true, .unit = PB_GB_MS, .iterations = 1 });
}
