/* What parbench itself (this process's threads and every process below it)
 * keeps busy on each CPU, for the live view: the rest of the machine's busy
 * time, which /proc/stat counts too, is other programs'. Read from
 * /proc/PID/task/TID/stat: each thread's user + system ticks and the CPU it
 * last ran on; a difference of two readings is charged to that CPU. */
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
        long long before = previous_ticks(tid);
        if (before >= 0 && ticks > before && cpu >= 0 && (unsigned)cpu < ncpu)
            per_cpu[cpu] += (double)(ticks - before);
        if (nseen[cur] < OWN_MAX_THREADS)
            seen[cur][nseen[cur]++] = (thread_ticks){ tid, ticks };
    }
    if (d)
        closedir(d);
}

/* The parent of a process, from /proc/PID/stat; -1 if gone. */
static int parent_of(int pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    int ppid;
    return p && sscanf(p + 2, "%*c %d", &ppid) == 1 ? ppid : -1;
}

unsigned pb_own_cpu_ticks(double *per_cpu, unsigned ncpu)
{
    cur ^= 1;
    nseen[cur] = 0;
    memset(per_cpu, 0, ncpu * sizeof *per_cpu);
    /* every process and its parent, in one pass over /proc */
    enum { MAX_PROCS = 32768 };
    static int pid_of[MAX_PROCS], ppid_of[MAX_PROCS];
    static bool mine[MAX_PROCS];
    unsigned n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) && n < MAX_PROCS) {
        int pid = atoi(e->d_name);
        int ppid = pid > 0 ? parent_of(pid) : -1;
        if (ppid >= 0) {
            pid_of[n] = pid;
            ppid_of[n] = ppid;
            mine[n] = pid == (int)getpid();
            n++;
        }
    }
    if (d)
        closedir(d);
    /* ours: this process and, level by level, every process whose parent is ours */
    for (bool grew = true; grew;) {
        grew = false;
        for (unsigned i = 0; i < n; i++) {
            if (mine[i])
                continue;
            for (unsigned j = 0; j < n; j++)
                if (mine[j] && pid_of[j] == ppid_of[i]) {
                    mine[i] = grew = true;
                    break;
                }
        }
    }
    unsigned ours = 0;
    for (unsigned i = 0; i < n; i++)
        if (mine[i]) {
            scan_process(pid_of[i], per_cpu, ncpu);
            ours++;
        }
    return ours;
}
