#include "baselines.h"

#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/gate.h"

extern char **environ;

static void *nothing(void *arg)
{
    return arg;
}

void pb_bl_thread_once(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, nothing, NULL) != 0) {
        perror("pthread_create");
        exit(1);
    }
    pthread_join(t, NULL);
}

void pb_bl_fork_once(void)
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

void pb_bl_spawn_once(void)
{
    pid_t pid;
    char *argv[] = { "true", NULL };
    if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0) {
        perror("posix_spawn");
        exit(1);
    }
    waitpid(pid, NULL, 0);
}

void *pb_bl_touch_heap(size_t mb)
{
    size_t n = mb << 20;
    char *p = n ? malloc(n) : NULL;
    if (p)
        memset(p, 1, n);
    return p;
}

/* word: 0 = caller's turn, 1 = partner's turn, 2 = partner must leave */
struct pb_bl_partner {
    pb_bl_kind kind;
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
            pb_futex_wait(word, 0, NULL);
        if (w == 2)
            return;
        atomic_store(word, 0);
        pb_futex_wake(word, 1);
    }
}

static void *futex_partner_thread(void *arg)
{
    futex_partner(arg);
    return NULL;
}

pb_bl_partner *pb_bl_partner_start(pb_bl_kind kind)
{
    pb_bl_partner *p = calloc(1, sizeof *p);
    p->kind = kind;
    if (kind == PB_BL_FUTEX_THREAD || kind == PB_BL_FUTEX_PROCESS) {
        p->word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        atomic_store(p->word, 0);
        if (kind == PB_BL_FUTEX_THREAD) {
            pthread_create(&p->thread, NULL, futex_partner_thread, (void *)p->word);
        } else if ((p->pid = fork()) == 0) {
            futex_partner(p->word);
            _exit(0);
        }
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
        char c;
        while (read(p->to[0], &c, 1) == 1 && c)
            if (write(p->from[1], &c, 1) != 1)
                break;
        _exit(0);
    }
    return p;
}

void pb_bl_round_trip(pb_bl_partner *p)
{
    if (p->word) {
        atomic_store(p->word, 1);
        pb_futex_wake(p->word, 1);
        uint32_t w;
        while ((w = atomic_load(p->word)) != 0)
            pb_futex_wait(p->word, w, NULL);
        return;
    }
    char c = 1;
    if (write(p->to[1], &c, 1) != 1 || read(p->from[0], &c, 1) != 1) {
        perror("round trip");
        exit(1);
    }
}

void pb_bl_partner_stop(pb_bl_partner *p)
{
    if (p->word) {
        atomic_store(p->word, 2);
        pb_futex_wake(p->word, 1);
        if (p->kind == PB_BL_FUTEX_THREAD)
            pthread_join(p->thread, NULL);
        else
            waitpid(p->pid, NULL, 0);
        munmap((void *)p->word, 4096);
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
