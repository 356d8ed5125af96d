/* The CPU sampler thread. */
#include "parbench/sampler.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/futex.h"
#include "parbench/clock.h"

enum { FIELDS = 4 };                 /* busy-user, busy-system, steal, total ticks */
#define BUFFER_BYTES ((size_t)64 << 20)

struct pb_sampler {
    pthread_t thread;
    int fd;                          /* /proc/stat, kept open */
    unsigned hz;
    unsigned ncpus;
    int *cpu;                        /* OS numbers followed */
    int max_cpu;
    size_t capacity;                 /* readings the buffer holds */
    uint64_t *ticks;                 /* capacity x ncpus x FIELDS cumulative ticks */
    int64_t *when;                   /* capacity reading times */
    int *slot_of;                    /* CPU number -> index in cpu[], -1 if not followed */
    _Atomic size_t readings;
    _Atomic bool dropped;
    _Atomic uint32_t state;          /* 0 idle, 1 sampling, 2 quit */
    _Atomic uint32_t epoch;          /* bumped at every start/stop: the thread waits on it */
    _Atomic uint32_t idle_ack;       /* the epoch the thread has seen while idle */
    clockid_t thread_clock;
    int64_t cpu_at_start, cpu_at_stop;
    int64_t parent_ns;               /* the caller's CPU for the first and last readings */
    char *buf;                       /* /proc/stat text */
    size_t buf_size;
};

/* Parse /proc/stat into row (ncpus x FIELDS). */
static int read_stat(pb_sampler *s, uint64_t *row)
{
    ssize_t n = pread(s->fd, s->buf, s->buf_size - 1, 0);
    if (n <= 0)
        return PB_E_SYS;
    s->buf[n] = '\0';
    for (char *line = s->buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, "cpu", 3) != 0)
            break;                   /* the cpu lines come first */
        if (line[3] == ' ')
            continue;                /* the all-CPU total */
        char *end;
        long id = strtol(line + 3, &end, 10);
        if (id < 0 || id > s->max_cpu || s->slot_of[id] < 0)
            continue;
        unsigned long long v[10] = { 0 };
        sscanf(end, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &v[6], &v[7], &v[8], &v[9]);
        /* user nice system idle iowait irq softirq steal guest guest_nice */
        uint64_t *f = row + (size_t)s->slot_of[id] * FIELDS;
        f[0] = v[0] + v[1];
        f[1] = v[2] + v[5] + v[6];
        f[2] = v[7];
        f[3] = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];   /* guest is inside user already */
    }
    return 0;
}

static void take_reading(pb_sampler *s)
{
    size_t k = atomic_load(&s->readings);
    if (k >= s->capacity) {
        atomic_store(&s->dropped, true);
        return;
    }
    s->when[k] = pb_now_ns();
    if (read_stat(s, s->ticks + k * s->ncpus * FIELDS) == 0)
        atomic_store(&s->readings, k + 1);
}

static void *sampler_main(void *arg)
{
    pb_sampler *s = arg;
    int64_t period = 1000000000 / s->hz;
    for (;;) {
        uint32_t e = atomic_load(&s->epoch);
        uint32_t st = atomic_load(&s->state);
        if (st == 2)
            break;
        if (st == 0) {
            atomic_store(&s->idle_ack, e);
            pb__futex_wake(&s->idle_ack, INT_MAX);
            /* A start does not wake this thread (a wake-up on another CPU as a run spawns its
             * workers slowed one-task runs by a third: bench/idle_gap): it looks once a period,
             * and its first reading in a run is due one period after the start anyway. */
            struct timespec one_period = { period / 1000000000, period % 1000000000 };
            pb__futex_wait(&s->epoch, e, &one_period);
            continue;
        }
        /* sampling: readings at fixed times from the window's first one (taken
         * by pb_sampler_start), so the rate does not drift */
        int64_t next = s->when[0] + period * (int64_t)atomic_load(&s->readings);
        for (;;) {
            int64_t d = next - pb_now_ns();
            if (d <= 0 || atomic_load(&s->epoch) != e)
                break;
            struct timespec left = { d / 1000000000, d % 1000000000 };
            pb__futex_wait(&s->epoch, e, &left);   /* until the next reading, or a start/stop */
        }
        if (atomic_load(&s->epoch) == e)
            take_reading(s);
    }
    return NULL;
}

int pb_sampler_create(pb_sampler **out, unsigned hz, const int *cpus, unsigned ncpus, pb_error *err)
{
    *out = NULL;
    if (hz < 1 || hz > PB_SAMPLE_HZ_MAX)
        return pb_fail(err, PB_E_RANGE, "--sample-hz: %u is out of range (1 to %d)", hz, PB_SAMPLE_HZ_MAX);
    pb_sampler *s = calloc(1, sizeof *s);
    if (!s)
        return pb_fail(err, PB_E_NOMEM, "sampler: out of memory");
    s->hz = hz;
    s->fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
    s->buf_size = 1 << 20;
    s->buf = malloc(s->buf_size);
    if (s->fd < 0 || !s->buf) {
        int e = errno;
        pb_sampler_destroy(s);
        return pb_fail_errno(err, PB_E_SYS, e, "sampler: cannot read /proc/stat");
    }
    /* which CPUs: the list given, or every cpuN line */
    ssize_t n = pread(s->fd, s->buf, s->buf_size - 1, 0);
    s->buf[n > 0 ? n : 0] = '\0';
    int listed[4096];
    unsigned nlisted = 0;
    for (char *line = s->buf; line && strncmp(line, "cpu", 3) == 0; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (line[3] != ' ' && nlisted < 4096)
            listed[nlisted++] = atoi(line + 3);
    s->ncpus = cpus && ncpus ? ncpus : nlisted;
    s->cpu = calloc(s->ncpus ? s->ncpus : 1, sizeof *s->cpu);
    if (!s->cpu) {
        pb_sampler_destroy(s);
        return pb_fail(err, PB_E_NOMEM, "sampler: out of memory");
    }
    for (unsigned i = 0; i < s->ncpus; i++) {
        s->cpu[i] = cpus && ncpus ? cpus[i] : listed[i];
        if (s->cpu[i] > s->max_cpu)
            s->max_cpu = s->cpu[i];
    }
    s->slot_of = malloc(((size_t)s->max_cpu + 1) * sizeof *s->slot_of);
    size_t per = (size_t)s->ncpus * FIELDS * sizeof(uint64_t) + sizeof(int64_t);
    s->capacity = BUFFER_BYTES / per;
    if (s->capacity > 1000000)
        s->capacity = 1000000;
    s->ticks = malloc(s->capacity * s->ncpus * FIELDS * sizeof *s->ticks);
    s->when = malloc(s->capacity * sizeof *s->when);
    if (!s->slot_of || !s->ticks || !s->when) {
        pb_sampler_destroy(s);
        return pb_fail(err, PB_E_NOMEM, "sampler: out of memory for its buffer");
    }
    for (int c = 0; c <= s->max_cpu; c++)
        s->slot_of[c] = -1;
    for (unsigned i = 0; i < s->ncpus; i++)
        s->slot_of[s->cpu[i]] = (int)i;
    /* touch the buffer now, so that no page fault lands in a run */
    memset(s->ticks, 0, s->capacity * s->ncpus * FIELDS * sizeof *s->ticks);
    memset(s->when, 0, s->capacity * sizeof *s->when);
    int e = pthread_create(&s->thread, NULL, sampler_main, s);
    if (e) {
        s->thread = 0;   /* not started: nothing to join (whatever pthread_create left there) */
        pb_sampler_destroy(s);
        return pb_fail_errno(err, PB_E_SYS, e, "sampler: cannot start its thread");
    }
    pthread_getcpuclockid(s->thread, &s->thread_clock);
    *out = s;
    return 0;
}

static int64_t clock_ns(clockid_t c)
{
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Change state and wait until the thread has taken it in. */
static void set_state(pb_sampler *s, uint32_t state)
{
    atomic_store(&s->state, state);
    uint32_t e = atomic_fetch_add(&s->epoch, 1) + 1;
    if (state != 1)   /* a start is noticed by the thread at its next look (sampler_main) */
        pb__futex_wake(&s->epoch, INT_MAX);
    if (state == 0) {
        uint32_t a;
        while ((a = atomic_load(&s->idle_ack)) != e)
            pb__futex_wait(&s->idle_ack, a, &(struct timespec){ 0, 1000000 });
    }
}

void pb_sampler_start(pb_sampler *s)
{
    atomic_store(&s->readings, 0);
    atomic_store(&s->dropped, false);
    s->cpu_at_start = clock_ns(s->thread_clock);
    int64_t c0 = pb_thread_cpu_ns();
    take_reading(s);                 /* the window's first reading, before the run starts */
    s->parent_ns = pb_thread_cpu_ns() - c0;
    set_state(s, 1);
}

void pb_sampler_stop(pb_sampler *s)
{
    set_state(s, 0);
    int64_t c0 = pb_thread_cpu_ns();
    take_reading(s);                 /* the window's last reading, taken here once the thread is idle */
    s->parent_ns += pb_thread_cpu_ns() - c0;
    s->cpu_at_stop = clock_ns(s->thread_clock);
}

void pb_sampler_destroy(pb_sampler *s)
{
    if (!s)
        return;
    if (s->thread) {
        atomic_store(&s->state, 2);
        atomic_fetch_add(&s->epoch, 1);
        pb__futex_wake(&s->epoch, INT_MAX);
        pthread_join(s->thread, NULL);
    }
    if (s->fd >= 0)
        close(s->fd);
    free(s->buf);
    free(s->cpu);
    free(s->slot_of);
    free(s->ticks);
    free(s->when);
    free(s);
}

unsigned pb_sampler_cpus(const pb_sampler *s)
{
    return s->ncpus;
}

int pb_sampler_cpu_id(const pb_sampler *s, unsigned i)
{
    return s->cpu[i];
}

size_t pb_sampler_intervals(const pb_sampler *s, bool *dropped)
{
    if (dropped)
        *dropped = atomic_load(&((pb_sampler *)s)->dropped);
    size_t n = atomic_load(&((pb_sampler *)s)->readings);
    return n > 1 ? n - 1 : 0;
}

int64_t pb_sampler_interval_end(const pb_sampler *s, size_t k)
{
    return s->when[k + 1];
}

int64_t pb_sampler_interval_ns(const pb_sampler *s, size_t k)
{
    return s->when[k + 1] - s->when[k];
}

static pb_cpu_share share_between(const uint64_t *a, const uint64_t *b)
{
    pb_cpu_share sh = { NAN, NAN, NAN };
    uint64_t total = b[3] - a[3];
    if (total == 0)
        return sh;                   /* no tick fell in the interval: nothing is known (not 0) */
    sh.user = (float)(b[0] - a[0]) / (float)total;
    sh.system = (float)(b[1] - a[1]) / (float)total;
    sh.steal = (float)(b[2] - a[2]) / (float)total;
    return sh;
}

pb_cpu_share pb_sampler_share(const pb_sampler *s, size_t k, unsigned cpu)
{
    size_t row = (size_t)s->ncpus * FIELDS;
    return share_between(s->ticks + k * row + (size_t)cpu * FIELDS, s->ticks + (k + 1) * row + (size_t)cpu * FIELDS);
}

int64_t pb_sampler_cpu_ns(const pb_sampler *s)
{
    return s->cpu_at_stop - s->cpu_at_start + s->parent_ns;
}

unsigned pb_sampler_latest(pb_sampler *s, pb_cpu_share *out, unsigned max)
{
    size_t n = atomic_load(&s->readings);
    if (n < 2)
        return 0;
    /* over the last few readings (about a quarter second), steadier than one */
    size_t back = s->hz / 4 ? s->hz / 4 : 1;
    size_t from = n - 1 > back ? n - 1 - back : 0;
    size_t row = (size_t)s->ncpus * FIELDS;
    unsigned m = s->ncpus < max ? s->ncpus : max;
    for (unsigned c = 0; c < m; c++)
        out[c] = share_between(s->ticks + from * row + (size_t)c * FIELDS, s->ticks + (n - 1) * row + (size_t)c * FIELDS);
    return m;
}
