/* process-pool: W processes forked once when the backend opens, pulling
 * chunks of tasks from one queue in shared memory (process-shared futexes),
 * outcomes written to the arena; or, with --ipc pipe, taking chunks from a
 * pipe and sending every outcome back over another, as multiprocessing.Pool
 * does. A worker that crashes, exits or overruns --task-timeout (killed) is
 * reaped and replaced, its task reported, the rest of its chunk handed to
 * the replacement; the other tasks finish. Workers die with the parent
 * (PR_SET_PDEATHSIG); closing the pool reaps every one of them. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/worker/children.h"
#include "backends/worker/crash.h"
#include "parbench/clock.h"
#include "pool.h"

typedef struct pp_state {
    pb_pool pool;              /* first: pb__pool_of relies on it */
    pid_t *pid;                /* 0: not running */
    struct rusage *end_usage;  /* of the worker reaped last in each place: its whole life */
    bool *has_end_usage;
} pp_state;

static int pp_spawn(pb_pool *p, unsigned w, pb_error *err)
{
    pp_state *s = p->impl;
    pid_t parent = getpid();
    atomic_store(&p->ctl->slot[w].tid, 0);
    atomic_store(&p->ctl->slot[w].finished, 0);
    fflush(NULL);
    pid_t pid = pb__children_fork();
    if (pid < 0)
        return pb_fail_errno(err, PB_E_WORKER, errno, "process-pool: cannot fork worker %u of %u", w + 1, p->workers);
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(127);
        struct rlimit no_core = { 0, 0 };
        setrlimit(RLIMIT_CORE, &no_core);
        pb__crash_guard_reset_in_child();
        if (p->pipe_ipc) {     /* hold only the ends a worker uses, so end of file arrives */
            close(p->task_pipe[1]);
            close(p->result_pipe[0]);
        }
        pb__pool_worker_main(p, w);
        _exit(0);
    }
    s->pid[w] = pid;
    return 0;
}

static void describe(char *how, size_t size, int status, int *sig, int *exit_status)
{
    if (WIFSIGNALED(status)) {
        *sig = WTERMSIG(status);
        *exit_status = -1;
        snprintf(how, size, "was killed by signal %d (%s)", *sig, pb_signal_text(*sig));
    } else {
        *sig = 0;
        *exit_status = WEXITSTATUS(status);
        snprintf(how, size, "exited with status %d", *exit_status);
    }
}

static bool pp_ended(pb_pool *p, unsigned w, char *how, size_t size, int *sig, int *exit_status)
{
    pp_state *s = p->impl;
    int status;
    if (s->pid[w] <= 0 || pb__children_reap(s->pid[w], &status, WNOHANG, &s->end_usage[w]) != s->pid[w])
        return false;
    s->pid[w] = 0;
    s->has_end_usage[w] = true;
    describe(how, size, status, sig, exit_status);
    return true;
}

static bool pp_kill(pb_pool *p, unsigned w)
{
    pp_state *s = p->impl;
    if (s->pid[w] > 0) {
        kill(s->pid[w], SIGKILL);
        s->has_end_usage[w] = pb__children_reap(s->pid[w], NULL, 0, &s->end_usage[w]) == s->pid[w];
        s->pid[w] = 0;
    }
    return true;
}

static bool pp_reap(pb_pool *p, unsigned w, int64_t deadline_ns)
{
    pp_state *s = p->impl;
    while (s->pid[w] > 0) {
        pid_t got = pb__children_reap(s->pid[w], NULL, WNOHANG, NULL);
        if (got == s->pid[w] || (got < 0 && errno == ECHILD)) {
            s->pid[w] = 0;
            break;
        }
        if (pb_now_ns() >= deadline_ns) {
            pp_kill(p, w);   /* it would not leave: no orphan, no zombie */
            break;
        }
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    }
    return true;   /* a process that would not leave was killed */
}

static int pp_sample(pb_pool *p, unsigned w, pb_task_sample *out)
{
    pp_state *s = p->impl;
    clockid_t clk;
    if (s->pid[w] <= 0 || clock_getcpuclockid(s->pid[w], &clk) != 0)
        return PB_E_SYS;
    return pb__sample_task(s->pid[w], s->pid[w], clk, out);
}

static int pp_cpu_clock(pb_pool *p, unsigned w, clockid_t *clk)
{
    pp_state *s = p->impl;
    return s->pid[w] > 0 && clock_getcpuclockid(s->pid[w], clk) == 0 ? 0 : PB_E_SYS;
}

static bool pp_final_sample(pb_pool *p, unsigned w, pb_task_sample *out)
{
    pp_state *s = p->impl;
    if (!s->has_end_usage[w])
        return false;
    s->has_end_usage[w] = false;
    pb__sample_of_child(&s->end_usage[w], out);
    return true;
}

static const pb_pool_ops pp_ops = {
    .kind = "process",
    .spawn = pp_spawn,
    .ended = pp_ended,
    .kill = pp_kill,
    .reap = pp_reap,
    .sample = pp_sample,
    .cpu_clock = pp_cpu_clock,
    .final_sample = pp_final_sample,
};

static void pp_close(pb_exec *ex)
{
    pp_state *s = ex->state;
    if (!s)
        return;
    pb__pool_close(&s->pool);
    free(s->pid);
    free(s->end_usage);
    free(s->has_end_usage);
    free(s);
    ex->state = NULL;
}

static int pp_open(pb_exec *ex, const pb_plan *plan, pb_error *err)
{
    unsigned W = ex->config.workers;
    pp_state *s = calloc(1, sizeof *s);
    if (s) {
        s->pid = calloc(W, sizeof *s->pid);
        s->end_usage = calloc(W, sizeof *s->end_usage);
        s->has_end_usage = calloc(W, sizeof *s->has_end_usage);
    }
    if (!s || !s->pid || !s->end_usage || !s->has_end_usage) {
        if (s) {
            free(s->pid);
            free(s->end_usage);
            free(s->has_end_usage);
        }
        free(s);
        return pb_fail(err, PB_E_NOMEM, "process-pool: out of memory");
    }
    ex->state = s;
    int rc = pb__pool_open(&s->pool, &pp_ops, "process-pool", &ex->config, plan, s, err);
    if (rc) {
        ex->state = NULL;
        free(s->pid);
        free(s->end_usage);
        free(s->has_end_usage);
        free(s);
    }
    return rc;
}

static int pp_execute(pb_exec *ex, const pb_plan *plan, pb_run_stats *st, pb_error *err)
{
    (void)plan;
    return pb__pool_execute(&((pp_state *)ex->state)->pool, st, err);
}

static void pp_rest(pb_exec *ex)
{
    if (ex->state)
        pb__pool_rest(&((pp_state *)ex->state)->pool);
}

const pb_backend pb_backend_process_pool = {
    .name = "process-pool",
    .summary = "W processes forked once, pulling chunks from a shared-memory queue (or pipes: --ipc pipe)",
    .is_pool = true,
    .uses_wait = true,
    .ipc_mask = 1u << PB_IPC_ARENA | 1u << PB_IPC_PIPE,
    .open = pp_open,
    .execute = pp_execute,
    .close = pp_close,
    .rest = pp_rest,
};
