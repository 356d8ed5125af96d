#include "baselines.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/futex.h"
#include "parbench/topology.h"
#include "parbench/workload.h"   /* pb_outcome: the pool's reply carries one */

extern char **environ;

static void *nothing(void *arg)
{
    return arg;
}

void pb__bl_thread_once(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, nothing, NULL) != 0) {
        perror("pthread_create");
        exit(1);
    }
    pthread_join(t, NULL);
}

void pb__bl_fork_once(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    waitpid(pid, NULL, 0);
}

void pb__bl_spawn_once(void)
{
    pid_t pid;
    char *argv[] = { "true", NULL };
    if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0) {
        perror("posix_spawn");
        exit(1);
    }
    waitpid(pid, NULL, 0);
}

void pb__bl_threads_at_once(unsigned w)
{
    pthread_t *t = malloc(w * sizeof *t);
    if (!t) {
        perror("malloc");
        exit(1);
    }
    for (unsigned i = 0; i < w; i++)
        if (pthread_create(&t[i], NULL, nothing, NULL) != 0) {
            perror("pthread_create");
            exit(1);
        }
    for (unsigned i = 0; i < w; i++)
        pthread_join(t[i], NULL);
    free(t);
}

void pb__bl_forks_at_once(unsigned w)
{
    pid_t *pid = malloc(w * sizeof *pid);   /* reaped by pid: other children of the caller are left alone */
    if (!pid) {
        perror("malloc");
        exit(1);
    }
    for (unsigned i = 0; i < w; i++) {
        pid[i] = fork();
        if (pid[i] == 0)
            _exit(0);
        if (pid[i] < 0) {
            perror("fork");
            exit(1);
        }
    }
    for (unsigned i = 0; i < w; i++)
        waitpid(pid[i], NULL, 0);
    free(pid);
}

void *pb__bl_touch_heap(size_t mb)
{
    size_t n = mb << 20;
    char *p = n ? malloc(n) : NULL;
    if (p)
        memset(p, 1, n);
    return p;
}

void pb__bl_pair_pus(int *waker, int *waiter)
{
    cpu_set_t set;
    *waker = *waiter = -1;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &set)) {
            if (*waker < 0)
                *waker = cpu;
            *waiter = cpu;
        }
}

int pb__bl_bind(int pu, pb_error *err)
{
    pb_worker_place wp = { .count = pu >= 0 };
    wp.pu[0] = pu;
    return pb_bind_self(&wp, err);
}

/* word: 0 = caller's turn, 1 = partner's turn, 2 = partner must leave */
struct pb_bl_partner {
    pb_bl_kind kind;
    int pu;                    /* where the partner binds itself; < 0: unbound */
    _Atomic uint32_t *word;
    pthread_t thread;
    pid_t pid;
    int to[2], from[2];
};

static void futex_partner(_Atomic uint32_t *word)
{
    for (;;) {
        uint32_t w;
        while ((w = atomic_load(word)) == 0)
            pb__futex_wait(word, 0, NULL);
        if (w == 2)
            return;
        atomic_store(word, 0);
        pb__futex_wake(word, 1);
    }
}

static void bind_partner(const pb_bl_partner *p)
{
    pb_error err;
    if (p->pu >= 0 && pb__bl_bind(p->pu, &err) != 0)
        fprintf(stderr, "baselines: the partner: %s\n", err.msg);
}

static void *futex_partner_thread(void *arg)
{
    pb_bl_partner *p = arg;
    bind_partner(p);
    futex_partner(p->word);
    return NULL;
}

/* The messages of PB_BL_PIPE_MESSAGES: the sizes of the pool's own. */
typedef struct request_msg {
    uint64_t lo, hi;
} request_msg;
typedef struct reply_msg {
    uint64_t task;
    pb_outcome outcome;
} reply_msg;

static void messages_partner(int in, int out)
{
    request_msg m;
    reply_msg r;
    memset(&r, 0, sizeof r);
    while (read(in, &m, sizeof m) == (ssize_t)sizeof m) {
        r.task = m.lo;
        if (write(out, &r, sizeof r) != (ssize_t)sizeof r)
            break;
    }
}

pb_bl_partner *pb__bl_partner_start(pb_bl_kind kind)
{
    return pb__bl_partner_start_on(kind, -1);
}

pb_bl_partner *pb__bl_partner_start_on(pb_bl_kind kind, int pu)
{
    pb_bl_partner *p = calloc(1, sizeof *p);
    if (!p) {
        perror("calloc");
        exit(1);
    }
    p->kind = kind;
    p->pu = pu;
    if (kind == PB_BL_FUTEX_THREAD || kind == PB_BL_FUTEX_PROCESS) {
        p->word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        atomic_store(p->word, 0);
        if (kind == PB_BL_FUTEX_THREAD) {
            pthread_create(&p->thread, NULL, futex_partner_thread, p);
        } else if ((p->pid = fork()) == 0) {
            bind_partner(p);
            futex_partner(p->word);
            _exit(0);
        }
        return p;
    }
    if (kind == PB_BL_PIPE_MESSAGES) {
        if (pipe(p->to) || pipe(p->from)) {
            perror("pipe");
            exit(1);
        }
        if ((p->pid = fork()) == 0) {
            bind_partner(p);
            close(p->to[1]);       /* so that end of file arrives when the parent closes its end */
            close(p->from[0]);
            messages_partner(p->to[0], p->from[1]);
            _exit(0);
        }
        if (p->pid < 0) {
            perror("fork");
            exit(1);
        }
        close(p->to[0]);
        close(p->from[1]);
        p->to[0] = p->from[1] = -1;
        fcntl(p->to[1], F_SETFL, O_NONBLOCK);
        fcntl(p->from[0], F_SETFL, O_NONBLOCK);
        return p;
    }
    if (kind == PB_BL_PIPE) {
        if (pipe(p->to) || pipe(p->from)) {
            perror("pipe");
            exit(1);
        }
    } else {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
            perror("socketpair");
            exit(1);
        }
        p->to[1] = p->from[0] = sv[0];
        p->to[0] = p->from[1] = sv[1];
    }
    if ((p->pid = fork()) == 0) {
        bind_partner(p);
        char c;
        while (read(p->to[0], &c, 1) == 1 && c)
            if (write(p->from[1], &c, 1) != 1)
                break;
        _exit(0);
    }
    return p;
}

void pb__bl_round_trip(pb_bl_partner *p)
{
    if (p->word) {
        atomic_store(p->word, 1);
        pb__futex_wake(p->word, 1);
        uint32_t w;
        while ((w = atomic_load(p->word)) != 0)
            pb__futex_wait(p->word, w, NULL);
        return;
    }
    char c = 1;
    if (write(p->to[1], &c, 1) != 1 || read(p->from[0], &c, 1) != 1) {
        perror("round trip");
        exit(1);
    }
}

void pb__bl_pipe_messages(pb_bl_partner *p, unsigned n)
{
    unsigned sent = 0;
    size_t got = 0;            /* bytes of replies received */
    reply_msg buf[256];
    while (got < (size_t)n * sizeof buf[0]) {
        while (sent < n) {     /* feed until the pipe is full */
            request_msg m = { sent, sent + 1 };
            if (write(p->to[1], &m, sizeof m) != (ssize_t)sizeof m)
                break;
            sent++;
        }
        struct pollfd fds[2] = { { .fd = p->from[0], .events = POLLIN }, { .fd = p->to[1], .events = POLLOUT } };
        if (poll(fds, sent < n ? 2 : 1, -1) < 0) {
            perror("poll");
            exit(1);
        }
        ssize_t k;
        while ((k = read(p->from[0], buf, sizeof buf)) > 0)
            got += (size_t)k;
        if (k == 0) {
            fprintf(stderr, "pipe messages: the partner left\n");
            exit(1);
        }
    }
}

void pb__bl_partner_stop(pb_bl_partner *p)
{
    if (p->word) {
        atomic_store(p->word, 2);
        pb__futex_wake(p->word, 1);
        if (p->kind == PB_BL_FUTEX_THREAD)
            pthread_join(p->thread, NULL);
        else
            waitpid(p->pid, NULL, 0);
        munmap((void *)p->word, 4096);
    } else if (p->kind == PB_BL_PIPE_MESSAGES) {
        close(p->to[1]);           /* the partner reads end of file and leaves */
        waitpid(p->pid, NULL, 0);
        close(p->from[0]);
    } else {
        char c = 0;
        if (write(p->to[1], &c, 1) != 1)
            kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
        close(p->to[0]);
        close(p->to[1]);
        if (p->kind == PB_BL_PIPE) {
            close(p->from[0]);
            close(p->from[1]);
        }
    }
    free(p);
}
