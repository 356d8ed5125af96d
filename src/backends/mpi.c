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
 * the ranks with their streams. */
#include "mpi.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/worker/gate.h"
#include "backends/worker/usage.h"
#include "mpi_launch.h"
#include "parbench/clock.h"
#include "parbench/sampler.h"

#define POLL_MS 10                       /* how often a run looks at the launcher and the clock */
#define DYING_GRACE_NS (3 * INT64_C(1000000000))   /* a failing job's launcher has this long to say why */

typedef struct rank_state {
    bool done;                 /* its DONE of this run arrived */
    bool gone;                 /* its stream ended */
    uint32_t asleep_for;       /* it sleeps until run asleep_for starts (0: awake) */
    int64_t heard_ns;          /* when parbench last heard from it in this run */
    uint64_t next, end;        /* the tasks in hand: static block or claimed chunk, [next, end) */
    uint32_t reported;         /* outcomes received this run */
    bool faulted;
    int64_t fault_task;
    int fault_signal;
    pb_wire_done done_msg;
    int64_t seen_offset_ns;    /* least (arrival - sending) of its messages: its clock + this >= ours; INT64_MAX: none */
} rank_state;

typedef struct host_samples {  /* one other host's sampler, this run */
    char host[64];
    uint32_t leader;           /* the rank that sampled it */
    unsigned ncpus;
    size_t intervals;
    int32_t *cpu;
    int64_t *end_ns, *len_ns;
    float *share;
} host_samples;

typedef struct mpi_state {
    pb_mpi_job job;
    bool up;                   /* the job runs */
    const pb_plan *plan;
    unsigned workers;
    pb_launch_options launch;
    uint64_t chunk;            /* 0: static blocks */
    char workload_arg[1200], chunk_arg[32], hz_arg[16];
    char *place_arg;
    const char *args[16];
    uint32_t run;
    uint32_t seq;
    rank_state *rs;
    const char **host_of;      /* each rank's host (into host_name) */
    char (*host_name)[64];     /* kept here: the job's hellos go with the job */
    char hosts[256];
    bool remote;               /* some rank is not on parbench's host */
    bool oversubscribed;       /* some host has more ranks than PUs */
    char bind_refusal[PB_BIND_REFUSAL_LEN];
    int64_t gate_skew_ns;
    host_samples *hs;
    unsigned nhs;
    pb_host_samples *views;
} mpi_state;

/* ---- the job ------------------------------------------------------------- */

static void free_samples(mpi_state *s)
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

static int start_job(mpi_state *s, pb_error *err)
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

static void end_job(mpi_state *s, bool quit)
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

/* ---- messages of a run --------------------------------------------------- */

static void wake(mpi_state *s, unsigned r)
{
    pb_wire_run w = { s->run };
    if (s->job.rank[r].fd >= 0)
        pb__wire_send(s->job.rank[r].fd, PB_WIRE_WAKE, &w, sizeof w, NULL, 0);
    s->rs[r].asleep_for = 0;
}

static int store_samples(mpi_state *s, unsigned r, const void *m, uint64_t len)
{
    pb_wire_samples h;
    if (len < sizeof h)
        return -1;
    memcpy(&h, m, sizeof h);
    size_t per = 2 * sizeof(int64_t) + (size_t)h.ncpus * 3 * sizeof(float);
    if (h.ncpus > 65536 || h.intervals > ((uint64_t)1 << 32) ||
        len != sizeof h + (size_t)h.ncpus * sizeof(int32_t) + h.intervals * per)
        return -1;
    host_samples *grown = realloc(s->hs, (s->nhs + 1) * sizeof *grown);
    if (!grown)
        return -1;
    s->hs = grown;
    host_samples *x = &s->hs[s->nhs];
    memset(x, 0, sizeof *x);
    snprintf(x->host, sizeof x->host, "%s", s->host_of[r]);
    x->leader = r;
    size_t n = (size_t)h.intervals, nc = h.ncpus;
    x->cpu = malloc(nc * sizeof *x->cpu + 1);
    x->end_ns = malloc(n * sizeof *x->end_ns + 1);
    x->len_ns = malloc(n * sizeof *x->len_ns + 1);
    x->share = malloc(n * nc * 3 * sizeof *x->share + 1);
    s->nhs++;
    if (!x->cpu || !x->end_ns || !x->len_ns || !x->share)
        return -1;
    const unsigned char *p = (const unsigned char *)m + sizeof h;
    memcpy(x->cpu, p, nc * sizeof *x->cpu);
    p += nc * sizeof *x->cpu;
    for (size_t k = 0; k < n; k++) {
        memcpy(&x->end_ns[k], p, sizeof(int64_t));
        memcpy(&x->len_ns[k], p + sizeof(int64_t), sizeof(int64_t));
        p += 2 * sizeof(int64_t);
        memcpy(&x->share[k * nc * 3], p, nc * 3 * sizeof(float));
        p += nc * 3 * sizeof(float);
    }
    x->ncpus = (unsigned)nc;
    x->intervals = n;
    return 0;
}

/* What a rank's message says. A negative return: the stream cannot be
 * trusted any more (a message that makes no sense); `why` says how. */
static int handle(mpi_state *s, pb_plan *plan, unsigned r, const pb_wire_head *h, const void *m, char *why,
                  size_t why_size)
{
    rank_state *rs = &s->rs[r];
    switch (h->type) {
    case PB_WIRE_SLEEP: {
        if (h->len != sizeof(pb_wire_run))
            break;
        uint32_t run = ((const pb_wire_run *)m)->run;
        if (run == s->run && !rs->done)
            wake(s, r);            /* the run it waits for has begun: it missed the wake */
        else if (run > s->run)
            rs->asleep_for = run;  /* woken when that run starts */
        return 0;
    }
    case PB_WIRE_CLAIM: {
        pb_wire_claim c;
        if (h->len != sizeof c)
            break;
        memcpy(&c, m, sizeof c);
        if (c.lo >= c.hi || c.hi > plan->ntasks)
            break;
        rs->next = c.lo;
        rs->end = c.hi;
        rs->heard_ns = pb_now_ns();
        return 0;
    }
    case PB_WIRE_OUTCOME: {
        pb_wire_outcome w;
        if (h->len < sizeof w)
            break;
        memcpy(&w, m, sizeof w);
        size_t off = 0, bytes = 0;
        if (w.task >= plan->ntasks || w.outcome.status != PB_TASK_DONE || w.outcome.worker != (int32_t)r)
            break;
        if (plan->workload->task_output)
            plan->workload->task_output(plan, w.task, &off, &bytes);
        if (w.output_bytes != bytes || h->len != sizeof w + bytes || off + bytes > plan->output_bytes)
            break;
        pb_outcome *o = &plan->outcomes[w.task];
        *o = w.outcome;
        o->seq = ++s->seq;         /* completion order: the order outcomes arrived */
        if (bytes)
            memcpy((unsigned char *)plan->output + off, (const unsigned char *)m + sizeof w, bytes);
        rs->reported++;
        int64_t arrival = pb_now_ns();   /* sent after its end: arrival - end bounds the offset too */
        if (arrival - o->t_end_ns < rs->seen_offset_ns)
            rs->seen_offset_ns = arrival - o->t_end_ns;
        if (w.task >= rs->next && w.task < rs->end)
            rs->next = w.task + 1;
        rs->heard_ns = pb_now_ns();
        return 0;
    }
    case PB_WIRE_DONE: {
        if (h->len != sizeof(pb_wire_done))
            break;
        memcpy(&rs->done_msg, m, sizeof rs->done_msg);
        if (rs->done_msg.run != s->run)
            break;
        int64_t arrival = pb_now_ns();
        if (arrival - rs->done_msg.sent_ns < rs->seen_offset_ns)
            rs->seen_offset_ns = arrival - rs->done_msg.sent_ns;
        rs->done = true;
        rs->next = rs->end;
        return 0;
    }
    case PB_WIRE_FAULT: {
        pb_wire_fault f;
        if (h->len != sizeof f)
            break;
        memcpy(&f, m, sizeof f);
        rs->faulted = true;
        rs->fault_task = f.task;
        rs->fault_signal = f.signal;
        return 0;
    }
    case PB_WIRE_SAMPLES:
        if (store_samples(s, r, m, h->len) != 0)
            break;
        return 0;
    case PB_WIRE_FAIL:
        snprintf(why, why_size, "%.*s", (int)(h->len < 300 ? h->len : 300), (const char *)m);
        return -1;
    default:
        return 0;                  /* a later version's message: not ours to judge */
    }
    snprintf(why, why_size, "rank %u sent a message parbench cannot read (type %u, %llu bytes)", r, h->type,
             (unsigned long long)h->len);
    return -1;
}

/* Read what rank r has sent. false: its stream ended or made no sense. */
static bool read_rank(mpi_state *s, pb_plan *plan, unsigned r, char *why, size_t why_size)
{
    pb_mpi_rank *k = &s->job.rank[r];
    if (k->fd < 0 || s->rs[r].gone)
        return false;
    for (;;) {
        pb_wire_head h;
        const void *m;
        while ((m = pb__wire_next(&k->in, &h)) != NULL)
            if (handle(s, plan, r, &h, m, why, why_size) != 0) {
                s->rs[r].gone = true;
                return false;
            }
        long n = pb__wire_fill(&k->in, k->fd);
        if (n == 0)
            return true;
        if (n < 0) {
            s->rs[r].gone = true;
            return false;
        }
    }
}

/* ---- a failed run -------------------------------------------------------- */

/* The task rank r has in hand, -1 if none. */
static int64_t task_in_hand(const mpi_state *s, unsigned r)
{
    const rank_state *rs = &s->rs[r];
    if (rs->faulted)
        return rs->fault_task;
    return !rs->done && rs->next < rs->end ? (int64_t)rs->next : -1;
}

static void mark_lost(pb_plan *plan, int64_t task, unsigned r, int64_t started_ns, int sig, int exit_status)
{
    if (task < 0 || (uint64_t)task >= plan->ntasks || plan->outcomes[task].status == PB_TASK_DONE)
        return;
    pb_outcome *o = &plan->outcomes[task];
    o->status = PB_TASK_LOST;
    o->t_start_ns = started_ns;        /* when parbench last heard from the rank: the task began then */
    o->cpu_start = o->cpu_end = -1;    /* not known: the rank never said */
    o->worker = (int32_t)r;
    o->signal = (int16_t)sig;
    o->exit_status = (int16_t)exit_status;
}

/* The job failed in this run: let the launcher end it and say why (a
 * timeout: end it now), find the rank to blame, record the lost tasks,
 * write the note, and leave nothing running. */
static int fail_run(mpi_state *s, pb_plan *plan, pb_run_stats *st, pb_error *err, int timed_out_rank,
                    double overrun_s, int first_gone, const char *why)
{
    if (timed_out_rank < 0) {
        int64_t deadline = pb_now_ns() + DYING_GRACE_NS;
        while (!pb__mpi_job_launcher_ended(&s->job) && pb_now_ns() < deadline) {
            for (unsigned r = 0; r < s->workers; r++) {
                char ignored[8];
                read_rank(s, plan, r, ignored, sizeof ignored);   /* FAULT messages, late outcomes */
            }
            if (s->job.out_fd >= 0) {
                struct pollfd p = { .fd = s->job.out_fd, .events = POLLIN };
                poll(&p, 1, POLL_MS);
            } else {
                nanosleep(&(struct timespec){ 0, POLL_MS * 1000000 }, NULL);
            }
            pb__mpi_job_read_output(&s->job);
        }
        for (unsigned r = 0; r < s->workers; r++) {
            char ignored[8];
            read_rank(s, plan, r, ignored, sizeof ignored);
        }
    }
    char says[512];
    int said_rank, said_code;
    pb__mpi_job_says(&s->job, says, sizeof says, &said_rank, &said_code);

    /* who: the overrunning rank, else one that reported a crash signal, else
     * the one the launcher names, else the first whose stream ended */
    int culprit = timed_out_rank;
    for (unsigned r = 0; r < s->workers && culprit < 0; r++)
        if (s->rs[r].faulted)
            culprit = (int)r;
    if (culprit < 0 && said_rank >= 0 && (unsigned)said_rank < s->workers)
        culprit = said_rank;
    if (culprit < 0)
        culprit = first_gone;

    char what[256];
    int sig = 0, status = -1;
    int64_t task = culprit >= 0 ? task_in_hand(s, (unsigned)culprit) : -1;
    const char *host = culprit >= 0 ? s->host_of[culprit] : "";
    char in_task[48] = "between tasks";
    if (task >= 0)
        snprintf(in_task, sizeof in_task, "in task %lld", (long long)task);
    if (timed_out_rank >= 0) {
        sig = SIGKILL;
        snprintf(what, sizeof what, "rank %d on %s ran task %lld for over %.3f s (--task-timeout): the MPI job was "
                 "ended", culprit, host, (long long)task, overrun_s);
    } else if (culprit >= 0 && s->rs[culprit].faulted) {
        sig = s->rs[culprit].fault_signal;
        snprintf(what, sizeof what, "rank %d on %s was killed by signal %d (%s) %s; the MPI job was ended", culprit,
                 host, sig, strsignal(sig), in_task);
    } else if (culprit >= 0 && culprit == said_rank && said_code >= 0) {
        status = said_code;
        snprintf(what, sizeof what, "rank %d on %s exited with status %d %s; the MPI job was ended", culprit, host,
                 said_code, in_task);
    } else if (culprit >= 0) {
        snprintf(what, sizeof what, "rank %d on %s ended %s (%s)%s%s; the MPI job was ended", culprit, host, in_task,
                 why && *why ? why : "its stream closed", says[0] ? "; the launcher says: " : "", says);
    } else {
        snprintf(what, sizeof what, "the MPI launcher ended during the run%s%s", says[0] ? ": " : "", says);
    }
    pb__stats_note(st, what);
    /* the run's phases: to the gate as far as parbench knows (GO sent), work
     * until the last outcome it received, then the failure's handling */
    int64_t last = st->t_gate;
    for (size_t t = 0; t < plan->ntasks; t++) {
        pb_outcome *o = &plan->outcomes[t];
        if (o->status != PB_TASK_DONE)
            continue;
        if (!s->job.rank[o->worker].local) {   /* no barrier to go by: as if its outcomes had come at once */
            int64_t off = s->rs[o->worker].seen_offset_ns;
            o->t_start_ns += off;
            o->t_end_ns += off;
        }
        if (o->t_end_ns > last)
            last = o->t_end_ns;
    }
    st->t_end = pb_now_ns();
    st->t_work_end = last > st->t_end ? st->t_end : last;
    if (culprit >= 0)
        mark_lost(plan, task, (unsigned)culprit, s->rs[culprit].heard_ns, sig, sig ? -1 : status);
    for (unsigned r = 0; r < s->workers; r++)   /* the others' tasks in hand died with the job */
        if ((int)r != culprit)
            mark_lost(plan, task_in_hand(s, r), r, s->rs[r].heard_ns, 0, -1);
    st->worker_host = s->host_of;
    snprintf(st->hosts, sizeof st->hosts, "%s", s->hosts);
    end_job(s, false);
    return pb_fail(err, PB_E_WORKER, "mpi: %s", what);
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

static int sample_launcher(mpi_state *s, pb_task_sample *out)
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
static void place_times(mpi_state *s, pb_plan *plan, pb_run_stats *st)
{
    int64_t ref = INT64_MAX, lo = INT64_MAX, hi = INT64_MIN;
    for (unsigned r = 0; r < s->workers; r++) {
        const rank_state *rs = &s->rs[r];
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

static int mpi_execute(pb_exec *ex, const pb_plan *cplan, pb_run_stats *st, pb_error *err)
{
    mpi_state *s = ex->state;
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
    for (unsigned r = 0; r < W; r++) {
        rank_state *rs = &s->rs[r];
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
    pb_task_sample launcher_before, launcher_after;
    bool launcher_sampled = sample_launcher(s, &launcher_before) == 0;
    pb_thread_meter meter;
    pb__meter_begin(&meter);
    char why[320] = "";

    st->t_start = st->t_gate = pb_now_ns();   /* t_gate: GO sent, until the ranks say when they passed it */
    s->run++;
    for (unsigned r = 0; r < W; r++)   /* SLEEPs that came since the last run */
        if (!read_rank(s, plan, r, why, sizeof why))
            return fail_run(s, plan, st, err, -1, 0, (int)r, why);
    pb_wire_run go = { s->run };
    if (pb__wire_send(s->job.rank[0].fd, PB_WIRE_GO, &go, sizeof go, NULL, 0) != 0)
        return fail_run(s, plan, st, err, -1, 0, 0, "its stream closed");
    int64_t t_go = st->t_gate = pb_now_ns();
    for (unsigned r = 1; r < W; r++)
        if (s->rs[r].asleep_for == s->run)
            wake(s, r);
    for (unsigned r = 0; r < W; r++)
        s->rs[r].heard_ns = t_go;

    struct pollfd *fds = calloc(W + 1, sizeof *fds);
    if (!fds)
        return pb_fail(err, PB_E_NOMEM, "mpi: out of memory");
    unsigned done = 0;
    int failed_rank = -1;
    while (done < W) {
        for (unsigned r = 0; r < W; r++)   /* a stream that ended is not watched (poll would not wait) */
            fds[r] = (struct pollfd){ .fd = s->rs[r].gone ? -1 : s->job.rank[r].fd, .events = POLLIN };
        fds[W] = (struct pollfd){ .fd = s->job.out_fd, .events = POLLIN };
        poll(fds, W + 1, POLL_MS);
        done = 0;
        for (unsigned r = 0; r < W; r++) {
            if (fds[r].revents && !read_rank(s, plan, r, why, sizeof why) && failed_rank < 0 && !s->rs[r].done)
                failed_rank = (int)r;
            done += s->rs[r].done;
        }
        if (fds[W].revents)
            pb__mpi_job_read_output(&s->job);
        if (failed_rank >= 0 || (done < W && pb__mpi_job_launcher_ended(&s->job))) {
            free(fds);
            return fail_run(s, plan, st, err, -1, 0, failed_rank, why);
        }
        if (ex->config.task_timeout_ns > 0 && done < W) {
            int64_t now = pb_now_ns();
            for (unsigned r = 0; r < W; r++) {
                if (s->rs[r].done || task_in_hand(s, r) < 0 || now - s->rs[r].heard_ns <= ex->config.task_timeout_ns)
                    continue;
                free(fds);
                return fail_run(s, plan, st, err, (int)r, (double)(now - s->rs[r].heard_ns) / 1e9, -1, "");
            }
        }
    }
    free(fds);
    st->t_end = pb_now_ns();
    place_times(s, plan, st);

    pb__meter_end(&meter, &st->usage);   /* parbench's own part */
    st->usage.maxrss_kb = 0;            /* peak RSS: the largest rank's */
    for (unsigned r = 0; r < W; r++) {
        pb_usage u;
        split_cpu(&u, &s->rs[r].done_msg);
        pb__usage_add(&st->usage, &u);
    }
    if (launcher_sampled && sample_launcher(s, &launcher_after) == 0) {
        pb_usage u;
        pb__usage_between_samples(&u, &launcher_before, &launcher_after);
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
            const host_samples *x = &s->hs[i];
            s->views[i] = (pb_host_samples){ .host = x->host, .ncpus = x->ncpus, .cpu = x->cpu,
                                             .intervals = x->intervals, .end_ns = x->end_ns, .len_ns = x->len_ns,
                                             .share = x->share };
        }
        st->host_samples = s->views;
        st->nhost_samples = s->views ? s->nhs : 0;
    }
    return 0;
}

/* ---- open, close --------------------------------------------------------- */

static void mpi_close(pb_exec *ex)
{
    mpi_state *s = ex->state;
    if (!s)
        return;
    end_job(s, true);
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
    mpi_state *s = calloc(1, sizeof *s);
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
    const mpi_state *s = ex->state;
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
