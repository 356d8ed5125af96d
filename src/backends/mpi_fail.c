/* A run the MPI job did not survive: a rank crashed, exited, overran
 * --task-timeout or closed its stream, or the launcher ended. The job is
 * ended, the rank to blame is named with its host and its signal or
 * status, and the tasks in hand are recorded as lost. */
#include "mpi_internal.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backends/worker/gate.h"
#include "parbench/clock.h"

#define DYING_GRACE_NS (3 * INT64_C(1000000000))   /* a failing job's launcher has this long to say why */

int64_t pb__mpi_task_in_hand(const pb__mpi_state *s, unsigned r)
{
    const pb__mpi_rank_state *rs = &s->rs[r];
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

int pb__mpi_fail_run(pb__mpi_state *s, pb_plan *plan, pb_run_stats *st, pb_error *err, int timed_out_rank,
                     double overrun_s, int first_gone, const char *why)
{
    if (timed_out_rank < 0) {
        int64_t deadline = pb_now_ns() + DYING_GRACE_NS;
        while (!pb__mpi_job_launcher_ended(&s->job) && pb_now_ns() < deadline) {
            for (unsigned r = 0; r < s->workers; r++) {
                char ignored[8];
                pb__mpi_read_rank(s, plan, r, ignored, sizeof ignored);   /* FAULT messages, late outcomes */
            }
            if (s->job.out_fd >= 0) {
                struct pollfd p = { .fd = s->job.out_fd, .events = POLLIN };
                poll(&p, 1, PB__MPI_POLL_MS);
            } else {
                nanosleep(&(struct timespec){ 0, PB__MPI_POLL_MS * 1000000 }, NULL);
            }
            pb__mpi_job_read_output(&s->job);
        }
        for (unsigned r = 0; r < s->workers; r++) {
            char ignored[8];
            pb__mpi_read_rank(s, plan, r, ignored, sizeof ignored);
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
    int64_t task = culprit >= 0 ? pb__mpi_task_in_hand(s, (unsigned)culprit) : -1;
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
                 host, sig, pb_signal_text(sig), in_task);
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
            mark_lost(plan, pb__mpi_task_in_hand(s, r), r, s->rs[r].heard_ns, 0, -1);
    st->worker_host = s->host_of;
    snprintf(st->hosts, sizeof st->hosts, "%s", s->hosts);
    pb__mpi_end_job(s, false);
    return pb_fail(err, PB_E_WORKER, "mpi: %s", what);
}

