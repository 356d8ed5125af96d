/* The pool's lean batches, for bench/forkjoin (pool.h): a function over
 * claimed chunks or once in every worker, dispatched and awaited as a run
 * is, without a plan's accounting; and the barrier of a team. */
#include "pool_internal.h"

#include <limits.h>
#include <time.h>

#include "parbench/clock.h"

/* A lean batch (mode and its fields already written): publish, wait. */
static int run_lean(pb_pool *p, uint64_t total, uint64_t wake, pb_error *err)
{
    if (p->pipe_ipc)
        return pb_fail(err, PB_E_UNSUPP, "%s: function batches need the arena transport", p->name);
    if (total > PB__POOL_INDEX_MASK || total > UINT32_MAX)
        return pb_fail(err, PB_E_RANGE, "%s: at most %u tasks in a batch", p->name, UINT32_MAX);
    pb_pool_shared *sh = p->sh;
    atomic_store(&sh->hint, 0);
    atomic_store(&sh->resting, 0);
    p->batch = (p->batch + 1) & PB__POOL_BATCH_MASK;
    if (p->batch == 0)
        p->batch = 1;
    atomic_store(&sh->claim, (uint64_t)p->batch << PB__POOL_INDEX_BITS);
    atomic_store(&sh->batch, p->batch);
    if (atomic_load(&sh->sleepers))
        pb__futex_wake(&sh->batch, wake < p->workers ? (int)wake : (int)p->workers);
    struct timespec poll_ts = { 0, PB__POOL_POLL_NS };
    int64_t spin_left = pb_wait_spin_ns(&p->wait, true), next_check = pb_now_ns() + PB__POOL_POLL_NS;
    for (;;) {
        uint32_t f = atomic_load(&sh->finished);
        if (f == p->batch)
            return 0;
        if (!pb__pool_parent_spin(p, &sh->finished, f, &spin_left) && spin_left <= 0) {
            atomic_store(&sh->parent_asleep, 1);
            if (atomic_load(&sh->finished) == f)
                pb__futex_wait(&sh->finished, f, &poll_ts);
            atomic_store(&sh->parent_asleep, 0);
        }
        if (pb_now_ns() < next_check)
            continue;
        next_check = pb_now_ns() + PB__POOL_POLL_NS;
        for (unsigned w = 0; w < p->workers; w++) {
            char how[128];
            int sig, status;
            if (p->ops->ended(p, w, how, sizeof how, &sig, &status))
                return pb_fail(err, PB_E_WORKER, "%s: worker %u %s during a function batch", p->name, w, how);
        }
    }
}

int pb__pool_run_tasks(pb_pool *p, uint64_t ntasks, uint64_t chunk, pb_pool_task_fn fn, void *arg, pb_error *err)
{
    if (ntasks == 0)
        return 0;
    uint64_t c = chunk ? chunk : pb__pool_default_chunk(ntasks, p->workers);
    atomic_store(&p->sh->mode, PB_POOL_FUNCTION);
    atomic_store(&p->sh->fn_tasks, ntasks);
    atomic_store(&p->sh->fn_chunk, c);
    atomic_store(&p->sh->task_fn, fn);
    atomic_store(&p->sh->fn_arg, arg);
    return run_lean(p, ntasks, (ntasks + c - 1) / c, err);
}

int pb__pool_run_team(pb_pool *p, pb_pool_team_fn fn, void *arg, pb_error *err)
{
    atomic_store(&p->sh->mode, PB_POOL_TEAM);
    atomic_store(&p->sh->team_fn, fn);
    atomic_store(&p->sh->fn_arg, arg);
    return run_lean(p, p->workers, p->workers, err);
}

void pb__pool_barrier(pb_pool *p)
{
    pb_pool_shared *sh = p->sh;
    uint32_t gen = atomic_load(&sh->bar_gen);
    if (atomic_fetch_add(&sh->bar_count, 1) + 1 == p->workers) {
        atomic_store(&sh->bar_count, 0);   /* nobody arrives again before gen moves */
        atomic_store(&sh->bar_gen, gen + 1);
        if (atomic_load(&sh->bar_sleepers))
            pb__futex_wake(&sh->bar_gen, INT_MAX);
        return;
    }
    if (pb__spin_while_equal(&sh->bar_gen, gen, pb_wait_spin_ns(&p->wait, true), p->spin_yield, NULL))
        return;
    atomic_fetch_add(&sh->bar_sleepers, 1);   /* then read bar_gen: as idle_wait */
    while (atomic_load(&sh->bar_gen) == gen)
        pb__futex_wait(&sh->bar_gen, gen, NULL);
    atomic_fetch_sub(&sh->bar_sleepers, 1);
}
