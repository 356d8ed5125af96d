/* forkjoin's constructs in OpenMP (libgomp), run in a child process per
 * wait policy, since libgomp reads OMP_WAIT_POLICY once, when a process
 * starts: the child is this program run with --pb_omp_server and the
 * environment the policy maps to (src/backends/openmp.h). */
#include "forkjoin.h"

#include "pb_build_config.h"

#if PB_HAVE_OPENMP   /* without OpenMP the openmp rows are skipped, and say why */

#include <dirent.h>
#include <errno.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/openmp.h"
#include "parbench/clock.h"

static int omp_test(void *ctx, const pb__fj_request *rq, uint64_t inner, char *why, size_t why_size)
{
    (void)ctx, (void)why, (void)why_size;
    int W = (int)rq->workers;
    uint64_t len = rq->delay_len;
    long chunk = (long)rq->chunk;
    switch (rq->construct) {
    case PB__FJ_PARALLEL:
        for (uint64_t j = 0; j < inner; j++) {
#pragma omp parallel num_threads(W)
            {
                pb__fj_delay(len);
                pb__fj_count(pb__fj_sh, (unsigned)omp_get_thread_num());
            }
        }
        break;
    case PB__FJ_BARRIER:
#pragma omp parallel num_threads(W)
        {
            int t = omp_get_thread_num();
            for (uint64_t j = 0; j < inner; j++) {
                pb__fj_delay(len);
#pragma omp barrier
                pb__fj_count(pb__fj_sh, (unsigned)t);
            }
        }
        break;
    default:
#pragma omp parallel num_threads(W)
        {
            int t = omp_get_thread_num();
            for (uint64_t j = 0; j < inner; j++) {
#pragma omp for schedule(dynamic, chunk)
                for (int i = 0; i < PB__FJ_ITERS * W; i++) {
                    pb__fj_delay(len);
                    pb__fj_count(pb__fj_sh, (unsigned)t);
                }
            }
        }
        break;
    }
    return 0;
}

/* CPU of this process's threads but the calling one (/proc/self/task). */
static int64_t other_threads_cpu_ns(void)
{
    int64_t sum = 0;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == gettid())
            continue;
        char path[300];
        long long ns = 0;
        snprintf(path, sizeof path, "/proc/self/task/%s/schedstat", e->d_name);
        FILE *f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%lld", &ns) != 1)
                ns = 0;
            fclose(f);
        }
        sum += ns;
    }
    if (d)
        closedir(d);
    return sum;
}

static bool read_full(int fd, void *buf, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t k = read(fd, (char *)buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        got += (size_t)k;
    }
    return true;
}

static bool write_full(int fd, const void *buf, size_t n)
{
    for (size_t put = 0; put < n;) {
        ssize_t k = write(fd, (const char *)buf + put, n - put);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        put += (size_t)k;
    }
    return true;
}

int pb__fj_omp_server(void)
{
    omp_set_dynamic(0);
    pb__fj_request rq;
    while (read_full(0, &rq, sizeof rq)) {
        pb__fj_answer an;
        if (rq.workers > PB__FJ_MAX_WORKERS) {
            memset(&an, 0, sizeof an);
            snprintf(an.why, sizeof an.why, "at most %d workers", PB__FJ_MAX_WORKERS);
        } else if (rq.idle) {
            memset(&an, 0, sizeof an);
            pb__fj_request one = rq;
            one.construct = PB__FJ_PARALLEL;
            omp_test(NULL, &one, 1, an.why, sizeof an.why);   /* the team made and used once */
            int64_t c0 = other_threads_cpu_ns(), t0 = pb_now_ns();
            nanosleep(&(struct timespec){ rq.idle_ns / 1000000000, rq.idle_ns % 1000000000 }, NULL);
            an.idle_share = (double)(other_threads_cpu_ns() - c0) / (double)(pb_now_ns() - t0);
            an.ok = 1;
        } else {
            pb__fj_measure(omp_test, NULL, &rq, &an);
        }
        if (!write_full(1, &an, sizeof an))
            break;
    }
    return 0;
}

typedef struct omp_child {
    pid_t pid;
    int to, from;
} omp_child;
static omp_child children[3];

/* The child for a policy, started at first use. */
static omp_child *child_for(pb_wait_kind k, char *why, size_t why_size)
{
    omp_child *c = &children[k];
    if (c->pid > 0)
        return c;
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) {
        snprintf(why, why_size, "openmp: cannot make pipes: %s", strerror(errno));
        return NULL;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_size, "openmp: cannot fork: %s", strerror(errno));
        return NULL;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        pb__openmp_env_set(&(pb_wait_policy){ .kind = k });
        execl("/proc/self/exe", "forkjoin", "--pb_omp_server", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c->pid = pid;
    c->to = in[1];
    c->from = out[0];
    return c;
}

int pb__fj_omp_ask(pb_wait_kind k, const pb__fj_request *rq, pb__fj_answer *an)
{
    omp_child *c = child_for(k, an->why, sizeof an->why);
    if (!c)
        return -1;
    if (!write_full(c->to, rq, sizeof *rq) || !read_full(c->from, an, sizeof *an)) {
        snprintf(an->why, sizeof an->why, "openmp: the child process for --wait %s went away", pb_wait_name(k));
        return -1;
    }
    return an->ok ? 0 : -1;
}

void pb__fj_stop_child(pb_wait_kind k)
{
    if (children[k].pid > 0) {
        close(children[k].to);
        close(children[k].from);
        waitpid(children[k].pid, NULL, 0);
        children[k].pid = 0;
    }
}

void pb__fj_stop_children(void)
{
    for (int k = 0; k < 3; k++)
        pb__fj_stop_child((pb_wait_kind)k);
}

#endif
