/* Demo basics (000/004): the notes' table of threads vs processes,
 * measured: the time to create each, the page faults each, and the memory
 * each holds of its own. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "narrate.h"

/* A kB figure of /proc/PID/FILE ("self" for this process), -1 if unreadable. */
static long kb_of(const char *pid, const char *file, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%s/%s", pid, file);
    FILE *f = fopen(path, "r");
    long v = -1;
    size_t klen = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = atol(line + klen + 1);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

/* The memory a process holds that no other process shares with it: its
 * private pages and its page tables, kB. */
static long private_kb(const char *pid)
{
    long clean = kb_of(pid, "smaps_rollup", "Private_Clean"), dirty = kb_of(pid, "smaps_rollup", "Private_Dirty");
    long pte = kb_of(pid, "status", "VmPTE");
    return clean < 0 || dirty < 0 || pte < 0 ? -1 : clean + dirty + pte;
}

static _Atomic int release;

static void *idle_thread(void *arg)
{
    (void)arg;
    while (!atomic_load(&release))
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    return NULL;
}

/* Memory per worker, comparably: w idle threads, then w idle children, each
 * waiting while their memory is read. A thread adds what this process
 * holds privately (its stack pages, its bookkeeping); a child holds its own
 * private pages and page tables. */
static void memory_each(unsigned w, double *thread_kb, double *process_kb)
{
    *thread_kb = *process_kb = -1;
    long before = private_kb("self");
    pthread_t *t = calloc(w, sizeof *t);
    unsigned made = 0;
    atomic_store(&release, 0);
    while (t && made < w && pthread_create(&t[made], NULL, idle_thread, NULL) == 0)
        made++;
    nanosleep(&(struct timespec){ 0, 20000000 }, NULL);   /* every thread has run and touched its stack */
    long during = private_kb("self");
    atomic_store(&release, 1);
    for (unsigned i = 0; i < made; i++)
        pthread_join(t[i], NULL);
    free(t);
    if (made && before >= 0 && during >= 0)
        *thread_kb = (double)(during - before) / made;

    int gate[2];
    if (pipe(gate) != 0)
        return;
    pid_t *kids = calloc(w, sizeof *kids);
    unsigned forked = 0;
    fflush(stdout);
    while (kids && forked < w) {
        pid_t pid = pb__demo_fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            char b;
            close(gate[1]);
            ssize_t r = read(gate[0], &b, 1);   /* wait, as a worker at the gate, until the pipe closes */
            _exit(r < 0);
        }
        kids[forked++] = pid;
    }
    nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
    long sum = 0;
    unsigned read_ok = 0;
    for (unsigned i = 0; i < forked; i++) {
        char pid[16];
        snprintf(pid, sizeof pid, "%d", (int)kids[i]);
        long kb = private_kb(pid);
        if (kb >= 0) {
            sum += kb;
            read_ok++;
        }
    }
    close(gate[0]);
    close(gate[1]);
    for (unsigned i = 0; i < forked; i++)
        pb__reap(kids[i], NULL);
    free(kids);
    if (read_ok)
        *process_kb = (double)sum / read_ok;
}

/* The notes' comparison table, measured: what creating a thread or a process costs. */
static void demo_basics(pb_demo_ctx *c)
{
    unsigned w = c->quick ? 16 : 64;
    char spec[64];
    snprintf(spec, sizeof spec, "counter:n=1,tasks=%u", w);
    pb__show(c, _("The notes' table of threads vs processes, measured: %u empty workers created and lined up at the "
                  "start gate.\n"), w);
    pb__measured t = pb__run(c, spec, &pb_backend_pthread, w);
    pb__measured p = pb__run(c, spec, &pb_backend_fork, w);
    double thread_kb, process_kb;
    memory_each(w, &thread_kb, &process_kb);
    pb__show(c, _("  threads    %7.1f us to create each, %6.1f page faults each, %7.1f KiB of memory each\n"
                  "  processes  %7.1f us to create each, %6.1f page faults each, %7.1f KiB of memory each\n"),
             t.spawn_s * 1e6 / w, (double)t.minflt / w, thread_kb, p.spawn_s * 1e6 / w, (double)p.minflt / w,
             process_kb);
    pb__say(c, _("  (memory each: what a worker holds that nobody else shares, read from /proc while it waits: a "
                 "thread's stack pages; a process's private pages and page tables)"));
    for (int k = 0; k < 2; k++) {
        const pb__measured *m = k ? &p : &t;
        const char *what = k ? "processes" : "threads";
        pb__record(c, what, "create_us_each", m->spawn_s * 1e6 / w, "us", NAN, m->run_id);
        pb__record(c, what, "page_faults_each", (double)m->minflt / w, "count", NAN, m->run_id);
        pb__record(c, what, "private_kib_each", k ? process_kb : thread_kb, "KiB", NAN, 0);
    }
    pb__fact(c, t.ok && p.ok, _("a result did not verify"));
    if (thread_kb < 0 || process_kb < 0) {
        pb__fact_skipped(c, _("/proc did not show the workers' memory"));
        return;
    }
    bool heavier = process_kb > thread_kb;
    if (heavier)
        pb__say(c, _("Lesson: a thread shares its process's memory, so it is cheap to make and its pages are not "
                     "copied; a process gets its own address space: its page tables are copied and every page it "
                     "writes faults once (copy-on-write). That is the 'heavier' in the notes' table, in numbers."));
    /* creation times are reported, not asserted: they depend on the machine (and on sanitizers); the memory a
     * worker holds privately does not */
    pb__fact(c, heavier, _("a process did not hold more memory of its own than a thread"));
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    /* measured under TSan: 445 faults per thread (its shadow memory) against 343 per process */
    pb__fact_skipped(c, _("a sanitizer's shadow memory faults for every thread it starts: page faults are not "
                          "compared in this build"));
#else
    pb__fact(c, p.minflt > t.minflt, _("a process did not fault more pages than a thread"));
#endif
}

const pb_demo pb_demo_basics = {
    .name = "basics",
    .notes = "000/004",
    .summary = N_("what creating a thread or a process costs in time and memory"),
    .run = demo_basics,
};
