/* Narration, measurement and fact checking for the demos. */
#include <math.h>
#include "narrate.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <wchar.h>
#include <unistd.h>

#include "parbench/machine.h"
#include "parbench/resultset.h"

extern char **environ;

void pb_demo_ctx_init(pb_demo_ctx *c, bool quick)
{
    memset(c, 0, sizeof *c);
    c->quick = quick;
    c->parent_pid = (int)getpid();
}

void pb__show(const pb_demo_ctx *c, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (c->emit && getpid() == c->parent_pid)
        c->emit(c->emit_user, buf);
    else
        fputs(buf, stdout);
}

void pb__say(const pb_demo_ctx *c, const char *text)
{
    pb__show(c, "%s\n", text);
}

void pb__fact(pb_demo_ctx *c, bool holds, const char *what_failed)
{
    if (!holds) {
        c->failed++;
        pb__show(c, "  !! %s\n", what_failed);
    }
}

void pb__fact_skipped(pb_demo_ctx *c, const char *why)
{
    c->skipped++;
    pb__show(c, "  -- %s %s\n", _("not shown on this machine:"), why);
}

/* A failed write: said once; the demo goes on, nothing more is written. */
static void output_failed(pb_demo_ctx *c, const pb_error *err)
{
    if (c->out_failed)
        return;
    c->out_failed = true;
    fprintf(stderr, _("parbench demo: %s; measurements are no longer written (rows already written are intact)\n"),
            err->msg);
}

void pb__record(pb_demo_ctx *c, const char *what, const char *metric, double value, const char *unit,
                double expected, uint64_t run_id)
{
    pb_error err;
    if (!c->rs || c->out_failed || getpid() != c->parent_pid)
        return;
    if (pb_resultset_add_measure(c->rs, c->name, what, metric, value, unit, expected, run_id, &err) != 0)
        output_failed(c, &err);
}

pid_t pb__reap(pid_t pid, int *status)
{
    if (pid <= 0)
        return -1;
    pid_t got;
    while ((got = waitpid(pid, status, 0)) < 0 && errno == EINTR)
        ;
    return got;
}

pid_t pb__demo_fork(void)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        fprintf(stderr, "parbench demo: cannot start a process (fork): %s\n", strerror(errno));
    if (pid == 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent))
        _exit(127);
    return pid;
}

pid_t pb__spawn_child(char *const args[], int stdin_fd, int stdout_fd)
{
    char *argv[16] = { "parbench", "__demo-child" };
    size_t n = 2;
    for (size_t i = 0; args[i] && n + 1 < sizeof argv / sizeof argv[0]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -1;
    if (stdin_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
    if (stdout_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, stdout_fd, 1);
    fflush(stdout);
    pid_t pid;
    int rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "parbench demo: cannot start a fresh parbench (posix_spawn): %s\n", strerror(rc));
        return -1;
    }
    return pid;
}

int pb_demo_child_main(int argc, char **argv)
{
    /* the child's end when parbench ends, as for forked children: set before anything else runs */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        return 127;
    const pb_demo *d = argc >= 2 ? pb_find_demo(argv[1]) : NULL;
    if (!d || !d->child) {
        fprintf(stderr, "parbench __demo-child: %s is not a demo with a child side\n", argc >= 2 ? argv[1] : "(none)");
        return 2;
    }
    return d->child(argc - 1, argv + 1);
}

const char *pb__column(char *buf, size_t size, const char *text, int width)
{
    size_t len = strlen(text);
    int cols = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    for (const char *p = text; *p;) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, p, len - (size_t)(p - text), &st);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            cols++;
            p++;
            memset(&st, 0, sizeof st);
            continue;
        }
        int w = wcwidth(wc);
        cols += w > 0 ? w : 1;
        p += k;
    }
    int pad = width > cols ? width - cols : 0;
    snprintf(buf, size, "%s%*s", text, pad, "");
    return buf;
}

double pb__free_cpus(int window_ms)
{
    return (double)pb_allowed_pus() - pb_machine_busy_cpus(window_ms);
}

pb__free_mark pb__free_start(void)
{
    return (pb__free_mark){ pb_machine_cpu_mark() };
}

double pb__free_since(const pb__free_mark *m, double runs_cpu_s)
{
    pb_cpu_mark now = pb_machine_cpu_mark();
    double wall = now.cpus ? (now.total_s - m->cpu.total_s) / now.cpus : 0;
    /* /proc/stat counts in ticks (10 ms a CPU): over a lesson of a second, others' share is known to +-0.02 */
    double others = pb_machine_busy_between(&m->cpu, &now) - (wall > 0 ? runs_cpu_s / wall : 0);
    return (double)pb_allowed_pus() - (others > 0 ? others : 0);
}

/* ---- a workload through the runner -------------------------------------- */

int pb__keep_measured(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec,
                         pb_error *err)
{
    (void)cfg, (void)plan, (void)err;
    pb__measured *m = user;
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

/* Between the runner and a demo's observer: writes each measured run into
 * the result set first (with --out). */
typedef struct run_hook {
    pb_demo_ctx *c;
    pb__run_done_fn *done;
    void *user;
    uint64_t run_id;
} run_hook;

static int hook_done(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec,
                     pb_error *err)
{
    run_hook *h = user;
    pb_demo_ctx *c = h->c;
    if (!rec->warmup && c->rs && !c->out_failed) {
        pb_error werr;
        if (pb_resultset_add_run(c->rs, c->config_id, cfg, plan, rec, c->sampler, &werr) == 0)
            h->run_id = c->rs->next_run_id - 1;
        else
            output_failed(c, &werr);
    }
    return h->done(h->user, cfg, plan, rec, err);
}

uint64_t pb__run_spec(pb_demo_ctx *c, const char *spec, pb_config cfg, pb__run_done_fn *done, void *user)
{
    pb_workload_spec ws;
    pb_error err;
    if (pb_workload_spec_parse(spec, &ws, &err) != 0) {
        fprintf(stderr, "parbench demo: %s\n", err.msg);
        c->failed++;
        return 0;
    }
    cfg.workload = ws.workload;
    cfg.params = ws.params;
    if (cfg.reps == 0)
        cfg.reps = 1;
    run_hook hook = { .c = c, .done = done, .user = user };
    pb_run_observer obs = { .run_done = hook_done, .user = &hook, .sampler = c->rs ? c->sampler : NULL };
    c->config_id++;
    if (pb_run_config(&cfg, &obs, &err) != 0) {
        fprintf(stderr, "parbench demo: %s\n", err.msg);
        c->failed++;
    }
    return hook.run_id;
}

pb__measured pb__run_gil(pb_demo_ctx *c, const char *spec, const pb_backend *b, unsigned workers, bool gil)
{
    pb__measured m = { 0 };
    m.run_id = pb__run_spec(c, spec, (pb_config){ .backend = b, .workers = workers, .gil = gil }, pb__keep_measured, &m);
    return m;
}

pb__measured pb__run(pb_demo_ctx *c, const char *spec, const pb_backend *b, unsigned workers)
{
    return pb__run_gil(c, spec, b, workers, false);
}

double pb__run_round(pb_demo_ctx *c, const char *spec, const pb__variant *v, pb__measured *fastest, int n,
                     int round)
{
    /* one worker per CPU: unbound, the kernel often wakes both counting threads on the CPU that opened
     * the start gate and moves one only later (here: 1.78x unbound, 1.96x scattered, median of 21) */
    static const pb_pin_policy scatter = { .kind = PB_PIN_SCATTER };
    double before = pb__free_cpus(200);
    pb__free_mark during = pb__free_start();
    double runs_cpu_s = 0;
    for (int i = 0; i < n; i++) {
        pb_config cfg = { .backend = v[i].backend, .workers = v[i].workers, .gil = v[i].gil, .pin = &scatter };
        pb__measured m = { 0 };
        m.run_id = pb__run_spec(c, spec, cfg, pb__keep_measured, &m);
        runs_cpu_s += m.busy * m.wall_s;
        bool ok = m.ok && (round == 0 || fastest[i].ok);
        if (round == 0 || m.work_s < fastest[i].work_s)
            fastest[i] = m;
        fastest[i].ok = ok;
    }
    double during_free = pb__free_since(&during, runs_cpu_s);   /* load that came and went during the runs */
    return fmin(before, during_free);
}

void pb__record_wall(pb_demo_ctx *c, const char *what, const pb__measured *m)
{
    pb__record(c, what, "wall_s", m->wall_s, "s", NAN, m->run_id);
}

void pb__record_run(pb_demo_ctx *c, const char *what, const pb__measured *m)
{
    pb__record_wall(c, what, m);
    pb__record(c, what, "busy_cores", m->busy, "cores", NAN, m->run_id);
}

const pb_demo *const pb_demos[] = {
#define PB_X_(id) &pb_demo_##id,
    PB_DEMO_LIST(PB_X_)
#undef PB_X_
    NULL,
};

const pb_demo *pb_find_demo(const char *name)
{
    for (size_t i = 0; pb_demos[i]; i++)
        if (strcmp(pb_demos[i]->name, name) == 0)
            return pb_demos[i];
    return NULL;
}
