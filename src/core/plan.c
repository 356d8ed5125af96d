#include "parbench/workload.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backends/worker/crash.h"
#include "parbench/clock.h"
#include "parbench/gil.h"

/* Byte written over a plan's output before each repetition. */
#define PB_POISON 0xA5

void pb_task_sleep(pb_outcome *out, int64_t ns)
{
    struct timespec req = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
    pb_gil_drop();   /* sleeping (I/O) lets go of the GIL, as in CPython */
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &req) == EINTR)
        ;
    pb_gil_take();
    out->sleep_ns += ns;
}

int pb_workload_check(const pb_workload *w, const pb_params *params, pb_error *err)
{
    if (w->validate) {
        int rc = w->validate(params, err);
        if (rc)
            return rc;
    }
    size_t ntasks = w->count_tasks(params);
    if (ntasks == 0)
        return pb_fail(err, PB_E_ARG, "%s: these parameters make no task", w->name);
    if (params->fault != PB_FAULT_NONE && params->fault_task >= ntasks)
        return pb_fail(err, PB_E_RANGE, "%s: fault=%s@%llu names no task (tasks are 0 to %zu)", w->name,
                       pb_fault_name(params->fault), (unsigned long long)params->fault_task, ntasks - 1);
    return 0;
}

int pb_plan_create(pb_plan *plan, const pb_workload *w, const pb_params *params, pb_error *err)
{
    memset(plan, 0, sizeof *plan);
    plan->workload = w;
    plan->params = *params;
    plan->owner_pid = getpid();
    int rc = pb_workload_check(w, params, err);
    if (rc)
        return rc;
    plan->ntasks = w->count_tasks(params);
    rc = pb_arena_create(&plan->arena, 0, err);
    if (rc)
        return rc;
    plan->outcomes = pb_arena_alloc(&plan->arena, plan->ntasks * sizeof(pb_outcome),
                                    _Alignof(pb_outcome), err);
    rc = plan->outcomes ? w->plan(plan, err) : err->code;
    if (rc)
        pb_plan_destroy(plan);
    return rc;
}

void pb_plan_destroy(pb_plan *plan)
{
    pb_arena_destroy(&plan->arena);
    plan->outcomes = NULL;
    plan->input = plan->output = plan->data = NULL;
}

void pb_plan_reset(pb_plan *plan)
{
    memset(plan->outcomes, 0, plan->ntasks * sizeof(pb_outcome));
    if (plan->output)
        memset(plan->output, PB_POISON, plan->output_bytes);
}

/* The injected misbehaviour of fault=KIND@TASK. */
static void inject_fault(const pb_plan *plan)
{
    switch (plan->params.fault) {
    case PB_FAULT_SEGV:
        raise(SIGSEGV);
        break;
    case PB_FAULT_ABORT:
        abort();
    case PB_FAULT_EXIT:
        if (getpid() != plan->owner_pid)
            _exit(3);                          /* a worker process ends */
        if (gettid() != getpid())
            pthread_exit(NULL);                /* a worker thread ends; the process goes on */
        pb__crash_report("exit", "the serial backend runs tasks in parbench itself");
        _exit(3);
    case PB_FAULT_HANG:
        for (;;)
            pause();
    case PB_FAULT_NONE:
        break;
    }
}

void pb_run_one_task(const pb_plan *plan, size_t task, int worker, pb_outcome *out)
{
    out->worker = worker;
    out->cpu_start = sched_getcpu();
    __atomic_store_n(&out->t_start_ns, pb_now_ns(), __ATOMIC_RELAXED);   /* the parent watches it for timeouts */
    __atomic_store_n(&out->status, PB_TASK_RUNNING, __ATOMIC_RELEASE);
    if (plan->params.fault != PB_FAULT_NONE && task == plan->params.fault_task)
        inject_fault(plan);
    pb_gil_take();   /* no-op unless --gil */
    int64_t cpu0 = pb_thread_cpu_ns();
    plan->workload->run_task(plan, task, out);
    out->cpu_ns = pb_thread_cpu_ns() - cpu0;
    pb_gil_drop();
    out->t_end_ns = pb_now_ns();
    out->cpu_end = sched_getcpu();
    __atomic_store_n(&out->status, PB_TASK_DONE, __ATOMIC_RELEASE);
}

int pb_plan_verify(const pb_plan *plan, char *result, size_t result_size, pb_error *err)
{
    snprintf(result, result_size, "-");
    size_t missing = 0, first = 0;
    for (size_t i = 0; i < plan->ntasks; i++) {
        if (__atomic_load_n(&plan->outcomes[i].status, __ATOMIC_ACQUIRE) != PB_TASK_DONE) {
            if (!missing++)
                first = i;
        }
    }
    if (missing) {
        const pb_outcome *o = &plan->outcomes[first];
        char how[96] = "";
        if (o->status == PB_TASK_LOST && o->signal)
            snprintf(how, sizeof how, ", its worker killed by signal %d (%s)", o->signal, pb_signal_text(o->signal));
        else if (o->status == PB_TASK_LOST && o->exit_status == -2)
            snprintf(how, sizeof how, ", its worker thread ended");
        else if (o->status == PB_TASK_LOST)
            snprintf(how, sizeof how, ", its worker exited with status %d", o->exit_status);
        return pb_fail(err, PB_E_VERIFY, "%zu of %zu tasks did not finish (first: task %zu%s)",
                       missing, plan->ntasks, first, how);
    }
    return plan->workload->verify(plan, plan->outcomes, result, result_size, err);
}
