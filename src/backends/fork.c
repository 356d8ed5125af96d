/* fork: W child processes forked for each run, each given a static block of
 * tasks, released together by the start gate and reaped with wait4 at the
 * end. The per-run cost it exposes is fork (page tables, copy-on-write
 * faults) and waitpid. Outcomes come back through the shared arena; each
 * child's CPU time comes from its own wait4, so nothing is double-counted
 * and nothing of earlier children is mixed in.
 *
 * A child that crashes is reaped and reported; the others' outcomes stay. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/worker/children.h"
#include "backends/worker/crash.h"
#include "backends/worker/gate.h"
#include "backends/worker/usage.h"
#include "parbench/backend.h"
#include "parbench/clock.h"

typedef struct fork_state {
    pb_control *ctl;
    pid_t *pids;
    bool *killed;              /* killed by the parent for overrunning --task-timeout */
    unsigned started;
    const pb_plan *plan;
    pb_run_stats *st;
} fork_state;

static _Noreturn void child_main(const pb_plan *plan, pb_control *ctl, const pb_exec_config *cfg, unsigned w,
                                 pid_t parent)
{
    /* Die with the parent, even if it died between fork and prctl. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(127);
    /* A crash is reported by its signal; no core file is left behind. */
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core);
    pb__crash_guard_reset_in_child();
    atomic_store(&ctl->slot[w].tid, (int32_t)getpid());
    pb__slot_bind(ctl, cfg, w);   /* after fork, before the gate */
    if (pb__gate_arrive(ctl)) {
        size_t first, last;
        pb_static_block(plan->ntasks, ctl->workers, w, &first, &last);
        for (size_t i = first; i < last; i++)
            pb__slot_run_task(&ctl->slot[w], &ctl->seq, plan, i, w);
        pb__worker_done(ctl, w);
    }
    _exit(0);   /* not exit(): the parent's stdio buffers are not ours to flush */
}

/* Has any child ended before the gate opened? (Leaves it reapable.) */
static int any_child_gone(void *arg)
{
    fork_state *s = arg;
    for (unsigned w = 0; w < s->started; w++) {
        siginfo_t si = { 0 };
        if (waitid(P_PID, (id_t)s->pids[w], &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
            return 1;
    }
    return 0;
}

/* While waiting for the children: who ended early, who overran (killed). */
static int check_children(void *arg, int64_t timeout_ns)
{
    fork_state *s = arg;
    unsigned alive = 0;
    for (unsigned w = 0; w < s->started; w++) {
        if (atomic_load(&s->ctl->slot[w].done_ns))
            continue;
        siginfo_t si = { 0 };
        if (waitid(P_PID, (id_t)s->pids[w], &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
            continue;   /* ended: reaped and reported below */
        int64_t task, ran = pb__slot_overrun(s->ctl, s->plan, w, timeout_ns, &task);
        if (ran) {
            char what[160];
            snprintf(what, sizeof what, "worker %u was killed after %.3f s in task %lld (--task-timeout)",
                     w, (double)ran / 1e9, (long long)task);
            pb__stats_note(s->st, what);
            kill(s->pids[w], SIGKILL);
            s->killed[w] = true;
            continue;
        }
        alive++;
    }
    return alive ? 0 : 1;   /* 1: nobody left to wait for */
}

static void describe_status(char *buf, size_t size, unsigned w, pid_t pid, int status)
{
    if (WIFSIGNALED(status))
        snprintf(buf, size, "worker %u (pid %d) was killed by signal %d (%s)", w, (int)pid,
                 WTERMSIG(status), pb_signal_text(WTERMSIG(status)));
    else
        snprintf(buf, size, "worker %u (pid %d) exited with status %d", w, (int)pid,
                 WEXITSTATUS(status));
}

static void fork_close(pb_exec *ex)
{
    fork_state *s = ex->state;
    if (!s)
        return;
    pb__control_destroy(s->ctl);
    free(s->pids);
    free(s->killed);
    free(s);
    ex->state = NULL;
}

static int fork_open(pb_exec *ex, const pb_plan *plan, pb_error *err)
{
    (void)plan;
    fork_state *s = calloc(1, sizeof *s);
    if (!s)
        return pb_fail(err, PB_E_NOMEM, "fork: out of memory");
    ex->state = s;
    s->pids = calloc(ex->config.workers, sizeof *s->pids);
    s->killed = calloc(ex->config.workers, sizeof *s->killed);
    s->ctl = pb__control_create(ex->config.workers, err);
    if (!s->pids || !s->killed || !s->ctl) {
        bool control_failed = !s->ctl;   /* read before close frees s */
        fork_close(ex);
        return control_failed ? PB_E_NOMEM : pb_fail(err, PB_E_NOMEM, "fork: out of memory");
    }
    return 0;
}

static int fork_execute(pb_exec *ex, const pb_plan *plan, pb_run_stats *st, pb_error *err)
{
    fork_state *s = ex->state;
    unsigned W = ex->config.workers;
    int rc = 0;
    pb_thread_meter meter;
    pid_t self = getpid();

    fflush(NULL);   /* nothing buffered may be duplicated into children */
    pb__control_reset(s->ctl);
    memset(s->killed, 0, W * sizeof *s->killed);
    s->plan = plan;
    s->st = st;
    st->chunk = (plan->ntasks + W - 1) / W;
    pb__meter_begin(&meter);
    st->t_start = pb_now_ns();
    for (s->started = 0; s->started < W; s->started++) {
        pid_t pid = pb__children_fork();
        if (pid == 0)
            child_main(plan, s->ctl, &ex->config, s->started, self);
        if (pid < 0) {
            rc = pb_fail_errno(err, PB_E_WORKER, errno, "fork: cannot start worker %u of %u",
                               s->started + 1, W);
            pb__stats_note(st, err->msg);
            break;
        }
        s->pids[s->started] = pid;
    }
    if (rc == 0 && pb__gate_wait_ready(s->ctl, 20, any_child_gone, s) != 0) {
        /* A child died before the start: let the others run, report it when reaping. */
        rc = PB_E_WORKER;
    }
    st->t_gate = pb_now_ns();
    pb__gate_release(s->ctl, (rc && s->started < W) ? PB_GATE_ABORT : PB_GATE_OPEN);
    if (s->started == W && ex->config.task_timeout_ns > 0)   /* otherwise wait4 is the wait */
        pb__wait_workers_done(s->ctl, ex->config.task_timeout_ns, check_children, s);

    for (unsigned w = 0; w < s->started; w++) {
        int status;
        struct rusage ru;
        pid_t got;
        if ((got = pb__children_reap(s->pids[w], &status, 0, &ru)) < 0) {
            rc = pb_fail_errno(err, PB_E_WORKER, errno, "fork: cannot reap worker %u", w);
            continue;
        }
        pb_usage child;
        pb__usage_of_child(&child, &ru);
        pb__usage_add(&st->usage, &child);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char what[160];
            describe_status(what, sizeof what, w, got, status);
            if (!s->killed[w])
                pb__stats_note(st, what);
            pb__slot_mark_lost(s->ctl, plan, w, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                              WIFSIGNALED(status) ? -1 : WEXITSTATUS(status));
            rc = pb_fail(err, PB_E_WORKER, "fork: %s", st->note);
        }
    }
    st->t_end = pb_now_ns();
    pb_usage parent;
    pb__meter_end(&meter, &parent);

    int64_t last = pb__control_last_done(s->ctl);
    st->t_work_end = last ? last : st->t_gate;
    snprintf(st->bind_refusal, sizeof st->bind_refusal, "%s", pb__control_bind_refusal(s->ctl));
    st->bind_ns = pb__control_bind_ns(s->ctl);   /* inside spawn: a worker binds itself once it exists */
    int64_t children_rss = st->usage.maxrss_kb;
    pb__usage_add(&st->usage, &parent);
    st->usage.maxrss_kb = children_rss;     /* the largest worker, not the parent */
    return rc;
}

const pb_backend pb_backend_fork = {
    .name = "fork",
    .summary = "W processes forked per run, static blocks of tasks, reaped with wait4",
    .ipc_mask = 1u << PB_IPC_ARENA,
    .open = fork_open,
    .execute = fork_execute,
    .close = fork_close,
};
