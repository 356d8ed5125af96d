/* --live: a per-CPU view on the terminal while runs go, drawn on stderr
 * only when it is a terminal, a few times a second, from the sampler's
 * latest readings; and one line saying what runs and for how long. It is
 * erased when it ends, and when parbench is interrupted. */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "parbench/clock.h"
#include "parbench/sampler.h"

enum { MAX_LINES = 64, REFRESH_MS = 250 };

static struct {
    bool on;
    pb_sampler *sampler;
    pthread_t thread;
    pthread_mutex_t lock;
    _Atomic bool quit;
    unsigned drawn;                  /* lines on screen now */
    char status[256];
    int64_t t0;
    int64_t own_at;                  /* when parbench's own CPU was last read */
} live = { .lock = PTHREAD_MUTEX_INITIALIZER };

enum { OWN_CPUS = 4096 };

/* Parbench's own share of each CPU since the last call (0..1 per CPU), by
 * OS CPU number; false on the first call (nothing to compare with yet). */
static bool own_shares(double *own)
{
    static double ticks[OWN_CPUS];
    pb__own_cpu_ticks(ticks, OWN_CPUS);
    int64_t now = pb_now_ns();
    bool have = live.own_at != 0;
    double seconds = (double)(now - live.own_at) / 1e9;
    long hz = sysconf(_SC_CLK_TCK);
    live.own_at = now;
    for (unsigned c = 0; c < OWN_CPUS; c++)
        own[c] = have && seconds > 0 ? ticks[c] / (seconds * (double)(hz > 0 ? hz : 100)) : 0;
    return have;
}

/* Erase what is drawn: cursor up over it, clear to the end of the screen. */
static void erase_locked(void)
{
    if (live.drawn) {
        fprintf(stderr, "\r\033[%uA\033[J", live.drawn);
        live.drawn = 0;
    }
}

static void draw_locked(void)
{
    pb_cpu_share share[1024];
    unsigned n = pb_sampler_latest(live.sampler, share, 1024);
    struct winsize ws;
    unsigned cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
    erase_locked();
    unsigned lines = 0;
    double elapsed = (double)(pb_now_ns() - live.t0) / 1e9;
    fprintf(stderr, "\033[1m%.*s\033[0m  %.0fs\n", (int)(cols > 12 ? cols - 12 : cols), live.status, elapsed);
    lines++;
    static double own[OWN_CPUS];
    bool have_own = own_shares(own);
    if (n <= MAX_LINES - 2) {
        /* one bar per CPU: parbench's own time in '#', the rest of the machine's busy time in '+' */
        unsigned width = cols > 40 ? (cols - 30 < 60 ? cols - 30 : 60) : 10;
        for (unsigned c = 0; c < n; c++) {
            if (isnan(share[c].user))
                share[c].user = share[c].system = 0;   /* no tick yet in the window shown */
            int id = pb_sampler_cpu_id(live.sampler, c);
            double busy = fmin(1.0, share[c].user + share[c].system);
            double mine = id >= 0 && id < OWN_CPUS ? fmin(own[id], busy) : 0;   /* ticks: never more than busy */
            unsigned m = (unsigned)(mine * width + 0.5), o = (unsigned)((busy - mine) * width + 0.5);
            if (m > width)
                m = width;
            if (o > width - m)
                o = width - m;
            char bar[128];
            memset(bar, '#', m);
            memset(bar + m, '+', o);
            memset(bar + m + o, ' ', width - m - o);
            bar[width] = '\0';
            if (have_own)
                fprintf(stderr, "cpu%-4d [%s] %3.0f%%  parbench %3.0f%%  other %3.0f%%\n", id, bar, busy * 100,
                        mine * 100, (busy - mine) * 100);
            else
                fprintf(stderr, "cpu%-4d [%s] %3.0f%%\n", id, bar, busy * 100);
            lines++;
        }
    } else {
        /* many CPUs: one character each, in rows */
        static const char *const shade[] = { " ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586",
                                             "\u2587", "\u2588" };
        unsigned per = cols > 20 ? cols - 12 : 8;
        for (unsigned c = 0; c < n && lines < MAX_LINES; c += per) {
            fprintf(stderr, "cpu%-5d ", pb_sampler_cpu_id(live.sampler, c));
            for (unsigned k = c; k < n && k < c + per; k++) {
                float busy = isnan(share[k].user) ? 0 : share[k].user + share[k].system;
                int level = (int)(busy * 8 + 0.5f);
                fputs(shade[level < 0 ? 0 : level > 8 ? 8 : level], stderr);
            }
            fputc('\n', stderr);
            lines++;
        }
    }
    fprintf(stderr, "  # parbench  + other programs   (busy from /proc/stat; parbench's own share from its threads "
                    "and processes)\n");
    lines++;
    live.drawn = lines;
    fflush(stderr);
}

static void *live_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&live.quit)) {
        pthread_mutex_lock(&live.lock);
        draw_locked();
        pthread_mutex_unlock(&live.lock);
        nanosleep(&(struct timespec){ 0, REFRESH_MS * 1000000L }, NULL);
    }
    return NULL;
}

static void on_interrupt(int sig)
{
    /* leave the screen clean, then end as the signal would have */
    if (live.drawn) {
        char seq[32];
        int n = snprintf(seq, sizeof seq, "\r\033[%uA\033[J", live.drawn);
        ssize_t ignored = write(STDERR_FILENO, seq, (size_t)n);
        (void)ignored;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

bool pb__live_start(pb_sampler *sampler)
{
    if (!isatty(STDERR_FILENO))
        return false;
    live.sampler = sampler;
    live.t0 = pb_now_ns();
    atomic_store(&live.quit, false);
    snprintf(live.status, sizeof live.status, "starting");
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);
    live.on = pthread_create(&live.thread, NULL, live_main, NULL) == 0;
    return live.on;
}

void pb__live_status(const char *fmt, ...)
{
    if (!live.on)
        return;
    pthread_mutex_lock(&live.lock);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(live.status, sizeof live.status, fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&live.lock);
}

void pb__live_message(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (live.on) {
        pthread_mutex_lock(&live.lock);
        erase_locked();
    }
    vfprintf(stderr, fmt, ap);
    if (live.on)
        pthread_mutex_unlock(&live.lock);
    va_end(ap);
}

void pb__live_stop(void)
{
    if (!live.on)
        return;
    atomic_store(&live.quit, true);
    pthread_join(live.thread, NULL);
    pthread_mutex_lock(&live.lock);
    erase_locked();
    fflush(stderr);
    pthread_mutex_unlock(&live.lock);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    live.on = false;
}
