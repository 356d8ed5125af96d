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
#include "cli/cli.h"
#include "overhead_mpi.h"
#include "parbench/clock.h"
#include "parbench/registry.h"
#include "parbench/topology.h"
#include "shim/pb_gbench.h"

enum { ROUNDS = 31, OPS = 200, COUNTER_ROUNDS = 7 };

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The goal's line and derived row: MET when value <= limit. */
static void goal(const char *what, double value, double limit, const char *how)
{
    bool met = value <= limit;
    char metric[64];
    snprintf(metric, sizeof metric, "ratio <=%g", limit);
    pb_gb_add_result(what, metric, value, "x");
    printf("  %s: %.3f (goal <= %g, %s): %s\n", what, value, limit, how, met ? "MET" : "NOT MET");
}

/* The next message of `type` from a bare rank (others are skipped). */
static const void *await(pb_mpi_job *job, unsigned r, uint32_t type, pb_wire_head *h)
{
    pb_mpi_rank *k = &job->rank[r];
    for (;;) {
        const void *m;
        while ((m = pb_wire_next(&k->in, h)) != NULL)
            if (h->type == type)
                return m;
        struct pollfd p = { .fd = k->fd, .events = POLLIN };
        if (poll(&p, 1, 10000) <= 0)
            return NULL;
        long n = pb_wire_fill(&k->in, k->fd);
        if (n == 0 || (n < 0 && n != -EAGAIN))
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
        if (pb_wire_send(job->rank[r].fd, PB_WIRE_ROUND, &rd, sizeof rd, NULL, 0) != 0)
            return -1;
    pb_wire_head h;
    const pb_wire_bare *b = await(job, 0, PB_WIRE_BARE, &h);
    if (!b || h.len != sizeof *b)
        return -1;
    out->ping_pong_ns = b->ping_pong_ns;
    out->barrier_ns = b->barrier_ns;
    int64_t t0 = pb_now_ns();
    for (unsigned i = 0; i < OPS; i++) {
        if (pb_wire_send(job->rank[0].fd, PB_WIRE_PING, NULL, 0, NULL, 0) != 0 || !await(job, 0, PB_WIRE_PONG, &h))
            return -1;
    }
    out->tcp_ns = (double)(pb_now_ns() - t0) / OPS;
    return 0;
}

typedef struct opened {
    pb_plan plan;
    pb_exec ex;
    bool open;
} opened;

static int open_backend(opened *o, const pb_backend *b, unsigned W, const char *workload, pb_error *err)
{
    pb_workload_spec ws;
    memset(o, 0, sizeof *o);
    if (pb_cli_parse_workload(workload, &ws, err) || pb_plan_create(&o->plan, ws.workload, &ws.params, err))
        return -1;
    o->ex = (pb_exec){ .backend = b, .config = { .workers = W } };
    if (b->open(&o->ex, &o->plan, err)) {
        pb_plan_destroy(&o->plan);
        return -1;
    }
    o->open = true;
    return 0;
}

static void close_backend(opened *o)
{
    if (!o->open)
        return;
    o->ex.backend->close(&o->ex);
    pb_plan_destroy(&o->plan);
    o->open = false;
}

/* One verified run: its wall time in ns, or -1 (err says why). */
static double one_run(opened *o, pb_error *err)
{
    pb_run_stats st = { 0 };
    char result[96];
    pb_plan_reset(&o->plan);
    if (o->ex.backend->execute(&o->ex, &o->plan, &st, err) || pb_plan_verify(&o->plan, result, sizeof result, err))
        return -1;
    return (double)(st.t_end - st.t_start);
}

/* One side of the backend: K one-task runs, their mean wall time and skew. */
typedef struct backend_side {
    const char *name;          /* "unpinned", "--pin compact" */
    opened be;
    pb_placement pl;
    double task[ROUNDS], skew[ROUNDS];
    double each_task[ROUNDS * OPS], each_skew[ROUNDS * OPS];   /* every run: the spread behind the means */
} backend_side;

static int side_round(backend_side *b, unsigned k, pb_error *err)
{
    double sum = 0, skews = 0;
    for (unsigned i = 0; i < OPS; i++) {
        double w = one_run(&b->be, err);
        if (w < 0)
            return -1;
        double sk = (double)pb_mpi_gate_skew_ns(&b->be.ex);
        sum += w;
        skews += sk;
        b->each_task[k * OPS + i] = w;
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
    if (pb_mpi_job_start(&bare, NULL, 2, bare_args, &err) != 0) {
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
        failed = open_backend(&sides[b].be, &pb_backend_mpi, 2, "counter:n=1,tasks=1", &err) != 0;
        if (!failed && b == 1) {   /* reopen with the placement */
            close_backend(&sides[1].be);
            pb_workload_spec ws;
            pb_cli_parse_workload("counter:n=1,tasks=1", &ws, &err);
            failed = pb_plan_create(&sides[1].be.plan, ws.workload, &ws.params, &err) != 0;
            sides[1].be.ex = (pb_exec){ .backend = &pb_backend_mpi, .config = { .workers = 2, .placement = &sides[1].pl } };
            failed = failed || pb_backend_mpi.open(&sides[1].be.ex, &sides[1].be.plan, &err) != 0;
            sides[1].be.open = !failed;
        }
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
                } else {
                    failed = side_round(&sides[side - 1], k, &err) != 0;
                }
            }
        }
        pb_gb_set_iteration_time(gs, failed ? 0 : median(sides[0].task, ROUNDS) / 1e9);
    }
    for (int b = 0; b < 2; b++)
        close_backend(&sides[b].be);
    pb_placement_free(&sides[1].pl);
    for (unsigned r = 0; r < bare.size; r++)
        pb_wire_send(bare.rank[r].fd, PB_WIRE_QUIT, NULL, 0, NULL, 0);
    pb_mpi_job_end(&bare, true);
    if (failed) {
        pb_gb_skip_with_error(gs, err.msg);
        return;
    }
    double m_pp = median(pp, ROUNDS), m_bar = median(bar, ROUNDS), m_tcp = median(tcp, ROUNDS);
    pb_gb_counter(gs, "bare_ping_pong_us", m_pp / 1e3, 0);
    pb_gb_counter(gs, "bare_barrier_us", m_bar / 1e3, 0);
    pb_gb_counter(gs, "bare_tcp_round_trip_us", m_tcp / 1e3, 0);
    printf("\nmpi, 2 ranks on this machine (medians of %d rounds' means of %d; bare, unpinned and pinned rounds "
           "alternate):\n  bare MPI ping-pong round trip %.2f us, MPI_Barrier %.2f us, TCP round trip "
           "parbench<->rank 0 %.2f us\n", ROUNDS, OPS, m_pp / 1e3, m_bar / 1e3, m_tcp / 1e3);
    for (int b = 0; b < 2; b++) {
        backend_side *x = &sides[b];
        double m_task = median(x->task, ROUNDS), m_skew = median(x->skew, ROUNDS);
        pb_gb_counter(gs, b ? "pinned_one_task_us" : "one_task_us", m_task / 1e3, 0);
        pb_gb_counter(gs, b ? "pinned_gate_skew_us" : "gate_skew_us", m_skew / 1e3, 0);
        double p90 = (qsort(x->each_skew, ROUNDS * OPS, sizeof(double), cmp_double), x->each_skew[ROUNDS * OPS * 9 / 10]);
        printf("  %s: one task through the mpi backend %.2f us, start gate skew %.2f us (over all %d runs: one task "
               "median %.2f us; skew median %.2f us, 90th percentile %.2f us)\n", x->name, m_task / 1e3, m_skew / 1e3,
               ROUNDS * OPS, median(x->each_task, ROUNDS * OPS) / 1e3, median(x->each_skew, ROUNDS * OPS) / 1e3,
               p90 / 1e3);
        char what[128];
        snprintf(what, sizeof what, "mpi backend (%s), 1 task / (MPI ping-pong + TCP round trip)", x->name);
        goal(what, m_task / (m_pp + m_tcp), 2, "one run's hand-offs against the bare ones they rest on");
        snprintf(what, sizeof what, "mpi start gate skew (%s) / MPI_Barrier", x->name);
        goal(what, m_skew / m_bar, 1, "ranks leave the start gate within one barrier");
    }
}

/* The course's counter: speedup over serial, mpi against process-pool. */
static void bm_mpi_counter(pb_gb_state *gs, void *user)
{
    (void)user;
    pb_error err = { 0 };
    opened o[3];
    const pb_backend *bes[3] = { &pb_backend_serial, &pb_backend_process_pool, &pb_backend_mpi };
    unsigned W[3] = { 1, 2, 2 };
    for (int b = 0; b < 3; b++)
        if (open_backend(&o[b], bes[b], W[b], "counter:n=1e8,tasks=2", &err) != 0) {
            pb_gb_skip_with_error(gs, err.msg);
            for (int c = 0; c < b; c++)
                close_backend(&o[c]);
            return;
        }
    double wall[3][COUNTER_ROUNDS];
    bool failed = false;
    while (pb_gb_keep_running(gs)) {
        for (unsigned k = 0; k < COUNTER_ROUNDS && !failed; k++)
            for (int i = 0; i < 3 && !failed; i++) {
                int b = (int)((i + k) % 3);   /* each backend first in turn */
                wall[b][k] = one_run(&o[b], &err);
                failed = wall[b][k] < 0;
            }
        pb_gb_set_iteration_time(gs, failed ? 0 : median(wall[2], COUNTER_ROUNDS) / 1e9);
    }
    for (int b = 0; b < 3; b++)
        close_backend(&o[b]);
    if (failed) {
        pb_gb_skip_with_error(gs, err.msg);
        return;
    }
    double serial = median(wall[0], COUNTER_ROUNDS), pool = median(wall[1], COUNTER_ROUNDS);
    double ranks = median(wall[2], COUNTER_ROUNDS);
    pb_gb_counter(gs, "serial_ms", serial / 1e6, 0);
    pb_gb_counter(gs, "process_pool_speedup", serial / pool, 0);
    pb_gb_counter(gs, "mpi_speedup", serial / ranks, 0);
    printf("\ncounter n=1e8, 2 tasks, W=2 (medians of %d rounds): serial %.2f ms; process-pool %.2f ms (%.2fx); "
           "mpi %.2f ms (%.2fx)\n", COUNTER_ROUNDS, serial / 1e6, pool / 1e6, serial / pool, ranks / 1e6,
           serial / ranks);
    /* within 10%: the pool's speedup over the mpi backend's at most 1/0.9 */
    goal("counter speedup, process-pool / mpi", (serial / pool) / (serial / ranks), 1 / 0.9,
         "mpi's speedup within 10% of the process pool's");
}

void pb_overhead_mpi_register(void)
{
    const char *why = pb_backend_unavailable(&pb_backend_mpi);
    if (*why) {
        printf("overhead: no mpi rows: %s\n", why);
        return;
    }
    pb_gb_register(&(pb_gb_def){ .name = "mpi/one_task_vs_bare", .fn = bm_mpi_one_task, .manual_time = true,
                                 .unit = PB_GB_US, .iterations = 1 });
    pb_gb_register(&(pb_gb_def){ .name = "mpi/counter_speedup_vs_process_pool", .fn = bm_mpi_counter,
                                 .manual_time = true, .unit = PB_GB_MS, .iterations = 1 });
}
