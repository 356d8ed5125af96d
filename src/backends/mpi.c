/* mpi: W ranks of parbench-mpi-rank (src/mpi/rank.c), started once per
 * configuration by the MPI launcher (mpirun, or --mpirun CMD such as srun),
 * on this machine or on the hosts of --hosts FILE or of a Slurm allocation.
 * Each rank builds the same plan, connects back over TCP and waits. A run:
 * one GO to rank 0, which releases every rank at once (MPI_Ibcast, then
 * MPI_Ibarrier: the start gate); static blocks by rank, or chunks claimed
 * from rank 0's counter (MPI_Fetch_and_op) with --chunk; every outcome and
 * the task's slice of the output come back as the task ends; the parent
 * verifies the result as for any backend. Times of ranks on other hosts are
 * put on parbench's clock through the start barrier, which every rank
 * leaves at nearly the same moment.
 *
 * A rank that crashes, exits or overruns --task-timeout ends the MPI job:
 * the run is recorded with the rank, its host and its signal or status,
 * and the next run starts a new job. Closing the streams ends every rank
 * (each watches its stream), the launcher is ended and reaped; when
 * parbench itself dies, the launcher dies with it (PR_SET_PDEATHSIG) and
 * the ranks with their streams.
 *
 * Here: the job, a run, open and close; mpi_messages.c reads what the
 * ranks send during a run, mpi_fail.c takes a run the job did not survive,
 * mpi_launch.c starts and ends the job, mpi_wire.c is the messages' format. */
#include "mpi.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/worker/gate.h"
#include "backends/worker/usage.h"
#include "mpi_internal.h"
#include "parbench/clock.h"

/* ---- the job ------------------------------------------------------------- */

static void free_samples(pb__mpi_state *s)
{
    for (unsigned i = 0; i < s->nhs; i++) {
        free(s->hs[i].cpu);
        free(s->hs[i].end_ns);
        free(s->hs[i].len_ns);
        free(s->hs[i].share);
    }
    free(s->hs);
    free(s->views);
    s->hs = NULL;
    s->views = NULL;
    s->nhs = 0;
}

static int start_job(pb__mpi_state *s, pb_error *err)
{
    int rc = pb__mpi_job_start(&s->job, &s->launch, s->workers, s->args, err);
    if (rc)
        return rc;
    s->up = true;
    s->remote = false;
    s->oversubscribed = false;
    s->bind_refusal[0] = '\0';
    size_t len = 0;
    s->hosts[0] = '\0';
    for (unsigned r = 0; r < s->workers; r++) {
        const pb_wire_hello *h = &s->job.rank[r].hello;
        if (h->ntasks != s->plan->ntasks) {
            pb_fail(err, PB_E_WORKER, "mpi: rank %u on %s planned %llu tasks where parbench planned %zu (another "
                    "parbench version on that host?)", r, h->host, (unsigned long long)h->ntasks, s->plan->ntasks);
            pb__mpi_job_end(&s->job, false);
            s->up = false;
            return err->code;
        }
        snprintf(s->host_name[r], sizeof s->host_name[r], "%s", h->host);
        s->host_of[r] = s->host_name[r];
        s->remote |= !s->job.rank[r].local;
        s->oversubscribed |= h->local_size > h->pus;
        if (!s->bind_refusal[0] && h->bind_refusal[0])
            snprintf(s->bind_refusal, sizeof s->bind_refusal, "rank %u: %.*s", r, (int)sizeof h->bind_refusal,
                     h->bind_refusal);
        bool seen = false;   /* hosts in rank order, each once */
        for (unsigned q = 0; q < r && !seen; q++)
            seen = strcmp(s->host_of[q], h->host) == 0;
        if (!seen && len < sizeof s->hosts)
            len += (size_t)snprintf(s->hosts + len, sizeof s->hosts - len, "%s%s", len ? " " : "", h->host);
    }
    for (unsigned r = 0; r < s->workers; r++)
        s->rs[r].asleep_for = 0;
    s->run = 0;
    return 0;
}

void pb__mpi_end_job(pb__mpi_state *s, bool quit)
{
    if (!s->up)
        return;
    if (quit && s->job.rank[0].fd >= 0) {
        quit = pb__wire_send(s->job.rank[0].fd, PB_WIRE_QUIT, NULL, 0, NULL, 0) == 0;
        pb_wire_run next = { s->run + 1 };   /* sleeping ranks: the quit comes as the next run's Bcast */
        for (unsigned r = 1; r < s->workers; r++)
            if (s->job.rank[r].fd >= 0)
                pb__wire_send(s->job.rank[r].fd, PB_WIRE_WAKE, &next, sizeof next, NULL, 0);
    }
    pb__mpi_job_end(&s->job, quit);
    s->up = false;
}

/* ---- a run --------------------------------------------------------------- */

static void split_cpu(pb_usage *u, const pb_wire_done *d)
{
    int64_t user = d->user_ns, sys = d->sys_ns;
    if (user + sys <= 0)
        user = 1, sys = 0;
    u->sys_ns = (int64_t)((double)d->cpu_ns * (double)sys / (double)(user + sys));
    u->user_ns = d->cpu_ns - u->sys_ns;
    u->nvcsw = d->nvcsw;
    u->nivcsw = d->nivcsw;
    u->minflt = d->minflt;
    u->majflt = d->majflt;
    u->maxrss_kb = d->maxrss_kb;
}

static int sample_launcher(pb__mpi_state *s, pb_task_sample *out)
{
    clockid_t clk;
    if (s->job.launcher <= 0 || clock_getcpuclockid(s->job.launcher, &clk) != 0)
        return -1;
    return pb__sample_task(s->job.launcher, s->job.launcher, clk, out);
}

/* Put every rank's times on parbench's clock; the gate and the work's end.
 * Ranks on parbench's host share its clock. The others leave the start
 * barrier at nearly the same moment T as every rank; each message a rank
 * sent arrived after it was sent, so T <= its gate time + (arrival -
 * sending) for every rank: the least of these bounds is T (exact for a rank
 * on this host), and rank r's offset is T - its gate time. Its task times
 * then fall inside the run: never later than parbench received them. */
static void place_times(pb__mpi_state *s, pb_plan *plan, pb_run_stats *st)
{
    int64_t ref = INT64_MAX, lo = INT64_MAX, hi = INT64_MIN;
    for (unsigned r = 0; r < s->workers; r++) {
        const pb__mpi_rank_state *rs = &s->rs[r];
        int64_t g = rs->done_msg.gate_ns;
        int64_t bound = s->job.rank[r].local ? g : g + rs->seen_offset_ns;
        ref = bound < ref ? bound : ref;
        lo = g < lo ? g : lo;
        hi = g > hi ? g : hi;
    }
    s->gate_skew_ns = s->remote ? -1 : hi - lo;
    int64_t work_end = 0;
    for (size_t t = 0; t < plan->ntasks; t++) {
        pb_outcome *o = &plan->outcomes[t];
        if (o->status != PB_TASK_DONE)
            continue;
        if (!s->job.rank[o->worker].local) {
            int64_t off = ref - s->rs[o->worker].done_msg.gate_ns;
            o->t_start_ns += off;
            o->t_end_ns += off;
        }
        work_end = o->t_end_ns > work_end ? o->t_end_ns : work_end;
    }
    for (unsigned i = 0; i < s->nhs; i++) {
        int64_t off = ref - s->rs[s->hs[i].leader].done_msg.gate_ns;
        for (size_t k = 0; k < s->hs[i].intervals; k++)
            s->hs[i].end_ns[k] += off;
    }
    st->t_gate = ref < st->t_start ? st->t_start : ref > st->t_end ? st->t_end : ref;
    st->t_work_end = work_end < st->t_gate ? st->t_gate : work_end > st->t_end ? st->t_end : work_end;
}

/* Each rank's part of the run to come: its static block (with --chunk:
 * the chunks it will claim), nothing heard yet. */
static void prepare_ranks(pb__mpi_state *s, const pb_plan *plan)
{
    unsigned W = s->workers;
    for (unsigned r = 0; r < W; r++) {
        pb__mpi_rank_state *rs = &s->rs[r];
        uint32_t asleep = rs->asleep_for;
        memset(rs, 0, sizeof *rs);
        rs->asleep_for = asleep;
        rs->seen_offset_ns = INT64_MAX;
        if (s->chunk == 0) {
            size_t first, last;
            pb_static_block(plan->ntasks, W, r, &first, &last);
            rs->next = first;
            rs->end = last;
        }
    }
    s->seq = 0;
}

/* GO sent: read the ranks until every one is DONE, watching the launcher
 * and --task-timeout. */
static int await_ranks(pb_exec *ex, pb__mpi_state *s, pb_plan *plan, pb_run_stats *st, pb_error *err)
{
    unsigned W = s->workers;
    char why[320] = "";
    struct pollfd *fds = calloc(W + 1, sizeof *fds);
    if (!fds)
        return pb_fail(err, PB_E_NOMEM, "mpi: out of memory");
    unsigned done = 0;
    int failed_rank = -1;
    while (done < W) {
        for (unsigned r = 0; r < W; r++)   /* a stream that ended is not watched (poll would not wait) */
            fds[r] = (struct pollfd){ .fd = s->rs[r].gone ? -1 : s->job.rank[r].fd, .events = POLLIN };
        fds[W] = (struct pollfd){ .fd = s->job.out_fd, .events = POLLIN };
        poll(fds, W + 1, PB__MPI_POLL_MS);
        done = 0;
        for (unsigned r = 0; r < W; r++) {
            if (fds[r].revents && !pb__mpi_read_rank(s, plan, r, why, sizeof why) && failed_rank < 0 &&
                !s->rs[r].done)
                failed_rank = (int)r;
            done += s->rs[r].done;
        }
        if (fds[W].revents)
            pb__mpi_job_read_output(&s->job);
        if (failed_rank >= 0 || (done < W && pb__mpi_job_launcher_ended(&s->job))) {
            free(fds);
            return pb__mpi_fail_run(s, plan, st, err, -1, 0, failed_rank, why);
        }
        if (ex->config.task_timeout_ns > 0 && done < W) {
            int64_t now = pb_now_ns();
            for (unsigned r = 0; r < W; r++) {
                if (s->rs[r].done || pb__mpi_task_in_hand(s, r) < 0 ||
                    now - s->rs[r].heard_ns <= ex->config.task_timeout_ns)
                    continue;
                free(fds);
                return pb__mpi_fail_run(s, plan, st, err, (int)r, (double)(now - s->rs[r].heard_ns) / 1e9, -1, "");
            }
        }
    }
    free(fds);
    return 0;
}

/* A run every rank finished: its CPU (parbench's own in st->usage already,
 * the ranks', the launcher's since launcher_before), chunk, hosts and the
 * other hosts' samples into st. */
static void account_run(pb__mpi_state *s, const pb_plan *plan, pb_run_stats *st, bool launcher_sampled,
                        const pb_task_sample *launcher_before)
{
    unsigned W = s->workers;
    pb_task_sample launcher_after;
    st->usage.maxrss_kb = 0;            /* peak RSS: the largest rank's */
    for (unsigned r = 0; r < W; r++) {
        pb_usage u;
        split_cpu(&u, &s->rs[r].done_msg);
        pb__usage_add(&st->usage, &u);
    }
    if (launcher_sampled && sample_launcher(s, &launcher_after) == 0) {
        pb_usage u;
        pb__usage_between_samples(&u, launcher_before, &launcher_after);
        u.maxrss_kb = 0;
        pb__usage_add(&st->usage, &u);
    }
    st->chunk = s->chunk ? s->chunk : (plan->ntasks + W - 1) / W;
    snprintf(st->bind_refusal, sizeof st->bind_refusal, "%s", s->bind_refusal);
    st->worker_host = s->host_of;
    snprintf(st->hosts, sizeof st->hosts, "%s", s->hosts);
    if (s->remote) {   /* several hosts: this machine's PU count says nothing about theirs */
        st->oversubscribed_known = true;
        st->oversubscribed = s->oversubscribed;
    }
    if (s->nhs) {
        free(s->views);
        s->views = calloc(s->nhs, sizeof *s->views);
        for (unsigned i = 0; s->views && i < s->nhs; i++) {
            const pb__mpi_host_samples *x = &s->hs[i];
            s->views[i] = (pb_host_samples){ .host = x->host, .ncpus = x->ncpus, .cpu = x->cpu,
                                             .intervals = x->intervals, .end_ns = x->end_ns, .len_ns = x->len_ns,
                                             .share = x->share };
        }
        st->host_samples = s->views;
        st->nhost_samples = s->views ? s->nhs : 0;
    }
}

static int mpi_execute(pb_exec *ex, const pb_plan *cplan, pb_run_stats *st, pb_error *err)
{
    pb__mpi_state *s = ex->state;
    pb_plan *plan = (pb_plan *)cplan;   /* outcomes and output are filled from the ranks' messages */
    if (!s->up) {                       /* the last run ended the job: a new one, before the clock starts */
        int rc = start_job(s, err);
        if (rc) {
            pb__stats_note(st, err->msg);
            return rc;
        }
    }
    free_samples(s);
    unsigned W = s->workers;
    prepare_ranks(s, plan);
    pb_task_sample launcher_before;
    bool launcher_sampled = sample_launcher(s, &launcher_before) == 0;
    pb_thread_meter meter;
    pb__meter_begin(&meter);
    char why[320] = "";

    st->t_start = st->t_gate = pb_now_ns();   /* t_gate: GO sent, until the ranks say when they passed it */
    s->run++;
    for (unsigned r = 0; r < W; r++)   /* SLEEPs that came since the last run */
        if (!pb__mpi_read_rank(s, plan, r, why, sizeof why))
            return pb__mpi_fail_run(s, plan, st, err, -1, 0, (int)r, why);
    pb_wire_run go = { s->run };
    if (pb__wire_send(s->job.rank[0].fd, PB_WIRE_GO, &go, sizeof go, NULL, 0) != 0)
        return pb__mpi_fail_run(s, plan, st, err, -1, 0, 0, "its stream closed");
    int64_t t_go = st->t_gate = pb_now_ns();
    for (unsigned r = 1; r < W; r++)
        if (s->rs[r].asleep_for == s->run)
            pb__mpi_wake(s, r);
    for (unsigned r = 0; r < W; r++)
        s->rs[r].heard_ns = t_go;

    int rc = await_ranks(ex, s, plan, st, err);
    if (rc)
        return rc;
    st->t_end = pb_now_ns();
    place_times(s, plan, st);

    pb__meter_end(&meter, &st->usage);   /* parbench's own part */
    account_run(s, plan, st, launcher_sampled, &launcher_before);
    return 0;
}

/* ---- open, close --------------------------------------------------------- */

static void mpi_close(pb_exec *ex)
{
    pb__mpi_state *s = ex->state;
    if (!s)
        return;
    pb__mpi_end_job(s, true);
    free_samples(s);
    free(s->place_arg);
    free(s->rs);
    free(s->host_of);
    free(s->host_name);
    free(s);
    ex->state = NULL;
}

/* --place: each rank's PUs from the placement, "0,1/2,3", "-" unbound. */
static char *place_text(const pb_exec_config *cfg)
{
    size_t cap = (size_t)cfg->workers * (PB_PLACE_MAX_PUS * 6 + 2) + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    buf[0] = '\0';
    for (unsigned w = 0; w < cfg->workers; w++) {
        const pb_worker_place *wp = pb_exec_place(cfg, w);
        len += (size_t)snprintf(buf + len, cap - len, "%s", w ? "/" : "");
        if (!wp || wp->count == 0)
            len += (size_t)snprintf(buf + len, cap - len, "-");
        for (unsigned i = 0; wp && i < wp->count; i++)
            len += (size_t)snprintf(buf + len, cap - len, "%s%d", i ? "," : "", wp->pu[i]);
    }
    return buf;
}

static int mpi_open(pb_exec *ex, const pb_plan *plan, pb_error *err)
{
    if (plan->output_bytes && !plan->workload->task_output)
        return pb_fail(err, PB_E_UNSUPP, "mpi: workload %s does not say where each task's output lies "
                       "(task_output), so ranks cannot send it back", plan->workload->name);
    pb__mpi_state *s = calloc(1, sizeof *s);
    unsigned W = ex->config.workers;
    if (!s || !(s->rs = calloc(W, sizeof *s->rs)) || !(s->host_of = calloc(W, sizeof *s->host_of)) ||
        !(s->host_name = calloc(W, sizeof *s->host_name))) {
        if (s) {
            free(s->rs);
            free(s->host_of);
        }
        free(s);
        return pb_fail(err, PB_E_NOMEM, "mpi: out of memory");
    }
    s->plan = plan;
    s->workers = W;
    s->chunk = ex->config.chunk;
    if (ex->config.launch)
        s->launch = *ex->config.launch;
    char params[1024];
    pb_params_format(&plan->params, params, sizeof params, true);
    snprintf(s->workload_arg, sizeof s->workload_arg, "%s%s%s", plan->workload->name, params[0] ? ":" : "", params);
    unsigned n = 0;
    s->args[n++] = "--workload";
    s->args[n++] = s->workload_arg;
    if (s->chunk) {
        snprintf(s->chunk_arg, sizeof s->chunk_arg, "%llu", (unsigned long long)s->chunk);
        s->args[n++] = "--chunk";
        s->args[n++] = s->chunk_arg;
    }
    if (pb_exec_place(&ex->config, 0)) {
        if (!(s->place_arg = place_text(&ex->config))) {
            mpi_close(&(pb_exec){ .state = s });
            return pb_fail(err, PB_E_NOMEM, "mpi: out of memory");
        }
        s->args[n++] = "--place";
        s->args[n++] = s->place_arg;
    }
    if (s->launch.sample_hz) {
        snprintf(s->hz_arg, sizeof s->hz_arg, "%u", s->launch.sample_hz);
        s->args[n++] = "--sample-hz";
        s->args[n++] = s->hz_arg;
        if (s->launch.sample_all_cpus)
            s->args[n++] = "--sample-all-cpus";
    }
    s->args[n] = NULL;
    ex->state = s;
    int rc = start_job(s, err);
    if (rc) {
        mpi_close(ex);
        return rc;
    }
    return 0;
}

int64_t pb__mpi_gate_skew_ns(const pb_exec *ex)
{
    const pb__mpi_state *s = ex->state;
    return s ? s->gate_skew_ns : -1;
}

static const char *mpi_unavailable(void)
{
    return pb__mpi_unavailable();
}

const pb_backend pb_backend_mpi = {
    .name = "mpi",
    .summary = "W MPI ranks (Open MPI) started once by mpirun, here or on --hosts; static blocks or --chunk",
    .is_pool = true,
    .ipc_mask = 1u << PB_IPC_TCP,
    .opt_in = true,
    .unavailable = mpi_unavailable,
    .open = mpi_open,
    .execute = mpi_execute,
    .close = mpi_close,
};
