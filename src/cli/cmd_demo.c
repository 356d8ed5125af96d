/* parbench demo: lessons of the course notes as narrated, measured runs.
 * Each demo says what is about to happen, runs real code, measures, and
 * says what the numbers show, in English or (--lang ko) in Korean, the
 * course's language. A demo checks the facts it teaches and exits 1 if one
 * does not hold. --quick shortens the sleeps and counts (for tests). */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "parbench/clock.h"
#include "parbench/registry.h"
#include "parbench/resultset.h"
#include "parbench/runner.h"
#include "parbench/sampler.h"
#include "parbench/topology.h"

typedef struct demo_ctx {
    bool ko;                   /* narrate in Korean */
    bool quick;                /* short sleeps and counts */
    bool live;                 /* --live draws: text goes around the view */
    int failed;                /* facts that did not hold */
    int skipped;               /* facts this machine could not show (said, not asserted) */
    const char *name;          /* the demo running */
    pb_resultset *rs;          /* --out: where measurements go; NULL when not asked */
    pb_sampler *sampler;       /* --out: samples.csv for the runner's runs */
    uint64_t config_id;        /* of the last runner configuration */
    bool out_failed;           /* writing failed: reported once, nothing more written */
} demo_ctx;

static pid_t demo_parent;

/* Print a demo's text: around the live view when it is drawn (in the parent
 * only: a forked child must not touch the view's lock). */
static void show(const demo_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void show(const demo_ctx *c, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (c->live && getpid() == demo_parent)
        pb_live_message("%s", buf);
    else
        fputs(buf, c->live ? stderr : stdout);
}

static void say(const demo_ctx *c, const char *en, const char *ko)
{
    show(c, "%s\n", c->ko ? ko : en);
}

static void fact(demo_ctx *c, bool holds, const char *en, const char *ko)
{
    if (!holds) {
        c->failed++;
        show(c, "  !! %s\n", c->ko ? ko : en);
    }
}

/* A fact this machine could not show (too few free CPUs, no interleaving):
 * said as such, counted apart, never asserted and never narrated as shown. */
static void fact_skipped(demo_ctx *c, const char *en, const char *ko)
{
    c->skipped++;
    show(c, "  -- %s %s\n", c->ko ? "확인하지 못함:" : "not shown here:", c->ko ? ko : en);
}

/* CPUs this process may use that sat idle over a short window (the rest of
 * the machine's load is what a CPU-bound lesson competes with). */
static double free_cpus(int window_ms)
{
    cpu_set_t mask;
    if (sched_getaffinity(0, sizeof mask, &mask) != 0)
        CPU_ZERO(&mask);
    double idle[2][CPU_SETSIZE] = { { 0 } }, total[2][CPU_SETSIZE] = { { 0 } };
    for (int k = 0; k < 2; k++) {
        if (k)
            nanosleep(&(struct timespec){ window_ms / 1000, (long)(window_ms % 1000) * 1000000 }, NULL);
        FILE *f = fopen("/proc/stat", "r");
        char line[512];
        while (f && fgets(line, sizeof line, f)) {
            int cpu;
            unsigned long long v[8] = { 0 };
            if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2], &v[3],
                       &v[4], &v[5], &v[6], &v[7]) < 5 || cpu < 0 || cpu >= CPU_SETSIZE)
                continue;
            idle[k][cpu] = (double)(v[3] + v[4]);
            total[k][cpu] = (double)(v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]);
        }
        if (f)
            fclose(f);
    }
    double free_sum = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        double dt = total[1][cpu] - total[0][cpu];
        if (CPU_ISSET(cpu, &mask) && dt > 0)
            free_sum += (idle[1][cpu] - idle[0][cpu]) / dt;
    }
    return free_sum;
}

/* A failed write: said once; the demo goes on, nothing more is written. */
static void output_failed(demo_ctx *c, const pb_error *err)
{
    if (c->out_failed)
        return;
    c->out_failed = true;
    fprintf(stderr, "parbench demo: %s; measurements are no longer written (rows already written are intact)\n",
            err->msg);
}

/* One measurement into measures.csv (with --out). `what` names the case in
 * plain ASCII whatever the narration's language; expected: NAN when the
 * lesson has no single right value; run_id: 0 when not a runner run. */
static void record(demo_ctx *c, const char *what, const char *metric, double value, const char *unit,
                   double expected, uint64_t run_id)
{
    pb_error err;
    if (!c->rs || c->out_failed || getpid() != demo_parent)
        return;
    if (pb_resultset_add_measure(c->rs, c->name, what, metric, value, unit, expected, run_id, &err) != 0)
        output_failed(c, &err);
}

/* fork() for a demo's own children: each dies with parbench (an interrupted
 * demo leaves no process behind, even one that waits forever). */
static pid_t demo_fork(void)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent))
        _exit(127);
    return pid;
}

/* ---- running a workload through the runner ------------------------------ */

typedef struct measured {
    double wall_s;             /* of the one repetition run */
    double spawn_s;
    double work_s;             /* gate opened to last task done: the facts use it, as workers' start-up
                                  (slow under sanitizers) is not what the lessons are about */
    double busy;
    long minflt, maxrss_kb;
    bool ok;
    uint64_t run_id;           /* its runs.csv row with --out, else 0 */
} measured;

static int on_done(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec, pb_error *err)
{
    (void)cfg, (void)plan, (void)err;
    measured *m = user;
    if (!rec->warmup) {
        m->wall_s = rec->wall_s;   /* one repetition: the demo shows one run, as the notes do */
        m->spawn_s = rec->spawn_s;
        m->work_s = rec->work_s;
        m->busy = rec->busy_cores;
        m->minflt = (long)rec->usage.minflt;
        m->maxrss_kb = (long)rec->usage.maxrss_kb;
        m->ok = rec->ok;
    }
    return 0;
}

typedef int run_done_fn(void *, const pb_config *, const pb_plan *, const pb_run_record *, pb_error *);

/* Between the runner and a demo's observer: writes each measured run into
 * the result set first (with --out). */
typedef struct run_hook {
    demo_ctx *c;
    run_done_fn *done;
    void *user;
    uint64_t run_id;
} run_hook;

static int hook_done(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec,
                     pb_error *err)
{
    run_hook *h = user;
    demo_ctx *c = h->c;
    if (!rec->warmup && c->rs && !c->out_failed) {
        pb_error werr;
        if (pb_resultset_add_run(c->rs, c->config_id, cfg, plan, rec, c->sampler, &werr) == 0)
            h->run_id = c->rs->next_run_id - 1;
        else
            output_failed(c, &werr);
    }
    return h->done(h->user, cfg, plan, rec, err);
}

/* Run `spec` with cfg's backend and settings (its workload and parameters
 * are filled in here), reporting to `done`. Returns the runs.csv row of its
 * (last) measured repetition with --out, else 0. */
static uint64_t run_spec(demo_ctx *c, const char *spec, pb_config cfg, run_done_fn *done, void *user)
{
    pb_workload_spec ws;
    pb_error err;
    if (pb_cli_parse_workload(spec, &ws, &err) != 0) {
        fprintf(stderr, "parbench demo: %s\n", err.msg);
        return 0;
    }
    cfg.workload = ws.workload;
    cfg.params = ws.params;
    if (cfg.reps == 0)
        cfg.reps = 1;
    run_hook hook = { .c = c, .done = done, .user = user };
    pb_run_observer obs = { .run_done = hook_done, .user = &hook, .sampler = c->rs ? c->sampler : NULL };
    c->config_id++;
    if (pb_run_config(&cfg, &obs, &err) != 0)
        fprintf(stderr, "parbench demo: %s\n", err.msg);
    return hook.run_id;
}

static measured run_gil(demo_ctx *c, const char *spec, const pb_backend *b, unsigned workers, bool gil)
{
    measured m = { 0 };
    m.run_id = run_spec(c, spec, (pb_config){ .backend = b, .workers = workers, .gil = gil }, on_done, &m);
    return m;
}

static measured run(demo_ctx *c, const char *spec, const pb_backend *b, unsigned workers)
{
    return run_gil(c, spec, b, workers, false);
}

/* A runner run's wall time into measures.csv. */
static void record_wall(demo_ctx *c, const char *what, const measured *m)
{
    record(c, what, "wall_s", m->wall_s, "s", NAN, m->run_id);
}

/* ... and how many cores it kept busy. */
static void record_run(demo_ctx *c, const char *what, const measured *m)
{
    record_wall(c, what, m);
    record(c, what, "busy_cores", m->busy, "cores", NAN, m->run_id);
}

/* ---- the demos ------------------------------------------------------------- */

static void demo_square_cube(demo_ctx *c)
{
    int ms = c->quick ? 20 : 200;
    char spec[64];
    snprintf(spec, sizeof spec, "square-cube:sleep_ms=%d", ms);
    say(c, "Note 003: square [5, 10, 15, 20] in one task and cube them in another, sleeping before each element.",
        "노트 003: 한 작업은 [5, 10, 15, 20]을 제곱하고 다른 작업은 세제곱합니다. 원소마다 먼저 잠듭니다.");
    show(c, c->ko ? "  원소마다 %d ms, 모두 8번 잠듭니다.\n" : "  %d ms per element, eight sleeps in all.\n", ms);
    measured s = run(c, spec, &pb_backend_serial, 1);
    measured t = run(c, spec, &pb_backend_pthread, 2);
    measured p = run(c, spec, &pb_backend_fork, 2);
    show(c, c->ko ? "  순차 처리          %7.3f s\n  스레드 2개         %7.3f s\n  프로세스 2개       %7.3f s\n"
                 : "  serial             %7.3f s\n  2 threads          %7.3f s\n  2 processes        %7.3f s\n",
           s.wall_s, t.wall_s, p.wall_s);
    say(c, "Lesson: while a task sleeps (waits for I/O), another can run: threads and processes both halve the time.",
        "교훈: 한 작업이 잠든(I/O를 기다리는) 동안 다른 작업이 돌 수 있어, 스레드와 프로세스 모두 시간을 절반으로 줄입니다.");
    double ideal = 8 * ms / 1000.0;
    record_wall(c, "sleep serial/1", &s);
    record_wall(c, "sleep pthread/2", &t);
    record_wall(c, "sleep fork/2", &p);
    record(c, "sleep", "sleeps_total_s", ideal, "s", NAN, 0);
    fact(c, s.ok && t.ok && p.ok, "a result did not verify", "검증에 실패한 결과가 있습니다");
    fact(c, s.wall_s >= ideal && t.work_s < 0.75 * s.work_s && p.work_s < 0.75 * s.work_s,
         "the parallel runs were not clearly faster", "병렬 실행이 뚜렷하게 빠르지 않았습니다");

    say(c, "\nThe same with CPU-bound work (counting), where the picture changes:",
        "\n같은 비교를 CPU를 쓰는 작업(세기)으로 하면 그림이 바뀝니다:");
    const char *cspec = c->quick ? "counter:n=2e7,tasks=2" : "counter:n=2e8,tasks=2";
    s = run(c, cspec, &pb_backend_serial, 1);
    t = run(c, cspec, &pb_backend_pthread, 2);
    p = run(c, cspec, &pb_backend_fork, 2);
    show(c, c->ko ? "  순차 처리          %7.3f s\n  스레드 2개         %7.3f s  (코어 %.2f개 사용)\n"
                   "  프로세스 2개       %7.3f s  (코어 %.2f개 사용)\n"
                 : "  serial             %7.3f s\n  2 threads          %7.3f s  (%.2f cores busy)\n"
                   "  2 processes        %7.3f s  (%.2f cores busy)\n",
           s.wall_s, t.wall_s, t.busy, p.wall_s, p.busy);
    say(c, "Lesson: counting needs a CPU the whole time: two workers gain only as much as there are free cores. "
           "In C threads scale like processes; in CPython the GIL would keep threads at one core.",
        "교훈: 세기는 내내 CPU가 필요하므로, 두 작업자는 남는 코어만큼만 빨라집니다. "
        "C에서는 스레드도 프로세스처럼 확장되지만, CPython에서는 GIL 때문에 스레드가 코어 하나에 머뭅니다.");
    record_run(c, "count serial/1", &s);
    record_run(c, "count pthread/2", &t);
    record_run(c, "count fork/2", &p);
    fact(c, s.ok && t.ok && p.ok, "a result did not verify", "검증에 실패한 결과가 있습니다");
}

static void demo_pool_map(demo_ctx *c)
{
    int ms = c->quick ? 20 : 200;
    char spec[64];
    snprintf(spec, sizeof spec, "map:len=10,sleep_ms=%d", ms);
    say(c, "Note 003: Pool.map applies a function to 10 elements, each taking a sleep first.",
        "노트 003: Pool.map이 원소 10개에 함수를 적용하며, 원소마다 먼저 잠듭니다.");
    measured s = run(c, spec, &pb_backend_serial, 1);
    measured t = run(c, spec, &pb_backend_thread_pool, 10);
    measured p = run(c, spec, &pb_backend_process_pool, 10);
    measured p2 = run(c, spec, &pb_backend_process_pool, 2);
    show(c, c->ko ? "  순차 처리                 %7.3f s\n  스레드 풀 (10)            %7.3f s\n"
                   "  프로세스 풀 (10)          %7.3f s\n  프로세스 풀 (2, 청크 2)   %7.3f s\n"
                 : "  serial                    %7.3f s\n  thread pool (10)          %7.3f s\n"
                   "  process pool (10)         %7.3f s\n  process pool (2, chunk 2) %7.3f s\n",
           s.wall_s, t.wall_s, p.wall_s, p2.wall_s);
    say(c, "Lesson: with one worker per element the sleeps overlap (10x); with 2 workers and chunks of 2, "
           "five chunks are shared by two workers: 3 chunks x 2 elements for the busier one.",
        "교훈: 원소마다 작업자가 있으면 잠이 겹칩니다(10배). 작업자 2개에 청크 크기 2면 청크 5개를 둘이 나눠, "
        "더 바쁜 쪽이 청크 3개 x 원소 2개를 처리합니다.");
    record_wall(c, "serial/1", &s);
    record_wall(c, "thread-pool/10", &t);
    record_wall(c, "process-pool/10", &p);
    record_wall(c, "process-pool/2 chunk 2", &p2);
    fact(c, s.ok && t.ok && p.ok && p2.ok, "a result did not verify", "검증에 실패한 결과가 있습니다");
    fact(c, t.work_s < s.work_s / 4 && p.work_s < s.work_s / 4, "the pools did not overlap the sleeps",
         "풀이 잠을 겹치지 못했습니다");
}

/* Lost updates: increments of one counter from two threads (or processes). */
typedef struct race {
    long n;
    int mode;                  /* 0 unsynchronised, 1 mutex, 2 atomic */
    _Atomic long *unsynced;    /* read and written apart: the read-add-write of `balance += 1` */
    volatile long *plain;
    _Atomic long *atomic;
    pthread_mutex_t *lock;
    _Atomic int *go;           /* both workers start together */
} race;

static void *race_worker(void *arg)
{
    race *r = arg;
    while (!atomic_load(r->go))
        ;
    for (long i = 0; i < r->n; i++) {
        if (r->mode == 0) {
            /* read, add, write back, as three steps: another writer may come between them
             * (each step is atomic, so this is defined C; the increment as a whole is not) */
            long v = atomic_load_explicit(r->unsynced, memory_order_relaxed);
            atomic_store_explicit(r->unsynced, v + 1, memory_order_relaxed);
        } else if (r->mode == 1) {
            pthread_mutex_lock(r->lock);
            *r->plain += 1;
            pthread_mutex_unlock(r->lock);
        } else {
            atomic_fetch_add_explicit(r->atomic, 1, memory_order_relaxed);
        }
    }
    return NULL;
}

/* The race's shared page: processes race on it too. */
typedef struct race_page {
    volatile long plain;
    _Atomic long unsynced, atomic;
    _Atomic int go;
    pthread_mutex_t lock;
} race_page;

/* Two workers add n each in `mode` (0 unsynchronised, 1 mutex, 2 atomic),
 * as threads or as processes; returns the total, *s the time taken. */
static long race_once(race_page *sh, long n, int mode, bool processes, double *s)
{
    sh->plain = 0;
    atomic_store(&sh->unsynced, 0);
    atomic_store(&sh->atomic, 0);
    atomic_store(&sh->go, 0);
    race r = { n, mode, &sh->unsynced, &sh->plain, &sh->atomic, &sh->lock, &sh->go };
    pthread_t t[2];
    pid_t kids[2];
    fflush(stdout);
    for (int k = 0; k < 2; k++) {
        if (!processes) {
            pthread_create(&t[k], NULL, race_worker, &r);
        } else if ((kids[k] = demo_fork()) == 0) {
            race_worker(&r);   /* waits for go, as the threads do */
            _exit(0);
        }
    }
    int64_t t0 = pb_now_ns();
    atomic_store(&sh->go, 1);
    for (int k = 0; k < 2; k++) {
        if (!processes)
            pthread_join(t[k], NULL);
        else
            waitpid(kids[k], NULL, 0);
    }
    *s = (double)(pb_now_ns() - t0) / 1e9;
    return mode == 0 ? atomic_load(&sh->unsynced) : mode == 2 ? atomic_load(&sh->atomic) : sh->plain;
}

enum { RACE_TRIES = 5 };   /* unsynchronised tries before saying the machine gave no interleaving */

static void demo_race(demo_ctx *c)
{
    long n = c->quick ? 2000000 : 20000000;
    say(c, "Notes 003/004: two workers each add 1 to a shared balance, many times over, with no lock.",
        "노트 003/004: 두 작업자가 공유된 잔액에 1씩 여러 번 더합니다. 잠금은 없습니다.");
    show(c, c->ko ? "  작업자마다 %ld번, 정답은 %ld\n" : "  %ld times each: the right total is %ld\n", n, 2 * n);
    race_page *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        c->failed++;
        return;
    }
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&sh->lock, &attr);
    static const char *const names_en[] = { "threads, no lock   ", "threads, mutex     ", "threads, atomic    ",
                                            "processes, no lock " };
    static const char *const names_ko[] = { "스레드, 락 없음    ", "스레드, 뮤텍스     ", "스레드, 원자 연산  ",
                                            "프로세스, 락 없음  " };
    static const char *const cases[] = { "threads no lock", "threads mutex", "threads atomic", "processes no lock" };
    long totals[4];
    int tries[4] = { 1, 1, 1, 1 };
    for (int k = 0; k < 4; k++) {
        int mode = k == 3 ? 0 : k;
        double s;
        totals[k] = race_once(sh, n, mode, k == 3, &s);
        /* two workers may not overlap at all on a busy machine: an unsynchronised run that lost
         * nothing is tried again, a few times, before the machine is said to give no interleaving */
        while (mode == 0 && totals[k] == 2 * n && tries[k] < RACE_TRIES) {
            totals[k] = race_once(sh, n, mode, k == 3, &s);
            tries[k]++;
        }
        show(c, c->ko ? "  %s  합계 %9ld  잃어버린 업데이트 %8ld  %8.3f ms%s\n"
                     : "  %s  total %9ld  lost %8ld  %8.3f ms%s\n",
             c->ko ? names_ko[k] : names_en[k], totals[k], 2 * n - totals[k], s * 1e3,
             tries[k] > 1 ? (c->ko ? "  (여러 번 시도)" : "  (after retries)") : "");
        record(c, cases[k], "total", (double)totals[k], "count", (double)(2 * n), 0);
        record(c, cases[k], "lost", (double)(2 * n - totals[k]), "count", mode ? 0 : NAN, 0);
        record(c, cases[k], "wall_s", s, "s", NAN, 0);
        record(c, cases[k], "tries", tries[k], "count", NAN, 0);
    }
    bool threads_lost = totals[0] < 2 * n, procs_lost = totals[3] < 2 * n;
    if (threads_lost || procs_lost)
        say(c, "Lesson: 'balance += 1' is a read, an add and a write; without a lock two workers overwrite each "
               "other. A mutex or an atomic add makes the total exact, at a cost you can see in the times.",
            "교훈: 'balance += 1'은 읽기, 더하기, 쓰기입니다. 락이 없으면 두 작업자가 서로의 값을 덮어씁니다. "
            "뮤텍스나 원자적 더하기는 합계를 정확하게 만들지만, 그 비용이 시간에 보입니다.");
    fact(c, totals[1] == 2 * n && totals[2] == 2 * n, "a synchronised total was wrong", "동기화한 합계가 틀렸습니다");
    fact(c, totals[0] <= 2 * n && totals[3] <= 2 * n, "an unsynchronised total exceeded the right one",
         "동기화하지 않은 합계가 정답보다 큽니다");
    if (!threads_lost)
        fact_skipped(c, "two threads never overlapped in 5 tries: this machine gave no interleaving (busy, or one CPU "
                        "free), so no update was lost",
                     "스레드 두 개가 5번 시도에서 한 번도 겹치지 않았습니다: 이 기계에서는 끼어들기가 일어나지 "
                     "않았으므로(바쁘거나 빈 CPU가 하나뿐) 잃어버린 업데이트가 없습니다");
    if (!procs_lost)
        fact_skipped(c, "two processes never overlapped in 5 tries: this machine gave no interleaving",
                     "프로세스 두 개가 5번 시도에서 한 번도 겹치지 않았습니다: 이 기계에서는 끼어들기가 일어나지 "
                     "않았습니다");
    pthread_mutex_destroy(&sh->lock);
    munmap((void *)sh, sizeof *sh);
}

static long global_result;   /* a global, as global_result = [] in the notes */

static void demo_global(demo_ctx *c)
{
    say(c, "Note 003: a child process appends squares to a global list; the parent then looks at it.",
        "노트 003: 자식 프로세스가 전역 리스트에 제곱을 더하고, 부모가 그 리스트를 봅니다.");
    global_result = 0;
    long *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *shared = 0;
    fflush(stdout);   /* nothing printed so far may be printed again by the child */
    pid_t pid = demo_fork();
    if (pid == 0) {
        for (long v = 2; v <= 6; v++) {
            global_result += v * v;   /* 4 + 9 + 16 + 25 + 36 */
            *shared += v * v;
        }
        show(c, c->ko ? "  자식 안에서: 전역 = %ld, 공유 메모리 = %ld\n" : "  inside the child: global = %ld, shared memory = %ld\n",
               global_result, *shared);
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    record(c, "global after fork", "parent_sees", (double)global_result, "count", 0, 0);
    record(c, "shared memory", "parent_sees", (double)*shared, "count", 90, 0);
    show(c, c->ko ? "  부모에서:    전역 = %ld, 공유 메모리 = %ld\n" : "  in the parent:    global = %ld, shared memory = %ld\n",
           global_result, *shared);
    say(c, "Lesson: fork gives the child a copy of every variable; its changes stay in the copy. Only memory "
           "mapped as shared (multiprocessing.Value/Array; parbench's arena) is seen by both.",
        "교훈: fork는 자식에게 모든 변수의 복사본을 줍니다. 자식의 변경은 그 복사본에만 남습니다. 공유로 매핑된 "
        "메모리(multiprocessing.Value/Array, parbench의 아레나)만 둘 다 봅니다.");
    fact(c, global_result == 0 && *shared == 90, "the child's change showed in the parent, or the shared one did not",
         "자식의 변경이 부모에 보였거나, 공유 메모리의 변경이 보이지 않았습니다");
    munmap(shared, sizeof *shared);
}

/* Notes 000/004: why Python threads do not speed up CPU-bound code. */
static void demo_gil(demo_ctx *c)
{
    const char *cpu = c->quick ? "counter:n=4e7,tasks=2" : "counter:n=4e8,tasks=2";
    const char *io = c->quick ? "sleep-square:tasks=8,min_ms=10,max_ms=20" : "sleep-square:tasks=8,min_ms=100,max_ms=200";
    say(c, "Notes 000/004: CPython lets one thread at a time run Python code (the GIL). parbench's --gil gives each "
           "process one such lock, handed over every 5 ms and while sleeping. Two threads count, then two processes:",
        "노트 000/004: CPython은 한 번에 한 스레드만 파이썬 코드를 돌립니다(GIL). parbench의 --gil은 프로세스마다 이런 "
        "잠금을 하나 두고, 5 ms마다 그리고 잠들 때 넘깁니다. 두 스레드가 세고, 이어서 두 프로세스가 셉니다:");
    double free = free_cpus(200);   /* before the CPU-bound part: what the machine leaves us */
    measured s = run(c, cpu, &pb_backend_serial, 1);
    measured t_free = run(c, cpu, &pb_backend_pthread, 2);
    measured t_gil = run_gil(c, cpu, &pb_backend_pthread, 2, true);
    measured p_gil = run_gil(c, cpu, &pb_backend_fork, 2, true);
    show(c, c->ko ? "  순차 처리                 %7.3f s\n  스레드 2개, GIL 없음      %7.3f s  (코어 %.2f개)\n"
                   "  스레드 2개, GIL           %7.3f s  (코어 %.2f개)\n  프로세스 2개, 각자 GIL    %7.3f s  (코어 %.2f개)\n"
                 : "  serial                      %7.3f s\n  2 threads, no GIL           %7.3f s  (%.2f cores busy)\n"
                   "  2 threads, GIL              %7.3f s  (%.2f cores busy)\n  2 processes, a GIL each     %7.3f s  (%.2f cores busy)\n",
           s.wall_s, t_free.wall_s, t_free.busy, t_gil.wall_s, t_gil.busy, p_gil.wall_s, p_gil.busy);
    measured io_s = run(c, io, &pb_backend_serial, 1);
    measured io_gil = run_gil(c, io, &pb_backend_pthread, 8, true);
    show(c, c->ko ? "  잠자는 작업 8개: 순차 %.3f s, 스레드 8개 + GIL %.3f s\n"
                 : "  8 sleeping tasks: serial %.3f s, 8 threads with the GIL %.3f s\n", io_s.wall_s, io_gil.wall_s);
    record_run(c, "count serial/1", &s);
    record_run(c, "count pthread/2", &t_free);
    record_run(c, "count pthread/2 gil", &t_gil);
    record_run(c, "count fork/2 gil", &p_gil);
    record_run(c, "sleep serial/1", &io_s);
    record_run(c, "sleep pthread/8 gil", &io_gil);
    /* gains over serial in the work phase (the spawn, slow under sanitizers, is not the lesson) */
    double thread_gain = t_gil.work_s > 0 ? s.work_s / t_gil.work_s : 0;
    double proc_gain = p_gil.work_s > 0 ? s.work_s / p_gil.work_s : 0;
    show(c, c->ko ? "  순차 대비: GIL 스레드 2개 %.2f배, 프로세스 2개 %.2f배 (빈 CPU %.1f개)\n"
                 : "  against serial: 2 threads with the GIL %.2fx, 2 processes %.2fx (%.1f CPUs free)\n",
         thread_gain, proc_gain, free);
    record(c, "count pthread/2 gil", "gain", thread_gain, "x", NAN, t_gil.run_id);
    record(c, "count fork/2 gil", "gain", proc_gain, "x", NAN, p_gil.run_id);
    record(c, "machine", "free_cpus", free, "cores", NAN, 0);
    bool procs_shown = free >= 1.8 && proc_gain >= 1.5;
    say(c, "Lesson: under a GIL, CPU-bound threads take turns on one core and gain nothing; threads that sleep "
           "(wait for I/O) let go of it and still overlap.",
        "교훈: GIL 아래에서 CPU를 쓰는 스레드들은 코어 하나를 번갈아 쓰므로 얻는 것이 없습니다. 잠드는(I/O를 "
        "기다리는) 스레드는 GIL을 놓으므로 여전히 겹칩니다.");
    if (procs_shown)
        say(c, "Processes each have their own GIL: here they ran side by side on two free CPUs.",
            "프로세스는 각자 GIL이 있어, 여기서는 빈 CPU 두 개에서 나란히 돌았습니다.");
    fact(c, s.ok && t_free.ok && t_gil.ok && p_gil.ok && io_s.ok && io_gil.ok, "a result did not verify",
         "검증에 실패한 결과가 있습니다");
    fact(c, t_gil.busy <= 1.25, "threads under the GIL kept more than one core busy",
         "GIL 아래 스레드가 코어 하나보다 많이 썼습니다");
    if (free < 1.8) {
        /* serial and the threads ran at different moments of someone else's load: their ratio says
         * nothing about the GIL; 1.8 of 2 CPUs leaves room for the kernel's and the sampler's ticks */
        fact_skipped(c, "fewer than 2 CPUs were free, so the gains of threads and of processes could not be "
                        "measured against serial",
                     "빈 CPU가 2개보다 적어서, 순차 처리와 비교한 스레드와 프로세스의 이득을 잴 수 없었습니다");
    } else {
        /* 1.1: threads that take turns cannot beat serial by more than timing noise (a few percent
         * between runs here); a GIL that let both run would show close to 2x */
        fact(c, thread_gain <= 1.1, "two counting threads under the GIL gained more than 1.1x",
             "GIL 아래에서 세는 스레드 두 개가 1.1배보다 더 빨라졌습니다");
        fact(c, proc_gain >= 1.5, "two processes gained less than 1.5x on 2 free CPUs",
             "빈 CPU 2개에서 프로세스 두 개가 1.5배만큼도 빨라지지 않았습니다");
    }
    fact(c, io_gil.work_s < 0.75 * io_s.work_s, "sleeping threads under the GIL did not overlap",
         "GIL 아래에서 잠드는 스레드가 겹치지 않았습니다");
}

/* The notes' comparison table, measured: what creating a thread or a process costs. */
static void demo_basics(demo_ctx *c)
{
    unsigned w = c->quick ? 16 : 64;
    char spec[64];
    snprintf(spec, sizeof spec, "counter:n=1,tasks=%u", w);
    show(c, c->ko ? "노트의 비교표(스레드 vs 프로세스)를 직접 잽니다: 빈 작업자 %u개를 만들고 시작 관문에 세웁니다.\n"
                 : "The notes' table of threads vs processes, measured: %u empty workers created and lined up at the start gate.\n",
           w);
    measured t = run(c, spec, &pb_backend_pthread, w);
    measured p = run(c, spec, &pb_backend_fork, w);
    show(c, c->ko ? "  스레드     작업자당 생성 %7.1f us, 작업자당 페이지 폴트 %6.1f, 가장 큰 상주 메모리 %6ld KiB (프로세스 전체)\n"
                   "  프로세스   작업자당 생성 %7.1f us, 작업자당 페이지 폴트 %6.1f, 가장 큰 상주 메모리 %6ld KiB (자식 하나)\n"
                 : "  threads    %7.1f us to create each, %6.1f page faults each, largest resident set %6ld KiB (the whole process)\n"
                   "  processes  %7.1f us to create each, %6.1f page faults each, largest resident set %6ld KiB (one child)\n",
           t.spawn_s * 1e6 / w, (double)t.minflt / w, t.maxrss_kb, p.spawn_s * 1e6 / w, (double)p.minflt / w, p.maxrss_kb);
    for (int k = 0; k < 2; k++) {
        const measured *m = k ? &p : &t;
        const char *what = k ? "processes" : "threads";
        record(c, what, "create_us_each", m->spawn_s * 1e6 / w, "us", NAN, m->run_id);
        record(c, what, "page_faults_each", (double)m->minflt / w, "count", NAN, m->run_id);
        record(c, what, "max_resident_kib", (double)m->maxrss_kb, "KiB", NAN, m->run_id);
    }
    say(c, "Lesson: a thread shares its process's memory, so it is cheap to make and its pages are not copied; a "
           "process gets its own address space: its page tables are copied and every page it writes faults once "
           "(copy-on-write). That is the 'heavier' in the notes' table, in numbers.",
        "교훈: 스레드는 프로세스의 메모리를 공유하므로 만들기 싸고 페이지를 복사하지 않습니다. 프로세스는 자기 주소 공간을 "
        "가지므로 페이지 테이블이 복사되고, 쓰는 페이지마다 한 번씩 폴트가 납니다(copy-on-write). 노트의 표가 말하는 "
        "'무겁다'가 바로 이 숫자입니다.");
    fact(c, t.ok && p.ok, "a result did not verify", "검증에 실패한 결과가 있습니다");
    /* the costs are reported, not asserted: they depend on the machine (and on sanitizers) */
}

/* Notes 000/001/004: Queue and Pipe between processes, and shared memory. */
static void demo_ipc(demo_ctx *c)
{
    unsigned tasks = c->quick ? 500 : 20000;
    char spec[64];
    snprintf(spec, sizeof spec, "counter:n=1000,tasks=%u", tasks);
    show(c, c->ko ? "노트 000/001/004: 프로세스들이 센 결과 %u개를 부모에게 돌려보냅니다: 공유 메모리로, 그리고 파이프로\n"
                   "(multiprocessing.Queue와 Pipe가 쓰는 통로).\n"
                 : "Notes 000/001/004: processes send %u counting results back to the parent: through shared memory, and "
                   "through pipes (what multiprocessing.Queue and Pipe use underneath).\n", tasks);
    double per[2] = { 0, 0 };
    bool ok[2] = { false, false };
    for (int k = 0; k < 2; k++) {
        measured m = { 0 };
        m.run_id = run_spec(c, spec, (pb_config){ .backend = &pb_backend_process_pool, .workers = 2, .warmup = 1, .chunk = 1,
                                    .ipc = k ? PB_IPC_PIPE : PB_IPC_ARENA }, on_done, &m);
        per[k] = m.wall_s * 1e6 / tasks;
        ok[k] = m.ok;
        record(c, k ? "pipe" : "arena", "us_per_result", per[k], "us", NAN, m.run_id);
    }
    show(c, c->ko ? "  공유 메모리 (Value/Array 같은)   결과당 %6.2f us\n  파이프 (Queue/Pipe 같은)         결과당 %6.2f us  (%.1f배)\n"
                 : "  shared memory (like Value/Array)  %6.2f us per result\n  pipes (like Queue/Pipe)           %6.2f us per result  (%.1fx)\n",
           per[0], per[1], per[0] > 0 ? per[1] / per[0] : 0);
    say(c, "Lesson: a pipe copies every result through the kernel with a system call on each side; shared memory "
           "is written in place. Both are exact; the difference is the cost per message.",
        "교훈: 파이프는 결과마다 커널을 거쳐 복사하고 양쪽에서 시스템 호출을 합니다. 공유 메모리는 제자리에 씁니다. "
        "둘 다 정확하며, 차이는 메시지당 비용입니다.");
    fact(c, ok[0] && ok[1], "a result did not verify", "검증에 실패한 결과가 있습니다");
}

/* Notes 000/001/002: many processes, each named, sleeping a random time and squaring its number. */
enum { NAMED_MAX = 64 };

static void demo_named(demo_ctx *c)
{
    int n = c->quick ? 8 : 50, lo = c->quick ? 5 : 100, hi = c->quick ? 30 : 300;
    show(c, c->ko ? "노트 000/001/002: 프로세스 %d개에 이름을 붙이고, 각자 %d~%d ms 무작위로 잠든 뒤 자기 번호를 제곱합니다.\n"
                 : "Notes 000/001/002: %d named processes, each sleeping a random %d-%d ms, then squaring its number.\n",
           n, lo, hi);
    int fds[2];
    if (pipe(fds) != 0) {
        c->failed++;
        return;
    }
    fflush(stdout);
    int64_t t0 = pb_now_ns();
    for (int i = 0; i < n; i++) {
        pid_t pid = demo_fork();
        if (pid == 0) {
            int64_t started = pb_now_ns();
            char name[16];
            snprintf(name, sizeof name, "worker-%d", i);
            prctl(PR_SET_NAME, name);
            struct timespec ts = { 0, (long)(lo + (i * 7919) % (hi - lo + 1)) * 1000000L };
            nanosleep(&ts, NULL);
            char line[160];
            int len = snprintf(line, sizeof line, "%d %d %d %ld %s %lld\n", i, (int)getpid(), (int)getppid(),
                               (long)i * i, name, (long long)started);
            ssize_t w = write(fds[1], line, (size_t)len);   /* one line, one write: lines never mix */
            _exit(w == len ? 0 : 1);
        }
    }
    int64_t forked = pb_now_ns();
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    int seen = 0, right = 0, arrival[NAMED_MAX];
    int64_t due[NAMED_MAX];    /* each child's own start plus its sleep: when it should finish */
    char line[160];
    while (in && fgets(line, sizeof line, in)) {
        int i, pid, ppid;
        long sq;
        long long started;
        char name[32];
        if (sscanf(line, "%d %d %d %ld %31s %lld", &i, &pid, &ppid, &sq, name, &started) != 6 || i < 0 || i >= n)
            continue;
        if (seen < NAMED_MAX) {
            arrival[seen] = i;
            due[seen] = started + (int64_t)(lo + (i * 7919) % (hi - lo + 1)) * 1000000;
        }
        seen++;
        right += sq == (long)i * i && ppid == getpid();
        if (seen <= 10 || seen == n)
            show(c, c->ko ? "  %-10s pid %-7d 부모 %-7d %2d의 제곱 = %ld\n" : "  %-10s pid %-7d parent %-7d %2d squared = %ld\n",
                   name, pid, ppid, i, sq);
        else if (seen == 11)
            show(c, "  ...\n");
    }
    if (in)
        fclose(in);
    for (int i = 0; i < n; i++)
        wait(NULL);
    double all_s = (double)(pb_now_ns() - t0) / 1e9, fork_s = (double)(forked - t0) / 1e9;
    /* In sleep order: a line that arrived before one due earlier than it is out of order unless the two
     * were due within 10 ms (a wake-up's scheduling and a pipe write on a busy 2-CPU machine). */
    int out_of_order = 0, started_order = 1;
    for (int k = 1; k < seen && k < NAMED_MAX; k++) {
        if (due[k] + 10000000 < due[k - 1])
            out_of_order++;
        started_order &= arrival[k] > arrival[k - 1];
    }
    /* All together within the longest sleep once the last one was forked, plus a margin for the
     * wake-ups of many sleepers at once: 50 ms, or a quarter of the longest sleep if more. */
    double margin = hi / 4000.0 > 0.05 ? hi / 4000.0 : 0.05;
    show(c, c->ko ? "  %d개 모두 %.3f s 안에 끝남 (가장 긴 잠: %d ms, 모두 만드는 데 %.3f s)\n"
                 : "  all %d done in %.3f s (the longest sleep: %d ms; forking them all took %.3f s)\n",
           seen, all_s, hi, fork_s);
    record(c, "processes", "reported", seen, "count", n, 0);
    record(c, "processes", "right_square_and_parent", right, "count", n, 0);
    record(c, "processes", "out_of_sleep_order", out_of_order, "count", 0, 0);
    record(c, "processes", "wall_s", all_s, "s", NAN, 0);
    record(c, "processes", "fork_s", fork_s, "s", NAN, 0);
    record(c, "processes", "longest_sleep_s", hi / 1000.0, "s", NAN, 0);
    say(c, "Lesson: each process has its own pid and the same parent; they finish in the order their sleeps end, "
           "not the order they were started, and all of them together take about as long as the longest one.",
        "교훈: 프로세스마다 pid가 다르고 부모는 같습니다. 시작한 순서가 아니라 잠이 끝난 순서로 끝나며, "
        "모두 합쳐도 가장 긴 것만큼만 걸립니다.");
    fact(c, seen == n && right == n, "a process did not report its square", "제곱을 보고하지 않은 프로세스가 있습니다");
    fact(c, out_of_order == 0 && !started_order, "the processes did not finish in the order their sleeps ended",
         "프로세스들이 잠이 끝난 순서대로 끝나지 않았습니다");
    fact(c, all_s <= fork_s + hi / 1000.0 + margin, "all together took longer than the longest sleep",
         "모두 합쳐 가장 긴 잠보다 오래 걸렸습니다");
}

/* Outcomes of one run through the process pool, kept for a demo. */
typedef struct futures_run {
    pb_outcome out[64];
    size_t n;
    uint64_t run_id;
} futures_run;

static int keep_outcomes(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec,
                         pb_error *err)
{
    (void)cfg, (void)rec, (void)err;
    futures_run *f = user;
    f->n = plan->ntasks < 64 ? plan->ntasks : 64;
    memcpy(f->out, plan->outcomes, f->n * sizeof f->out[0]);
    return 0;
}

static futures_run futures_once(demo_ctx *c, const char *spec, int64_t timeout_ns)
{
    futures_run f = { .n = 0 };
    f.run_id = run_spec(c, spec, (pb_config){ .backend = &pb_backend_process_pool, .workers = 8, .chunk = 1,
                                .task_timeout_ns = timeout_ns }, keep_outcomes, &f);
    return f;
}

/* Notes 000/001/004: ProcessPoolExecutor, as_completed, a timeout, a failing task. */
static void demo_futures(demo_ctx *c)
{
    int scale = c->quick ? 1 : 10;
    char spec[128];
    say(c, "Notes 000/001/004: eight tasks (simulated downloads: sleeps of random length) submitted to a pool "
           "of eight processes; as_completed yields them as they finish.",
        "노트 000/001/004: 작업 8개(모의 다운로드: 길이가 무작위인 잠)를 프로세스 8개의 풀에 제출합니다. "
        "as_completed는 끝나는 순서대로 돌려줍니다.");
    snprintf(spec, sizeof spec, "sleep-square:tasks=8,min_ms=%d,max_ms=%d,seed=3", 5 * scale, 40 * scale);
    futures_run f = futures_once(c, spec, 0);
    size_t order[64];
    for (size_t i = 0; i < f.n; i++)
        order[i] = i;
    for (size_t i = 1; i < f.n; i++)   /* by completion order */
        for (size_t j = i; j > 0 && f.out[order[j]].seq < f.out[order[j - 1]].seq; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    size_t done = 0;
    for (size_t k = 0; k < f.n; k++) {
        const pb_outcome *o = &f.out[order[k]];
        done += o->status == PB_TASK_DONE;
        show(c, c->ko ? "  %zu번째 완료: 작업 %zu (잠 %4.0f ms) -> %llu\n" : "  finished #%zu: task %zu (slept %4.0f ms) -> %llu\n",
               k + 1, order[k], (double)o->sleep_ns / 1e6, (unsigned long long)o->value);
        char what[32];
        snprintf(what, sizeof what, "task %zu", order[k]);
        record(c, what, "finished_as", (double)(k + 1), "count", NAN, f.run_id);
        record(c, what, "sleep_s", (double)o->sleep_ns / 1e9, "s", NAN, f.run_id);
    }
    fact(c, done == 8, "a task did not finish", "끝나지 않은 작업이 있습니다");
    /* as_completed's order is the completion order: each task in it ended no earlier than the one before
     * (1 ms: two workers stamping their ends and taking their places in the order at nearly the same
     * moment may swap by microseconds), and it is not the order of submission */
    int misordered = 0, submitted_order = 1;
    for (size_t k = 1; k < f.n; k++) {
        misordered += f.out[order[k]].t_end_ns + 1000000 < f.out[order[k - 1]].t_end_ns;
        submitted_order &= order[k] > order[k - 1];
    }
    record(c, "as_completed", "out_of_completion_order", misordered, "count", 0, f.run_id);
    fact(c, f.n == 8 && misordered == 0 && !submitted_order,
         "as_completed did not yield the tasks in the order they finished",
         "as_completed가 끝난 순서대로 작업을 돌려주지 않았습니다");

    say(c, "\nNow task 2 fails (its worker exits, like an exception in the notes) and task 5 hangs past a timeout:",
        "\n이번에는 작업 2가 실패하고(노트의 예외처럼 작업자가 끝남) 작업 5는 제한 시간을 넘겨 멈춥니다:");
    snprintf(spec, sizeof spec, "sleep-square:tasks=8,min_ms=%d,max_ms=%d,seed=3,fault=exit@2", 5 * scale, 40 * scale);
    futures_run failing = futures_once(c, spec, 0);
    snprintf(spec, sizeof spec, "sleep-square:tasks=8,min_ms=%d,max_ms=%d,seed=3,fault=hang@5", 5 * scale, 40 * scale);
    int64_t timeout = (int64_t)(100 * scale) * 1000000;
    futures_run hanging = futures_once(c, spec, timeout);
    size_t ok_fail = 0, ok_hang = 0;
    for (size_t i = 0; i < 8; i++) {
        ok_fail += failing.out[i].status == PB_TASK_DONE;
        ok_hang += hanging.out[i].status == PB_TASK_DONE;
    }
    const pb_outcome *e = &failing.out[2], *h = &hanging.out[5];
    show(c, c->ko ? "  작업 2: 실패 (작업자 종료 상태 %d); 나머지 %zu개 성공\n" : "  task 2: failed (its worker exited with status %d); the other %zu succeeded\n",
           e->exit_status, ok_fail);
    show(c, c->ko ? "  작업 5: %d ms 제한 시간 초과 (신호 %d로 종료); 나머지 %zu개 성공\n"
                 : "  task 5: timed out after %d ms (killed by signal %d); the other %zu succeeded\n",
           100 * scale, h->signal, ok_hang);
    record(c, "task 2 fails", "exit_status", e->exit_status, "count", 3, failing.run_id);
    record(c, "task 2 fails", "others_done", (double)ok_fail, "count", 7, failing.run_id);
    record(c, "task 5 hangs", "signal", h->signal, "count", SIGKILL, hanging.run_id);
    record(c, "task 5 hangs", "others_done", (double)ok_hang, "count", 7, hanging.run_id);
    record(c, "task 5 hangs", "timeout_s", (double)timeout / 1e9, "s", NAN, hanging.run_id);
    say(c, "Lesson: results come back as tasks finish, not as they were submitted; a pool of processes reports a "
           "failing or overrunning task and replaces its worker, while every other task still completes.",
        "교훈: 결과는 제출한 순서가 아니라 끝나는 순서로 돌아옵니다. 프로세스 풀은 실패하거나 시간을 넘긴 작업을 "
        "보고하고 작업자를 바꾸며, 나머지 작업은 모두 끝납니다.");
    fact(c, failing.n == 8 && e->status == PB_TASK_LOST && e->exit_status == 3 && ok_fail == 7,
         "the failing task was not reported alone", "실패한 작업만 따로 보고되지 않았습니다");
    fact(c, hanging.n == 8 && h->status == PB_TASK_LOST && h->signal == SIGKILL && ok_hang == 7,
         "the timeout did not fire alone", "제한 시간이 그 작업에만 걸리지 않았습니다");
}

/* ---- note 004: deadlock, semaphore, producer/consumer --------------------- */

typedef struct two_locks {
    pthread_mutex_t a, b;
    pthread_barrier_t both_hold_one;
    int64_t timeout_ns;
    bool reversed;             /* this worker takes b first */
    bool ordered;              /* everyone takes a first (the fix) */
    bool timed_out;
} two_locks;

typedef struct lock_arg {
    two_locks *s;
    bool b_first;
    bool timed_out;
} lock_arg;

static void *lock_worker(void *p)
{
    lock_arg *a = p;
    two_locks *s = a->s;
    bool b_first = a->b_first && !s->ordered;
    pthread_mutex_t *first = b_first ? &s->b : &s->a, *second = b_first ? &s->a : &s->b;
    pthread_mutex_lock(first);
    if (!s->ordered)
        pthread_barrier_wait(&s->both_hold_one);   /* make the bad interleaving certain */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += s->timeout_ns % 1000000000;
    until.tv_sec += s->timeout_ns / 1000000000 + until.tv_nsec / 1000000000;
    until.tv_nsec %= 1000000000;
    if (pthread_mutex_timedlock(second, &until) == 0)
        pthread_mutex_unlock(second);
    else
        a->timed_out = true;   /* would wait forever: the other holds it and waits for ours */
    pthread_mutex_unlock(first);
    return NULL;
}

static int run_two_locks(two_locks *s)
{
    lock_arg args[2] = { { s, false, false }, { s, true, false } };
    pthread_t t[2];
    pthread_barrier_init(&s->both_hold_one, NULL, 2);
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, lock_worker, &args[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&s->both_hold_one);
    return args[0].timed_out + args[1].timed_out;
}

typedef struct limited {
    sem_t slots;
    _Atomic int inside, most;
    int64_t work_ns;
} limited;

static void *limited_worker(void *p)
{
    limited *l = p;
    sem_wait(&l->slots);
    int now = atomic_fetch_add(&l->inside, 1) + 1;
    int m = atomic_load(&l->most);
    while (now > m && !atomic_compare_exchange_weak(&l->most, &m, now))
        ;
    nanosleep(&(struct timespec){ 0, l->work_ns }, NULL);
    atomic_fetch_sub(&l->inside, 1);
    sem_post(&l->slots);
    return NULL;
}

/* A bounded queue in shared memory, usable by threads and by processes. */
enum { QCAP = 4 };
typedef struct bqueue {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    long item[QCAP];
    int head, count;
    bool done;                 /* the event: the producer has finished */
} bqueue;

static void bq_init(bqueue *q)
{
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&q->lock, &ma);
    pthread_cond_init(&q->not_full, &ca);
    pthread_cond_init(&q->not_empty, &ca);
    q->head = q->count = 0;
    q->done = false;
}

static void produce(bqueue *q, long n)
{
    for (long i = 1; i <= n; i++) {
        pthread_mutex_lock(&q->lock);
        while (q->count == QCAP)
            pthread_cond_wait(&q->not_full, &q->lock);
        q->item[(q->head + q->count++) % QCAP] = i;
        pthread_cond_signal(&q->not_empty);
        pthread_mutex_unlock(&q->lock);
    }
    pthread_mutex_lock(&q->lock);
    q->done = true;            /* event.set() */
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

static long consume(bqueue *q)
{
    long sum = 0;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        while (q->count == 0 && !q->done)
            pthread_cond_wait(&q->not_empty, &q->lock);
        if (q->count == 0) {
            pthread_mutex_unlock(&q->lock);
            return sum;
        }
        sum += q->item[q->head];
        q->head = (q->head + 1) % QCAP;
        q->count--;
        pthread_cond_signal(&q->not_full);
        pthread_mutex_unlock(&q->lock);
    }
}

typedef struct consumer_arg {
    bqueue *q;
    long sum;
} consumer_arg;

static void *consumer_thread(void *p)
{
    consumer_arg *a = p;
    a->sum = consume(a->q);
    return NULL;
}

static void demo_sync(demo_ctx *c)
{
    int64_t timeout = (c->quick ? 50 : 500) * 1000000LL;
    say(c, "Note 004: two threads take two locks in opposite order: each holds one and waits for the other.",
        "노트 004: 두 스레드가 잠금 두 개를 반대 순서로 잡습니다. 각자 하나를 쥐고 다른 하나를 기다립니다.");
    two_locks s = { .timeout_ns = timeout };
    pthread_mutex_init(&s.a, NULL);
    pthread_mutex_init(&s.b, NULL);
    int stuck = run_two_locks(&s);
    show(c, c->ko ? "  반대 순서: 스레드 %d개가 %lld ms 동안 기다리다 포기 -> 교착 상태\n"
                 : "  opposite order: %d thread(s) gave up after waiting %lld ms -> a deadlock\n",
           stuck, (long long)(timeout / 1000000));
    s.ordered = true;
    int stuck_ordered = run_two_locks(&s);
    show(c, c->ko ? "  같은 순서 (항상 A 다음 B): 포기한 스레드 %d개\n" : "  same order (always A then B): %d thread(s) gave up\n",
           stuck_ordered);
    record(c, "two locks opposite order", "gave_up", stuck, "count", NAN, 0);
    record(c, "two locks same order", "gave_up", stuck_ordered, "count", 0, 0);
    fact(c, stuck >= 1 && stuck_ordered == 0, "the deadlock was not seen, or the fix did not work",
         "교착 상태가 보이지 않았거나 해결책이 통하지 않았습니다");

    say(c, "\nA semaphore of 3 lets at most 3 of 8 tasks in at once:", "\n크기 3인 세마포어는 작업 8개 중 한 번에 3개만 들여보냅니다:");
    limited l = { .work_ns = (c->quick ? 5 : 50) * 1000000L };
    sem_init(&l.slots, 0, 3);
    pthread_t t[8];
    int64_t t0 = pb_now_ns();
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, limited_worker, &l);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    double sem_s = (double)(pb_now_ns() - t0) / 1e9;
    show(c, c->ko ? "  동시에 가장 많았을 때 %d개, 전체 %.0f ms (작업 하나 %lld ms)\n"
                 : "  at most %d inside at once, %.0f ms in all (one task: %lld ms)\n",
           atomic_load(&l.most), sem_s * 1e3, (long long)(l.work_ns / 1000000));
    record(c, "semaphore of 3", "most_inside", atomic_load(&l.most), "count", NAN, 0);
    record(c, "semaphore of 3", "wall_s", sem_s, "s", NAN, 0);
    fact(c, atomic_load(&l.most) <= 3, "more than 3 tasks were inside", "3개보다 많은 작업이 들어갔습니다");
    sem_destroy(&l.slots);

    long n = c->quick ? 20000 : 200000;
    if (c->ko)
        show(c, "\n생산자/소비자: 크기 %d인 큐로 %ld개를 넘기고, 끝은 이벤트로 알립니다.\n", QCAP, n);
    else
        show(c, "\nProducer/consumer: %ld items through a queue of %d, the end signalled by an event.\n", n, QCAP);
    bqueue *q = mmap(NULL, sizeof *q, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    long want = n * (n + 1) / 2, *psum = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    double rate[2] = { 0, 0 };
    long got[2] = { -1, -1 };
    for (int k = 0; k < 2; k++) {
        bq_init(q);
        int64_t start = pb_now_ns();
        if (k == 0) {
            consumer_arg a = { q, 0 };
            pthread_t ct;
            pthread_create(&ct, NULL, consumer_thread, &a);
            produce(q, n);
            pthread_join(ct, NULL);
            got[k] = a.sum;
        } else {
            fflush(stdout);
            pid_t pid = demo_fork();
            if (pid == 0) {
                *psum = consume(q);
                _exit(0);
            }
            produce(q, n);
            waitpid(pid, NULL, 0);
            got[k] = *psum;
        }
        rate[k] = (double)n / ((double)(pb_now_ns() - start) / 1e9);
    }
    show(c, c->ko ? "  스레드 사이    초당 %9.0f개, 합계 %s\n  프로세스 사이  초당 %9.0f개, 합계 %s\n"
                 : "  between threads    %9.0f items/s, total %s\n  between processes  %9.0f items/s, total %s\n",
           rate[0], got[0] == want ? (c->ko ? "정확" : "exact") : (c->ko ? "틀림" : "WRONG"), rate[1],
           got[1] == want ? (c->ko ? "정확" : "exact") : (c->ko ? "틀림" : "WRONG"));
    for (int k = 0; k < 2; k++) {
        const char *what = k ? "queue between processes" : "queue between threads";
        record(c, what, "total", (double)got[k], "count", (double)want, 0);
        record(c, what, "items_per_s", rate[k], "items/s", NAN, 0);
    }
    say(c, "Lesson: a deadlock is two waits in a circle; a timed lock detects it and one fixed order prevents it. "
           "A semaphore bounds concurrency. A bounded queue with an end event moves every item exactly once, "
           "between threads and between processes alike.",
        "교훈: 교착 상태는 원을 이루는 두 기다림입니다. 시간 제한 잠금으로 알아채고, 하나의 정해진 순서로 막습니다. "
        "세마포어는 동시 실행 수를 제한합니다. 끝 이벤트가 있는 크기 제한 큐는 스레드 사이에서도 프로세스 사이에서도 "
        "모든 항목을 정확히 한 번씩 옮깁니다.");
    fact(c, got[0] == want && got[1] == want, "an item was lost or repeated", "항목이 사라지거나 반복되었습니다");
    munmap(q, sizeof *q);
    munmap(psum, sizeof(long));
}

/* State letter of a process in /proc (Z: zombie), or '?' when it is gone. */
static char proc_state(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return '?';
    size_t k = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[k] = '\0';
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '?';
}

static void *daemon_thread(void *arg)
{
    (void)arg;
    for (;;)
        pause();   /* never ends: only the process's exit ends it */
    return NULL;
}

/* Notes 000/002/004: start, is_alive, terminate, join; a zombie; daemons. */
static void demo_life_cycle(demo_ctx *c)
{
    say(c, "Notes 000/002/004: a process's life: started, alive, terminated, a zombie until joined, then gone.",
        "노트 000/002/004: 프로세스의 일생: 시작, 살아 있음, 종료, join 전까지 좀비, 그리고 사라짐.");
    fflush(stdout);
    pid_t pid = demo_fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    char alive = proc_state(pid);
    show(c, c->ko ? "  시작 직후            상태 %c  (is_alive: %s)\n" : "  just started         state %c  (is_alive: %s)\n",
           alive, alive != '?' && alive != 'Z' ? "True" : "False");
    kill(pid, SIGTERM);   /* terminate() */
    char zombie = '?';
    for (int i = 0; i < 200 && (zombie = proc_state(pid)) != 'Z'; i++)
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    show(c, c->ko ? "  terminate() 뒤       상태 %c  (좀비: 끝났지만 아직 join되지 않음)\n"
                 : "  after terminate()    state %c  (a zombie: ended, not yet joined)\n", zombie);
    int status = 0;
    waitpid(pid, &status, 0);   /* join() */
    char gone = proc_state(pid);
    show(c, c->ko ? "  join() 뒤            %s  (종료 신호 %d)\n" : "  after join()         %s  (ended by signal %d)\n",
           gone == '?' ? (c->ko ? "/proc에서 사라짐" : "gone from /proc") : "still there",
           WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    record(c, "child", "alive_after_start", alive != '?' && alive != 'Z', "flag", 1, 0);
    record(c, "child", "zombie_after_terminate", zombie == 'Z', "flag", 1, 0);
    record(c, "child", "gone_after_join", gone == '?', "flag", 1, 0);
    pthread_t t;
    pthread_create(&t, NULL, daemon_thread, NULL);
    pthread_detach(t);
    say(c, "  A daemon thread now runs forever; it will not keep parbench alive: the process's exit ends it. "
           "A non-daemon (joined) thread would make exit wait.",
        "  이제 데몬 스레드가 영원히 돕니다. parbench를 붙잡아 두지 않으며, 프로세스가 끝나면 함께 끝납니다. "
        "데몬이 아닌(join하는) 스레드라면 종료가 기다립니다.");
    say(c, "Lesson: until a parent joins (waits for) a child, the ended child stays in the process table as a "
           "zombie; join reaps it. parbench reaps every worker, so no zombie outlives a run.",
        "교훈: 부모가 join(대기)하기 전까지 끝난 자식은 좀비로 프로세스 표에 남습니다. join이 이를 거둡니다. "
        "parbench는 모든 작업자를 거두므로 실행 뒤에 남는 좀비가 없습니다.");
    fact(c, alive != '?' && alive != 'Z', "the child was not alive after start", "시작 뒤 자식이 살아 있지 않았습니다");
    fact(c, zombie == 'Z', "the ended child was not seen as a zombie", "끝난 자식이 좀비로 보이지 않았습니다");
    fact(c, gone == '?' && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "join did not reap the child",
         "join이 자식을 거두지 않았습니다");
}

typedef struct demo {
    const char *name;
    const char *notes;
    const char *summary_en, *summary_ko;
    void (*run)(demo_ctx *);
} demo;

static const demo demos[] = {
    { "basics", "000/004", "what creating a thread or a process costs in time and memory",
      "스레드와 프로세스를 만드는 비용: 시간과 메모리", demo_basics },
    { "square-cube", "003", "serial vs threads vs processes, with sleeps and then CPU-bound",
      "순차 vs 스레드 vs 프로세스: 잠자는 작업, 그다음 CPU 작업", demo_square_cube },
    { "named-processes", "000/001/002", "many named processes with pids and parents, random sleeps",
      "이름 붙인 여러 프로세스: pid, 부모, 무작위 잠", demo_named },
    { "life-cycle", "000/002/004", "start, is_alive, terminate, a zombie in /proc, join, a daemon thread",
      "시작, is_alive, terminate, /proc의 좀비, join, 데몬 스레드", demo_life_cycle },
    { "global", "000/001/003", "a global changed in a forked child, then the same in shared memory",
      "fork한 자식이 바꾼 전역 변수, 그리고 공유 메모리", demo_global },
    { "pool-map", "003", "Pool.map over 10 sleeping elements under both pools, with chunks",
      "잠자는 원소 10개에 대한 Pool.map: 두 풀과 청크", demo_pool_map },
    { "ipc", "000/001/004", "results sent back through shared memory vs through pipes (Queue/Pipe)",
      "결과 돌려보내기: 공유 메모리 vs 파이프(Queue/Pipe)", demo_ipc },
    { "futures", "000/001/004", "as_completed order, a failing task and a timeout in a process pool",
      "as_completed 순서, 프로세스 풀에서 실패한 작업과 제한 시간", demo_futures },
    { "race", "003/004", "lost updates without a lock, exact totals with a mutex and with atomics",
      "잠금 없는 잃어버린 갱신, 뮤텍스와 원자 연산으로 정확한 합계", demo_race },
    { "gil", "000/004", "why CPU-bound threads stop scaling under a GIL while processes and sleepers do not",
      "GIL 아래에서 CPU 스레드는 확장되지 않지만 프로세스와 잠드는 스레드는 그렇지 않은 이유", demo_gil },
    { "sync", "004", "a deadlock detected with a timed lock, a semaphore, producer/consumer with an event",
      "시간 제한 잠금으로 찾는 교착 상태, 세마포어, 이벤트가 있는 생산자/소비자", demo_sync },
};
enum { NDEMOS = sizeof demos / sizeof demos[0] };

int pb_cmd_demo(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "lang", required_argument, NULL, 'l' },
        { "all", no_argument, NULL, 'a' },
        { "quick", no_argument, NULL, 'q' },
        { "live", no_argument, NULL, 'L' },
        { "out", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    demo_ctx ctx = { 0 };
    bool all = false;
    const char *out = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":l:aqo:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            if (strcmp(optarg, "ko") != 0 && strcmp(optarg, "en") != 0) {
                fprintf(stderr, "parbench demo: --lang: '%s' is not a language here (en, ko)\n", optarg);
                return PB_EXIT_USAGE;
            }
            ctx.ko = strcmp(optarg, "ko") == 0;
            break;
        case 'a': all = true; break;
        case 'q': ctx.quick = true; break;
        case 'L': ctx.live = true; break;
        case 'o': out = optarg; break;
        case 'h':
            printf("Usage: parbench demo [NAME | --all] [--lang en|ko] [--quick] [--live] [--out DIR]\n\n"
                   "Lessons of the course notes as narrated, measured runs. Without a name, lists them.\n"
                   "Each demo checks the facts it teaches and exits 1 if one does not hold.\n"
                   "  --lang ko     narrate in Korean, the course's language (default: English)\n"
                   "  --quick       shorter sleeps and counts\n"
                   "  --live        the per-CPU view while the demos run (on a terminal)\n"
                   "  -o, --out DIR also write the measurements as a result set in DIR (a new folder):\n"
                   "                measures.csv (every number shown, with the value the lesson expects),\n"
                   "                and runs.csv, tasks.csv, samples.csv for the runs made through the runner\n\n"
                   "Examples:\n"
                   "  parbench demo square-cube\n"
                   "  parbench demo --all --lang ko\n"
                   "  parbench demo race --out results/race-demo\n");
            return PB_EXIT_OK;
        case ':':
            fprintf(stderr, "parbench demo: %s needs a value\n", argv[optind - 1]);
            return PB_EXIT_USAGE;
        default:
            fprintf(stderr, "parbench demo: unknown option '%s'\nTry 'parbench demo --help'.\n", argv[optind - 1]);
            return PB_EXIT_USAGE;
        }
    }
    if (optind < argc && all) {
        fprintf(stderr, "parbench demo: give a demo NAME or --all, not both\n");
        return PB_EXIT_USAGE;
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "parbench demo: one demo at a time ('%s' is extra; --all runs every one)\n", argv[optind + 1]);
        return PB_EXIT_USAGE;
    }
    if (out && optind == argc && !all) {
        fprintf(stderr, "parbench demo: --out needs a demo NAME or --all to measure\n");
        return PB_EXIT_USAGE;
    }
    if (optind == argc && !all) {
        printf(ctx.ko ? "데모 (parbench demo 이름):\n" : "Demos (parbench demo NAME):\n");
        for (int i = 0; i < NDEMOS; i++)
            printf("  %-12s %-12s %s\n", demos[i].name, demos[i].notes,
                   ctx.ko ? demos[i].summary_ko : demos[i].summary_en);
        return PB_EXIT_OK;
    }
    const demo *chosen = NULL;
    for (int i = 0; i < NDEMOS && !all; i++)
        if (strcmp(argv[optind], demos[i].name) == 0)
            chosen = &demos[i];
    if (!all && !chosen) {
        fprintf(stderr, "parbench demo: unknown demo '%s' (parbench demo lists them)\n", argv[optind]);
        return PB_EXIT_USAGE;
    }
    pb_error err;
    if (out && pb_resultset_check_dir(out, &err) != 0) {
        fprintf(stderr, "parbench demo: %s\n", err.msg);
        return PB_EXIT_USAGE;
    }
    demo_parent = getpid();
    /* --out: a result set, sampled per runner run as `parbench run` does */
    pb_resultset rs;
    if (out) {
        char command[2048];
        pb_cli_join_command(argc, argv, command, sizeof command);
        if (pb_resultset_create(&rs, out, "results", command, NULL, &err) != 0 ||
            pb_sampler_create(&ctx.sampler, PB_SAMPLE_HZ_DEFAULT, NULL, 0, &err) != 0) {
            fprintf(stderr, "parbench demo: %s\n", err.msg);
            return PB_EXIT_FAILED;
        }
        ctx.rs = &rs;
    }
    /* --live: one sampling window over the whole demo, the view on stderr */
    pb_sampler *sampler = NULL;
    if (ctx.live) {
        int cpus[4096];
        unsigned n = 0;
        const pb_topology *topo = pb_topology_this(&err);
        if (topo)
            n = pb_topology_usable(topo, cpus, 4096);
        ctx.live = pb_sampler_create(&sampler, 10, n ? cpus : NULL, n, &err) == 0;
        if (ctx.live) {
            pb_sampler_start(sampler);
            ctx.live = pb_live_start(sampler);
        }
    }
    for (int i = 0; i < NDEMOS; i++) {
        if (!all && &demos[i] != chosen)
            continue;
        pb_live_status("parbench demo %s", demos[i].name);
        show(&ctx, "\n== %s ==\n", demos[i].name);
        ctx.name = demos[i].name;
        fflush(stdout);
        demos[i].run(&ctx);
        fflush(stdout);
    }
    if (sampler) {
        pb_live_stop();
        pb_sampler_stop(sampler);
        pb_sampler_destroy(sampler);
    }
    if (ctx.failed || ctx.skipped)
        printf(ctx.ko ? "\n사실 확인: 실패 %d개, 이 기계에서 확인하지 못함 %d개\n"
                      : "\nfacts: %d did not hold, %d could not be shown on this machine\n", ctx.failed, ctx.skipped);
    if (ctx.rs) {
        pb_sampler_destroy(ctx.sampler);
        pb_resultset_close(ctx.rs);
        printf(ctx.ko ? "\n결과 세트: %s\n" : "\nresult set: %s\n", rs.dir);
    }
    return ctx.failed || ctx.out_failed ? PB_EXIT_FAILED : PB_EXIT_OK;
}
