/* parbench-mpi-rank's runs: through the start gate (MPI_Ibarrier), then its
 * static block of tasks, or chunks claimed from rank 0's counter (an MPI
 * window, or messages rank 0 answers between its own tasks); every outcome
 * goes to parbench as the task ends, DONE with the rank's CPU closes its
 * part; the host's sampler, where a rank runs one, sends its samples. */
#include "rank.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "parbench/backend.h"
#include "parbench/clock.h"
#include "parbench/machine.h"

/* ---- a node's sampler (hosts other than parbench's) ---------------------- */

static void send_samples(uint32_t run)
{
    unsigned ncpus = pb_sampler_cpus(pb__node_sampler);
    size_t n = pb_sampler_intervals(pb__node_sampler, NULL);
    size_t per = 2 * sizeof(int64_t) + (size_t)ncpus * 3 * sizeof(float);
    size_t bytes = (size_t)ncpus * sizeof(int32_t) + n * per;
    unsigned char *data = malloc(bytes ? bytes : 1);
    if (!data)
        return;
    unsigned char *p = data;
    for (unsigned c = 0; c < ncpus; c++) {
        int32_t id = pb_sampler_cpu_id(pb__node_sampler, c);
        memcpy(p, &id, sizeof id);
        p += sizeof id;
    }
    for (size_t k = 0; k < n; k++) {
        int64_t end = pb_sampler_interval_end(pb__node_sampler, k), len = pb_sampler_interval_ns(pb__node_sampler, k);
        memcpy(p, &end, sizeof end);
        memcpy(p + sizeof end, &len, sizeof len);
        p += 2 * sizeof(int64_t);
        for (unsigned c = 0; c < ncpus; c++) {
            pb_cpu_share s = pb_sampler_share(pb__node_sampler, k, c);
            float f[3] = { s.user, s.system, s.steal };
            memcpy(p, f, sizeof f);
            p += sizeof f;
        }
    }
    pb_wire_samples head = { .run = run, .ncpus = ncpus, .intervals = n };
    pb__rank_send_or_die(PB_WIRE_SAMPLES, &head, sizeof head, data, bytes);
    free(data);
}

/* ---- runs --------------------------------------------------------------- */

/* Run task t and send its outcome; `last`: keep it, to go out with DONE. */
static void run_task(pb__rank_job *j, uint64_t t, bool last)
{
    pb_outcome *o = &j->plan.outcomes[t];
    memset(o, 0, sizeof *o);
    atomic_store(&pb__current_task, (int64_t)t);
    pb_run_one_task(&j->plan, t, pb__rank_id, o);
    atomic_store(&pb__current_task, -1);
    size_t off = 0, bytes = 0;
    if (j->plan.workload->task_output)
        j->plan.workload->task_output(&j->plan, t, &off, &bytes);
    pb_wire_outcome w;
    memset(&w, 0, sizeof w);
    w.task = t;
    w.outcome = *o;
    w.output_bytes = bytes;
    const void *slice = bytes ? (const unsigned char *)j->plan.output + off : NULL;
    if (last && !j->sampling) {
        j->held = w;
        j->held_slice = slice;
        j->holding = true;
        return;
    }
    pb__rank_send_or_die(PB_WIRE_OUTCOME, &w, sizeof w, slice, bytes);
}

enum { TAG_CLAIM = 11, TAG_GRANT = 12 };

/* Rank 0, claims by messages: answer those waiting; with `to_the_end`,
 * until every other rank has been told that no task is left. */
static void serve_claims(pb__rank_job *j, bool to_the_end)
{
    if (!j->chunk || j->by_window)
        return;
    int64_t idle_since = pb_now_ns(), nap = 20000;
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_CLAIM, MPI_COMM_WORLD, &flag, &st);
        if (flag) {
            char none;
            MPI_Recv(&none, 0, MPI_CHAR, st.MPI_SOURCE, TAG_CLAIM, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            uint64_t idx = j->next;
            j->next += j->chunk;
            if (idx >= j->plan.ntasks)
                j->final_grants++;
            MPI_Send(&idx, 1, MPI_UINT64_T, st.MPI_SOURCE, TAG_GRANT, MPI_COMM_WORLD);
            idle_since = pb_now_ns();
            nap = 20000;
            continue;
        }
        /* the ranks that claim at all: those whose first chunk held tasks */
        uint64_t chunks = (j->plan.ntasks + j->chunk - 1) / j->chunk;
        unsigned claimers = (unsigned)(chunks < (uint64_t)pb__world_size ? chunks : (uint64_t)pb__world_size) - 1;
        if (!to_the_end || j->final_grants >= claimers)
            return;
        pb__rank_back_off(pb_now_ns() - idle_since, &nap);   /* the others are still in their tasks */
    }
}

/* The first task of the next chunk (>= ntasks: none left). */
static uint64_t claim(pb__rank_job *j)
{
    uint64_t idx = 0;
    if (j->by_window) {
        MPI_Fetch_and_op(&j->chunk, &idx, MPI_UINT64_T, 0, 0, MPI_SUM, j->win);
        MPI_Win_flush(0, j->win);
    } else if (pb__rank_id == 0) {
        idx = j->next;
        j->next += j->chunk;
    } else {
        char none = 0;
        MPI_Request req;
        MPI_Send(&none, 0, MPI_CHAR, 0, TAG_CLAIM, MPI_COMM_WORLD);
        MPI_Irecv(&idx, 1, MPI_UINT64_T, 0, TAG_GRANT, MPI_COMM_WORLD, &req);
        pb__rank_wait_soon(&req);
    }
    return idx;
}

static int64_t tv_ns(struct timeval tv)
{
    return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

static int64_t process_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void one_run(pb__rank_job *j, uint32_t run, int64_t go_ns)
{
    pb_wire_done d = { .run = run, .go_ns = go_ns };
    struct rusage ru0, ru1;
    int64_t cpu0 = process_cpu_ns();
    getrusage(RUSAGE_SELF, &ru0);
    int64_t sampler0 = 0;
    if (j->sampling) {
        pb_sampler_start(pb__node_sampler);
        sampler0 = pb_sampler_cpu_ns(pb__node_sampler);
    }
    /* each rank's first chunk is its rank's (no claim, so no rank waits for
     * rank 0 to answer before it starts); the queue holds the rest */
    uint64_t first_chunk = (uint64_t)pb__rank_id * j->chunk;
    if (j->chunk && pb__rank_id == 0) {   /* nobody claims before the gate */
        j->next = (uint64_t)pb__world_size * j->chunk;
        j->final_grants = 0;
        if (j->by_window) {
            *j->counter = j->next;
            MPI_Win_sync(j->win);
        }
    }
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    pb__rank_wait_soon(&req);
    d.gate_ns = pb_now_ns();

    size_t n = j->plan.ntasks;
    if (j->chunk == 0) {
        size_t first, last;
        pb_static_block(n, (unsigned)pb__world_size, (unsigned)pb__rank_id, &first, &last);
        for (size_t t = first; t < last; t++)
            run_task(j, t, t + 1 == last);
        d.tasks = (uint32_t)(last - first);
    } else {
        for (bool first = true;; first = false) {
            uint64_t idx = first ? first_chunk : claim(j);
            if (idx >= n)
                break;
            pb_wire_claim c = { idx, idx + j->chunk < n ? idx + j->chunk : n };
            pb__rank_send_or_die(PB_WIRE_CLAIM, &c, sizeof c, NULL, 0);
            for (uint64_t t = c.lo; t < c.hi; t++) {
                run_task(j, t, false);
                if (pb__rank_id == 0)
                    serve_claims(j, false);   /* rank 0 holds the queue: answer the claims that came */
            }
            d.tasks += (uint32_t)(c.hi - c.lo);
        }
        if (j->by_window) {   /* every claim answered before rank 0 stops making progress */
            MPI_Ibarrier(MPI_COMM_WORLD, &req);
            pb__rank_wait_soon(&req);
        } else if (pb__rank_id == 0) {
            serve_claims(j, true);            /* until every other rank was told the queue is empty */
        }
    }
    if (j->node_barrier) {             /* the host's sampler covers every rank of the host */
        MPI_Ibarrier(j->node, &req);
        pb__rank_wait_soon(&req);
    }
    if (j->sampling) {
        pb_sampler_stop(pb__node_sampler);
        d.sampler_cpu_ns = pb_sampler_cpu_ns(pb__node_sampler) - sampler0;
        send_samples(run);
    }
    getrusage(RUSAGE_SELF, &ru1);
    d.cpu_ns = process_cpu_ns() - cpu0 - d.sampler_cpu_ns;
    d.user_ns = tv_ns(ru1.ru_utime) - tv_ns(ru0.ru_utime);
    d.sys_ns = tv_ns(ru1.ru_stime) - tv_ns(ru0.ru_stime);
    d.nvcsw = ru1.ru_nvcsw - ru0.ru_nvcsw;
    d.nivcsw = ru1.ru_nivcsw - ru0.ru_nivcsw;
    d.minflt = ru1.ru_minflt - ru0.ru_minflt;
    d.majflt = ru1.ru_majflt - ru0.ru_majflt;
    d.maxrss_kb = ru1.ru_maxrss;
    d.sent_ns = pb_now_ns();
    if (j->holding) {
        j->holding = false;
        if (pb__wire_send_two(pb__parent_fd, PB_WIRE_OUTCOME, &j->held, sizeof j->held, j->held_slice,
                             j->held.output_bytes, PB_WIRE_DONE, &d, sizeof d) != 0)
            _exit(70);
    } else {
        pb__rank_send_or_die(PB_WIRE_DONE, &d, sizeof d, NULL, 0);
    }
}

void pb__rank_serve_runs(pb__rank_job *j)
{
    uint32_t expect = 1;
    for (;;) {
        int32_t cmd = 0;
        int64_t go_ns = 0;
        if (pb__rank_id == 0)
            cmd = pb__rank_wait_command(&go_ns);
        MPI_Request req;
        MPI_Ibcast(&cmd, 1, MPI_INT32_T, 0, MPI_COMM_WORLD, &req);
        if (pb__rank_id == 0) {
            pb__rank_wait_soon(&req);
        } else {
            pb__rank_wait_idle(&req, expect);
            go_ns = pb_now_ns();
        }
        if (cmd < 0)
            return;
        one_run(j, (uint32_t)cmd, go_ns);
        expect = (uint32_t)cmd + 1;
    }
}

