/* Every fault under every process backend ends as documented: the task is
 * reported with its signal or exit status, the other tasks finish, pools
 * replace the worker, and no process of the run outlives it. Thread
 * backends (openmp too): a task that ends its thread is reported (crashes
 * and hangs end the process; tests/test_fault_cli.py covers those). */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli.h"
#include "parbench/registry.h"
#include "parbench/runner.h"

typedef struct capture {
    unsigned runs, ok;
    char note[512];
    pb_run_record last;
    size_t lost, pending, done;
    pb_outcome faulted;
} capture;

static int on_done(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec, pb_error *err)
{
    (void)err;
    capture *c = user;
    c->runs++;
    c->ok += rec->ok;
    snprintf(c->note, sizeof c->note, "%s", rec->note);
    c->last = *rec;
    c->lost = c->pending = c->done = 0;
    for (size_t i = 0; i < plan->ntasks; i++) {
        int s = plan->outcomes[i].status;
        c->lost += s == PB_TASK_LOST;
        c->done += s == PB_TASK_DONE;
        c->pending += s == PB_TASK_PENDING || s == PB_TASK_RUNNING;
    }
    c->faulted = plan->outcomes[cfg->params.fault_task];
    return 0;
}

/* Processes whose parent is this test process. */
static int children(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d))) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t k = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[k] = '\0';
        char *p = strrchr(buf, ')');
        int ppid;
        if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == getpid())
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

static capture run(const char *spec, const pb_backend *b, unsigned W, uint64_t chunk, pb_ipc ipc, int64_t timeout_ns)
{
    pb_workload_spec s;
    pb_error err = { 0 };
    capture c = { 0 };
    if (pb__cli_parse_workload(spec, &s, &err) != 0) {
        fprintf(stderr, "%s: %s\n", spec, err.msg);
        exit(1);
    }
    pb_config cfg = { .workload = s.workload, .params = s.params, .backend = b, .workers = W, .reps = 2,
                      .warmup = 0, .chunk = chunk, .ipc = ipc, .task_timeout_ns = timeout_ns };
    pb_run_observer obs = { .run_done = on_done, .user = &c };
    int rc = pb_run_config(&cfg, &obs, &err);
    CHECK_MSG(rc == 0, "%s under %s: %s", spec, b->name, err.msg);
    CHECK_MSG(children() == 0, "%s under %s: %d processes left behind", spec, b->name, children());
    return c;
}

static void expect(const char *spec, const pb_backend *b, unsigned W, uint64_t chunk, pb_ipc ipc,
                   int64_t timeout_ns, int sig, int status, const char *words)
{
    capture c = run(spec, b, W, chunk, ipc, timeout_ns);
    const char *how = ipc == PB_IPC_PIPE ? "/pipe" : "";
    /* a pool hands the rest of the chunk to a replacement: only the faulted
     * task is missing; a static backend loses the rest of the dead worker's
     * block, and the other workers' outcomes stay */
    size_t t = c.faulted.worker >= 0 ? (size_t)atoi(strstr(spec, "@") + 1) : 0, unrun = 0;
    if (!b->is_pool) {
        for (unsigned w = 0; w < W; w++) {
            size_t first, last;
            pb_static_block(8, W, w, &first, &last);
            if (t >= first && t < last)
                unrun = last - t - 1;
        }
    }
    CHECK_MSG(c.runs == 2 && c.ok == 0, "%s %s%s: runs %u ok %u", spec, b->name, how, c.runs, c.ok);
    CHECK_MSG(c.lost == 1 && c.pending == unrun && c.done == 7 - unrun,
              "%s %s%s chunk %llu: lost %zu done %zu pending %zu (%s)",
              spec, b->name, how, (unsigned long long)chunk, c.lost, c.done, c.pending, c.note);
    CHECK_MSG(c.faulted.status == PB_TASK_LOST && c.faulted.signal == sig && c.faulted.exit_status == status,
              "%s %s%s: faulted task status %d signal %d exit %d", spec, b->name, how, c.faulted.status,
              c.faulted.signal, c.faulted.exit_status);
    CHECK_MSG(strstr(c.note, words) != NULL, "%s %s%s: note '%s' lacks '%s'", spec, b->name, how, c.note, words);
    if (b->is_pool)
        CHECK_MSG(c.last.replaced == 1 && strstr(c.note, "replaced"), "%s %s%s: replaced %u", spec, b->name, how,
                  c.last.replaced);
}

int main(void)
{
    const int64_t timeout = 200000000;   /* 0.2 s */
    struct { const pb_backend *b; pb_ipc ipc; } procs[] = {
        { &pb_backend_fork, PB_IPC_ARENA },
        { &pb_backend_process_pool, PB_IPC_ARENA },
        { &pb_backend_process_pool, PB_IPC_PIPE },
    };
    for (size_t i = 0; i < sizeof procs / sizeof procs[0]; i++) {
        const pb_backend *b = procs[i].b;
        pb_ipc ipc = procs[i].ipc;
        /* chunks of 1 and of 4: the rest of a dead worker's chunk is handed on */
        for (uint64_t chunk = 1; chunk <= 4; chunk += 3) {
            expect("counter:n=1000,tasks=8,fault=segv@1", b, 2, chunk, ipc, 0, SIGSEGV, -1, "signal 11");
            expect("counter:n=1000,tasks=8,fault=abort@5", b, 3, chunk, ipc, 0, SIGABRT, -1, "signal 6");
            expect("counter:n=1000,tasks=8,fault=exit@0", b, 4, chunk, ipc, 0, 0, 3, "status 3");
            expect("counter:n=1000,tasks=8,fault=hang@6", b, 2, chunk, ipc, timeout, SIGKILL, -1, "--task-timeout");
        }
    }
    /* a thread that ends itself: reported; the pool replaces it */
    expect("counter:n=1000,tasks=8,fault=exit@2", &pb_backend_thread_pool, 2, 1, PB_IPC_ARENA, 0, 0, -2,
           "ended its thread");
    capture c = run("counter:n=1000,tasks=8,fault=exit@2", &pb_backend_pthread, 2, 0, PB_IPC_ARENA, 0);
    CHECK_MSG(c.ok == 0 && c.lost == 1 && c.faulted.exit_status == -2 && strstr(c.note, "ended its thread"),
              "pthread exit: ok %u lost %zu note %s", c.ok, c.lost, c.note);
    CHECK(c.pending == 1 && c.done == 6);   /* its block's last task never ran: a thread has no replacement */

    /* openmp: the thread ends and is reported; the team, whose barrier would
     * wait for it forever, is replaced; with dynamic chunks of 1 the others
     * take every other task, with static blocks the rest of its block is lost */
    if (!*pb_backend_unavailable(&pb_backend_openmp)) {
        expect("counter:n=1000,tasks=8,fault=exit@2", &pb_backend_openmp, 2, 1, PB_IPC_ARENA, 0, 0, -2,
               "ended its thread");
        expect("counter:n=1000,tasks=8,fault=exit@6", &pb_backend_openmp, 3, 1, PB_IPC_ARENA, 0, 0, -2,
               "was replaced");
        for (unsigned t = 0; t < 8; t += 5) {   /* in thread 0 (the driver) and in thread 1 */
            char spec[64];
            snprintf(spec, sizeof spec, "counter:n=1000,tasks=8,fault=exit@%u", t);
            c = run(spec, &pb_backend_openmp, 2, 0, PB_IPC_ARENA, 0);
            size_t rest = t < 4 ? 3 - t : 7 - t;   /* schedule(static): blocks 0-3 and 4-7 */
            CHECK_MSG(c.runs == 2 && c.ok == 0 && c.lost == 1 && c.pending == rest && c.done == 7 - rest &&
                      c.faulted.exit_status == -2 && c.last.replaced == 1 && strstr(c.note, "ended its thread"),
                      "openmp static exit@%u: runs %u ok %u lost %zu pending %zu done %zu (%s)", t, c.runs, c.ok,
                      c.lost, c.pending, c.done, c.note);
        }
        c = run("counter:n=1000,tasks=8", &pb_backend_openmp, 2, 0, PB_IPC_ARENA, 0);
        CHECK(c.ok == 2);
    }

    /* after a fault, the same pool runs clean plans again: a later repetition is fine */
    c = run("counter:n=1000,tasks=8", &pb_backend_process_pool, 2, 1, PB_IPC_ARENA, timeout);
    CHECK(c.ok == 2);
    return check_report("faults");
}
