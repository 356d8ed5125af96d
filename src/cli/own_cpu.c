/* What parbench itself (this process's threads and every process below it)
 * keeps busy on each CPU, for the live view: the rest of the machine's busy
 * time, which /proc/stat counts too, is other programs'. Read from
 * /proc/PID/task/TID/stat: each thread's user + system ticks and the CPU it
 * last ran on; a difference of two readings is charged to that CPU. The
 * processes below are found through /proc/PID/task/TID/children, so only
 * parbench's own tree is read. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { OWN_MAX_THREADS = 8192 };

typedef struct thread_ticks {
    int tid;
    long long ticks;
} thread_ticks;

static thread_ticks seen[2][OWN_MAX_THREADS];
static unsigned nseen[2];
static int cur;
static bool scanned_before;    /* a previous scan exists to compare with */

/* One thread's ticks and CPU from its stat line; false when it is gone. */
static bool read_thread(int pid, int tid, long long *ticks, int *cpu)
{
    char path[96], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    long long utime, stime;
    int processor;
    /* after ")": state(3) ... utime(14) stime(15) ... processor(39) */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld %*d %*d %*d %*d %*d %*d %*u "
                            "%*u %*d %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*d %d",
                     &utime, &stime, &processor) != 3)
        return false;
    *ticks = utime + stime;
    *cpu = processor;
    return true;
}

static long long previous_ticks(int tid)
{
    int prev = cur ^ 1;
    for (unsigned i = 0; i < nseen[prev]; i++)
        if (seen[prev][i].tid == tid)
            return seen[prev][i].ticks;
    return -1;
}

/* Charge every thread of process pid. */
static void scan_process(int pid, double *per_cpu, unsigned ncpu)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int tid = atoi(e->d_name);
        long long ticks;
        int cpu;
        if (tid <= 0 || !read_thread(pid, tid, &ticks, &cpu))
            continue;
        /* a thread not seen at the last scan began since: all of its time is new (a pthread or fork
         * worker of a short run lives less than a refresh) */
        long long before = previous_ticks(tid);
        if (before < 0 && scanned_before)
            before = 0;
        if (before >= 0 && ticks > before && cpu >= 0 && (unsigned)cpu < ncpu)
            per_cpu[cpu] += (double)(ticks - before);
        if (nseen[cur] < OWN_MAX_THREADS)
            seen[cur][nseen[cur]++] = (thread_ticks){ tid, ticks };
    }
    if (d)
        closedir(d);
}

/* Charge process pid and, through each thread's children file, every
 * process below it (depth bounded: parbench makes two or three levels). */
static void scan_tree(int pid, double *per_cpu, unsigned ncpu, int depth, unsigned *count)
{
    scan_process(pid, per_cpu, ncpu);
    (*count)++;
    if (depth >= 4)
        return;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int tid = atoi(e->d_name);
        if (tid <= 0)
            continue;
        char file[96];
        snprintf(file, sizeof file, "/proc/%d/task/%d/children", pid, tid);
        FILE *f = fopen(file, "r");
        int child;
        while (f && fscanf(f, "%d", &child) == 1)
            scan_tree(child, per_cpu, ncpu, depth + 1, count);
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
}

unsigned pb__own_cpu_ticks(double *per_cpu, unsigned ncpu)
{
    cur ^= 1;
    nseen[cur] = 0;
    memset(per_cpu, 0, ncpu * sizeof *per_cpu);
    unsigned count = 0;
    scan_tree((int)getpid(), per_cpu, ncpu, 0, &count);
    scanned_before = true;
    return count;
}
