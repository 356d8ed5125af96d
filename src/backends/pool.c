/* The pool's verbs: open (shared state, workers started), execute (one run:
 * publish, wait, account CPU) and close. The worker loop is in
 * pool_worker.c, the parent's waiting in pool_wait.c, dead and overrunning
 * workers in pool_recover.c, lean batches in pool_lean.c (pool.h says what
 * the pool is). */
#include "pool_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "parbench/clock.h"
#include "parbench/machine.h"
#include "parbench/registry.h"

uint64_t pb__pool_default_chunk(size_t ntasks, unsigned workers)
{
    uint64_t per = 4 * (uint64_t)workers;
    uint64_t c = (ntasks + per - 1) / per;
    return c ? c : 1;
}

/* A CPU clock's reading; `otherwise` when it cannot be read (the worker
 * has just ended). */
static int64_t clock_ns(clockid_t clk, int64_t otherwise)
{
    struct timespec ts;
    if (clock_gettime(clk, &ts) != 0)
        return otherwise;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int pb__pool_open(pb_pool *p, const pb_pool_ops *ops, const char *name, const pb_exec_config *cfg,
                 const pb_plan *plan, void *impl, pb_error *err)
{
    memset(p, 0, sizeof *p);
    p->ops = ops;
    p->plan = plan;
    p->name = name;
    p->impl = impl;
    p->workers = cfg->workers;
    p->cfg = *cfg;
    p->pipe_ipc = cfg->ipc == PB_IPC_PIPE;
    p->task_timeout_ns = cfg->task_timeout_ns;
    p->wait = cfg->wait;
    p->idle_spin_ns = pb_wait_spin_ns(&cfg->wait, false);
    p->spin_yield = cfg->workers + 1 > pb_allowed_pus();   /* the workers and the parent */
    p->chunk = cfg->chunk ? cfg->chunk : pb__pool_default_chunk(plan->ntasks, cfg->workers);
    p->task_pipe[0] = p->task_pipe[1] = p->result_pipe[0] = p->result_pipe[1] = -1;
    if (plan->ntasks > PB__POOL_INDEX_MASK)
        return pb_fail(err, PB_E_RANGE, "%s: at most %llu tasks", name, (unsigned long long)PB__POOL_INDEX_MASK);

    p->sh = mmap(NULL, sizeof *p->sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p->sh == MAP_FAILED) {
        p->sh = NULL;
        return pb_fail_errno(err, PB_E_NOMEM, errno, "%s: cannot map the queue", name);
    }
    p->ctl = pb__control_create(p->workers, err);
    p->base_count = calloc(p->workers, sizeof *p->base_count);
    p->before = calloc(p->workers, sizeof *p->before);
    p->sampled = calloc(p->workers, sizeof *p->sampled);
    p->clock = calloc(p->workers, sizeof *p->clock);
    p->cpu_after = calloc(p->workers, sizeof *p->cpu_after);
    if (!p->ctl || !p->base_count || !p->before || !p->sampled || !p->clock || !p->cpu_after) {
        bool control_failed = !p->ctl;   /* pb__control_create said why; read before close clears it */
        pb__pool_close(p);
        return control_failed ? PB_E_NOMEM : pb_fail(err, PB_E_NOMEM, "%s: out of memory", name);
    }
    if (p->pipe_ipc) {
        if (pipe2(p->task_pipe, O_CLOEXEC) != 0 || pipe2(p->result_pipe, O_CLOEXEC) != 0) {
            int e = errno;
            pb__pool_close(p);
            return pb_fail_errno(err, PB_E_SYS, e, "%s: cannot create pipes", name);
        }
        /* the parent never blocks on them: it polls both while a run goes */
        fcntl(p->task_pipe[1], F_SETFL, O_NONBLOCK);
        fcntl(p->result_pipe[0], F_SETFL, O_NONBLOCK);
    }
    for (unsigned w = 0; w < p->workers; w++) {
        int rc = ops->spawn(p, w, err);
        if (rc) {
            p->workers = w;   /* stop only those that started */
            pb__pool_close(p);
            return rc;
        }
    }
    /* open returns when every worker is in its loop (its tid published) */
    for (unsigned w = 0; w < p->workers; w++) {
        int rc = pb__pool_await_started(p, w, err);
        if (rc) {
            pb__pool_close(p);
            return rc;
        }
    }
    return 0;
}

int pb__pool_execute(pb_pool *p, pb_run_stats *st, pb_error *err)
{
    int rc = pb__pool_check_workers(p, false, st, err);   /* anything that died while idle */
    if (rc)
        return rc;
    /* workers are read before the parent's own meter starts and after it
     * stops, so that reading them is counted nowhere */
    st->t_usage_from = pb_now_ns();   /* before any reading: a clock that could not be read falls back on the sample's */
    for (unsigned w = 0; w < p->workers; w++) {
        p->base_count[w] = pb__progress_count(atomic_load(&p->ctl->slot[w].progress));
        p->sampled[w] = p->ops->sample(p, w, &p->before[w]) == 0 && p->ops->cpu_clock(p, w, &p->clock[w]) == 0;
    }
    /* CPU clocks last, right before the run: the readings above take tens
     * of microseconds, during which a spinning worker would be counted */
    for (unsigned w = 0; w < p->workers; w++)
        if (p->sampled[w])
            p->before[w].cpu_ns = clock_ns(p->clock[w], p->before[w].cpu_ns);
    pb_thread_meter meter;
    pb__meter_begin(&meter);
    p->accounted = p->received = 0;
    p->replaced = 0;
    memset(&p->lost_usage, 0, sizeof p->lost_usage);
    p->resend_count = 0;
    atomic_store(&p->sh->hint, 0);
    atomic_store(&p->ctl->seq, 0);
    atomic_store(&p->sh->last_done_ns, 0);
    st->chunk = p->chunk;

    atomic_store(&p->sh->resting, 0);   /* a run: workers may spin again */
    st->t_start = pb_now_ns();
    p->batch = (p->batch + 1) & PB__POOL_BATCH_MASK;
    if (p->batch == 0)
        p->batch = 1;
    if (p->pipe_ipc) {
        p->pending_lo = 0;
        p->pending_hi = p->plan->ntasks;
        pb__pool_feed_pipe(p);   /* spawn ends when workers can take tasks: the first chunks written */
        st->t_gate = pb_now_ns();
        rc = pb__pool_wait_pipe(p, st, err);
    } else {
        uint64_t chunks = (p->plan->ntasks + p->chunk - 1) / p->chunk;
        atomic_store(&p->sh->mode, PB_POOL_PLAN);
        atomic_store(&p->sh->claim, (uint64_t)p->batch << PB__POOL_INDEX_BITS);
        atomic_store(&p->sh->batch, p->batch);
        if (atomic_load(&p->sh->sleepers))   /* spinning workers need no wake-up */
            pb__futex_wake(&p->sh->batch, chunks < p->workers ? (int)chunks : (int)p->workers);
        st->t_gate = pb_now_ns();
        rc = pb__pool_wait_arena(p, st, err);
    }
    st->t_end = pb_now_ns();
    int64_t last = atomic_load(&p->sh->last_done_ns);
    st->t_work_end = (last && last <= st->t_end && last >= st->t_gate) ? last : st->t_end;
    st->replaced = p->replaced;
    snprintf(st->bind_refusal, sizeof st->bind_refusal, "%s", pb__control_bind_refusal(p->ctl));

    pb__meter_end(&meter, &st->usage);   /* the parent's own part */
    int64_t *cpu_after = p->cpu_after;  /* CPU clocks first, right after the run */
    for (unsigned w = 0; w < p->workers; w++)
        cpu_after[w] = p->sampled[w] ? clock_ns(p->clock[w], -1) : -1;
    st->t_usage_to = pb_now_ns();
    st->usage.maxrss_kb = 0;            /* peak RSS: the largest worker's (a thread's is its process's) */
    pb__usage_add(&st->usage, &p->lost_usage);
    for (unsigned w = 0; w < p->workers; w++) {
        pb_task_sample after;
        if (!p->sampled[w] || cpu_after[w] < 0 || p->ops->sample(p, w, &after) != 0)
            continue;
        after.cpu_ns = cpu_after[w];
        pb_usage used;
        pb__usage_between_samples(&used, &p->before[w], &after);
        pb__usage_add(&st->usage, &used);
    }
    if (rc == 0 && p->replaced)
        rc = pb_fail(err, PB_E_WORKER, "%s: %s", p->name, st->note);
    return rc;
}

pb_pool *pb__pool_of(pb_exec *ex)
{
    if (ex->backend != &pb_backend_thread_pool && ex->backend != &pb_backend_process_pool)
        return NULL;
    return ex->state;   /* both keep their pb_pool first */
}

void pb__pool_rest(pb_pool *p)
{
    if (p->sh)
        atomic_store(&p->sh->resting, 1);
}

void pb__pool_close(pb_pool *p)
{
    if (p->sh) {
        atomic_store(&p->sh->resting, 1);   /* spinners stop spinning, then see stop */
        atomic_store(&p->sh->stop, 1);
        /* batch moves too: a worker between its last look at stop and its futex_wait on batch would
         * otherwise sleep on an unchanged word through the wake-up (found by ThreadSanitizer in
         * bench/forkjoin: a thread-pool worker still asleep 2 s later). A worker that sees the new
         * batch sees stop first (stop is stored before it; both sequentially consistent). */
        atomic_fetch_add(&p->sh->batch, 1);
        pb__futex_wake(&p->sh->batch, INT_MAX);
    }
    if (p->task_pipe[1] >= 0) {
        close(p->task_pipe[1]);            /* workers read end of file and leave */
        p->task_pipe[1] = -1;
    }
    bool all_gone = true;
    if (p->ctl) {
        /* a stuck thread never leaves: give it little time, and it is left running */
        int64_t deadline = pb_now_ns() + (p->hung ? PB__POOL_CLOSE_GRACE_NS / 20 : PB__POOL_CLOSE_GRACE_NS);
        for (unsigned w = 0; w < p->workers; w++)
            all_gone &= p->ops->reap(p, w, deadline);
    }
    if (p->hung || !all_gone)
        return;   /* a thread still runs and uses all of this: the process's exit ends it */
    for (int i = 0; i < 2; i++) {
        if (p->task_pipe[i] >= 0)
            close(p->task_pipe[i]);
        if (p->result_pipe[i] >= 0)
            close(p->result_pipe[i]);
        p->task_pipe[i] = p->result_pipe[i] = -1;
    }
    pb__control_destroy(p->ctl);
    if (p->sh)
        munmap(p->sh, sizeof *p->sh);
    p->ctl = NULL;
    p->sh = NULL;
    free(p->base_count);
    free(p->before);
    free(p->sampled);
    free(p->clock);
    free(p->cpu_after);
    free(p->resend);
    p->base_count = NULL;
    p->before = NULL;
    p->sampled = NULL;
    p->clock = NULL;
    p->cpu_after = NULL;
    p->resend = NULL;
}
