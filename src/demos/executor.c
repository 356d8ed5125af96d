#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "narrate.h"
#include "parbench/clock.h"

/* caller -> worker: one task; worker -> caller: one result. Both fixed-size
 * and under PIPE_BUF, so every write and every read moves one whole message
 * (as multiprocessing sends each pickled object whole). */
typedef struct task_msg {
    int32_t index;             /* -1: leave (the shutdown sentinel) */
    int32_t kind;
    int32_t sleep_ms;
} task_msg;

typedef struct result_msg {
    int32_t index;
    int32_t raised;            /* 1: the task raised */
    int32_t pid;
    int64_t value;
} result_msg;

static _Noreturn void worker_loop(int tasks_r, int results_w)
{
    for (;;) {
        task_msg t;
        ssize_t k = read(tasks_r, &t, sizeof t);
        if (k < 0 && errno == EINTR)
            continue;
        if (k != (ssize_t)sizeof t || t.index < 0)
            _exit(0);
        nanosleep(&(struct timespec){ t.sleep_ms / 1000, (long)(t.sleep_ms % 1000) * 1000000 }, NULL);
        if (t.kind == PB__TASK_DIES)
            _exit(1);                                      /* os._exit(1) inside the task */
        result_msg r = { t.index, t.kind == PB__TASK_RAISES, (int32_t)getpid(), (int64_t)t.index * t.index };
        if (write(results_w, &r, sizeof r) != (ssize_t)sizeof r)
            _exit(2);
    }
}

int pb__executor_start(pb__executor *e, int workers, int ntasks, const pb__task_kind *kind, const int *sleep_ms)
{
    memset(e, 0, sizeof *e);
    if (workers < 1 || workers > PB__EXEC_MAX_WORKERS || ntasks < 1 || ntasks > PB__EXEC_MAX_TASKS)
        return PB_E_RANGE;
    int tp[2], rp[2];
    if (pipe2(tp, O_CLOEXEC) != 0)
        return PB_E_SYS;
    if (pipe2(rp, O_CLOEXEC) != 0) {
        close(tp[0]);
        close(tp[1]);
        return PB_E_SYS;
    }
    fflush(stdout);
    for (int w = 0; w < workers; w++) {
        pid_t pid = pb__demo_fork();
        if (pid == 0) {
            close(tp[1]);
            close(rp[0]);
            worker_loop(tp[0], rp[1]);
        }
        e->pid[e->workers++] = pid > 0 ? pid : 0;
    }
    close(tp[0]);
    close(rp[1]);
    e->tasks_w = tp[1];
    e->results_r = rp[0];
    e->ntasks = ntasks;
    e->t0_ns = pb_now_ns();
    for (int i = 0; i < ntasks; i++) {   /* submit(): every task queued at once */
        task_msg t = { i, kind[i], sleep_ms[i] };
        if (write(e->tasks_w, &t, sizeof t) != (ssize_t)sizeof t)
            return PB_E_SYS;
    }
    return 0;
}

static int settled(const pb__executor *e)
{
    int n = 0;
    for (int i = 0; i < e->ntasks; i++)
        n += e->future[i].state != PB__FUTURE_PENDING;
    return n;
}

/* A worker died: the executor is broken; every future not yet settled fails. */
static void break_pool(pb__executor *e)
{
    e->broken = true;
    int64_t now = pb_now_ns();
    for (int i = 0; i < e->ntasks; i++)
        if (e->future[i].state == PB__FUTURE_PENDING) {
            e->future[i].state = PB__FUTURE_BROKEN;
            e->future[i].done_ns = now;
        }
}

int pb__executor_wait(pb__executor *e, int timeout_ms)
{
    int64_t until = timeout_ms < 0 ? INT64_MAX : pb_now_ns() + (int64_t)timeout_ms * 1000000;
    while (settled(e) < e->ntasks && !e->broken) {
        int64_t left = until - pb_now_ns();
        if (left <= 0)
            break;                       /* TimeoutError: the caller stops waiting; the tasks go on */
        struct pollfd p = { .fd = e->results_r, .events = POLLIN };
        int wait_ms = left > 10000000 ? 10 : (int)(left / 1000000) + 1;
        if (poll(&p, 1, wait_ms) > 0 && (p.revents & POLLIN)) {
            result_msg r;
            if (read(e->results_r, &r, sizeof r) == (ssize_t)sizeof r && r.index >= 0 && r.index < e->ntasks) {
                pb__future *f = &e->future[r.index];
                f->state = r.raised ? PB__FUTURE_RAISED : PB__FUTURE_DONE;
                f->value = (long)r.value;
                f->worker_pid = r.pid;
                f->done_ns = pb_now_ns();
            }
            continue;
        }
        for (int w = 0; w < e->workers; w++) {   /* a worker that is gone breaks the pool */
            int status;
            if (e->pid[w] > 0 && waitpid(e->pid[w], &status, WNOHANG) == e->pid[w]) {
                e->pid[w] = 0;
                break_pool(e);
            }
        }
    }
    return settled(e);
}

void pb__executor_shutdown(pb__executor *e)
{
    for (int w = 0; w < e->workers && !e->broken; w++) {   /* one sentinel per worker */
        task_msg t = { -1, 0, 0 };
        if (write(e->tasks_w, &t, sizeof t) != (ssize_t)sizeof t)
            break;
    }
    for (int w = 0; w < e->workers; w++) {
        if (e->pid[w] <= 0)
            continue;
        if (e->broken)
            kill(e->pid[w], SIGTERM);    /* a broken pool ends the workers it has left */
        waitpid(e->pid[w], NULL, 0);
        e->pid[w] = 0;
    }
    close(e->tasks_w);
    close(e->results_r);
}
