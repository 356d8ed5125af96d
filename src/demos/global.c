/* Demo global (000/001/003): what a forked child changes in an ordinary
 * global stays in its copy; shared memory (multiprocessing.Value/Array) is
 * seen by both; nine processes counting into one shared Value. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "narrate.h"

enum { SQUARES = 5, COUNTERS = 9, ADDS = 50 };

/* An ordinary global list, as `result = []` at the top of note 003's module. */
static long global_list[SQUARES];
static int global_len;

/* What note 003 shares: Array('i', 5) of squares and Value('d'); notes
 * 000/001's Value('i') that nine processes add to, with its lock. */
typedef struct shared_values {
    long array[SQUARES];
    double value_d;
    _Atomic long value_i;      /* each process adds with a read and a write apart, under the lock */
    pthread_mutex_t lock;      /* Value's own lock (get_lock()) */
} shared_values;

static void format_list(char *buf, size_t size, const long *v, int n)
{
    size_t len = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%ld", i ? ", " : "", v[i]);
    snprintf(buf + len, size - len, "]");
}

/* Note 003: a child's changes to a global stay in its copy; those to
 * shared memory are seen by the parent. */
static void show_copy_and_shared(pb_demo_ctx *c, shared_values *sh)
{
    static const long numbers[SQUARES] = { 2, 3, 4, 5, 6 };
    char list[128], array[128];
    fflush(stdout);   /* nothing printed so far may be printed again by the child */
    pid_t pid = pb__demo_fork();
    if (pid == 0) {
        for (int i = 0; i < SQUARES; i++) {
            global_list[global_len++] = numbers[i] * numbers[i];
            sh->array[i] = numbers[i] * numbers[i];
        }
        sh->value_d = 3.45;
        format_list(list, sizeof list, global_list, global_len);
        format_list(array, sizeof array, sh->array, SQUARES);
        pb__show(c, _("  inside the child: global list %s, shared Array %s, Value('d') %.2f\n"), list, array,
                 sh->value_d);
        fflush(stdout);
        _exit(0);
    }
    pb__reap(pid, NULL);
    format_list(list, sizeof list, global_list, global_len);
    format_list(array, sizeof array, sh->array, SQUARES);
    pb__show(c, _("  in the parent:    global list %s, shared Array %s, Value('d') %.2f\n"), list, array, sh->value_d);
    bool array_seen = true;
    for (int i = 0; i < SQUARES; i++)
        array_seen &= sh->array[i] == numbers[i] * numbers[i];
    pb__record(c, "global after fork", "parent_sees", (double)global_len, "count", 0, 0);
    pb__record(c, "shared memory", "parent_sees", (double)(sh->array[0] + sh->array[1] + sh->array[2] + sh->array[3] +
                                                           sh->array[4]), "count", 90, 0);
    pb__record(c, "shared Value('d')", "parent_sees", sh->value_d, "count", 3.45, 0);
    pb__say(c, _("Lesson: fork gives the child a copy of every variable; its changes stay in the copy, so the "
                 "parent's list is still empty. Only memory mapped as shared (multiprocessing.Value/Array; "
                 "parbench's arena) is seen by both."));
    pb__fact(c, global_len == 0 && array_seen && sh->value_d == 3.45,
             _("the child's change showed in the parent, or the shared one did not"));
}

/* Notes 000/001: nine processes, each adding 1 fifty times to one shared
 * Value('i') under its lock: none is lost. */
static void show_shared_counter(pb_demo_ctx *c, shared_values *sh)
{
    pb__show(c, _("\nNotes 000/001: %d processes each add 1 to one shared Value('i') %d times, taking its lock "
                  "for each addition, and print the value they saw last:\n"), COUNTERS, ADDS);
    int fds[2];
    if (pipe(fds) != 0) {
        c->failed++;
        return;
    }
    fflush(stdout);
    pid_t kids[COUNTERS];
    for (int k = 0; k < COUNTERS; k++) {
        if ((kids[k] = pb__demo_fork()) == 0) {
            close(fds[0]);
            long seen = 0;
            for (int i = 0; i < ADDS; i++) {
                pthread_mutex_lock(&sh->lock);   /* v.value += 1 under v.get_lock() */
                seen = atomic_load_explicit(&sh->value_i, memory_order_relaxed) + 1;
                atomic_store_explicit(&sh->value_i, seen, memory_order_relaxed);
                pthread_mutex_unlock(&sh->lock);
            }
            char line[64];
            /* multiprocessing numbers its processes from 1 in the order they are made: Process-1 ... */
            int len = snprintf(line, sizeof line, "Process-%d %ld\n", k + 1, seen);
            ssize_t w = write(fds[1], line, (size_t)len);
            _exit(w == len ? 0 : 1);
        }
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char line[64];
    int reported = 0;
    while (in && fgets(line, sizeof line, in)) {
        char name[32];
        long seen;
        if (sscanf(line, "%31s %ld", name, &seen) == 2) {
            reported++;
            pb__show(c, _("  %-10s data %ld\n"), name, seen);
        }
    }
    if (in)
        fclose(in);
    for (int k = 0; k < COUNTERS; k++)
        pb__reap(kids[k], NULL);
    long total = atomic_load(&sh->value_i);
    pb__show(c, _("  final data in the parent process: %ld (%d x %d)\n"), total, COUNTERS, ADDS);
    pb__record(c, "Value('i') counter", "total", (double)total, "count", COUNTERS * ADDS, 0);
    pb__say(c, _("Lesson: one Value in shared memory is seen and changed by every process; each took the Value's "
                 "lock for its addition, so none was lost: the parent reads exactly 450. The values the processes "
                 "print on the way are whatever the count was when each finished."));
    pb__fact(c, total == COUNTERS * ADDS && reported == COUNTERS, _("the shared counter did not end at 450"));
}

static void demo_global(pb_demo_ctx *c)
{
    pb__say(c, _("Note 003: a child process appends the squares of [2, 3, 4, 5, 6] to a global list and to a shared "
                 "Array, and sets a shared Value('d') to 3.45; then the parent looks at all three."));
    global_len = 0;
    shared_values *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        c->failed++;
        return;
    }
    memset(sh, 0, sizeof *sh);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&sh->lock, &attr);
    show_copy_and_shared(c, sh);
    show_shared_counter(c, sh);
    pthread_mutex_destroy(&sh->lock);
    munmap(sh, sizeof *sh);
}

const pb_demo pb_demo_global = {
    .name = "global",
    .notes = "000/001/003",
    .summary = N_("a global list changed in a forked child, a shared Array and Value, nine processes counting into "
                  "one Value"),
    .run = demo_global,
};
