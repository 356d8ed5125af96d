#include "backends/worker/usage.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "parbench/clock.h"

static int64_t tv_ns(struct timeval tv)
{
    return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

/* Split a precise CPU total in the proportion of sampled user and system
 * time; when the interval saw no tick, in the lifetime proportion
 * (life_user, life_sys); a thread that never saw one is counted as user. */
static void split(pb_usage *u, int64_t total, int64_t user, int64_t sys, int64_t life_user, int64_t life_sys)
{
    if (user + sys <= 0) {
        user = life_user;
        sys = life_sys;
    }
    if (user + sys <= 0)
        user = 1, sys = 0;
    u->sys_ns = (int64_t)((double)total * (double)sys / (double)(user + sys));
    u->user_ns = total - u->sys_ns;
}

static void counters(pb_usage *u, const struct rusage *r, const struct rusage *before)
{
    u->nvcsw = r->ru_nvcsw - (before ? before->ru_nvcsw : 0);
    u->nivcsw = r->ru_nivcsw - (before ? before->ru_nivcsw : 0);
    u->minflt = r->ru_minflt - (before ? before->ru_minflt : 0);
    u->majflt = r->ru_majflt - (before ? before->ru_majflt : 0);
    u->maxrss_kb = r->ru_maxrss;
}

void pb__meter_begin(pb_thread_meter *m)
{
    getrusage(RUSAGE_THREAD, &m->ru);
    m->cpu_ns = pb_thread_cpu_ns();
}

void pb__meter_end(const pb_thread_meter *m, pb_usage *used)
{
    int64_t cpu = pb_thread_cpu_ns();
    struct rusage r, self;
    getrusage(RUSAGE_THREAD, &r);
    getrusage(RUSAGE_SELF, &self);
    split(used, cpu - m->cpu_ns, tv_ns(r.ru_utime) - tv_ns(m->ru.ru_utime),
          tv_ns(r.ru_stime) - tv_ns(m->ru.ru_stime), tv_ns(r.ru_utime), tv_ns(r.ru_stime));
    counters(used, &r, &m->ru);
    used->maxrss_kb = self.ru_maxrss;
}

void pb__usage_of_thread(pb_usage *used)
{
    struct rusage r;
    getrusage(RUSAGE_THREAD, &r);
    split(used, pb_thread_cpu_ns(), tv_ns(r.ru_utime), tv_ns(r.ru_stime), 0, 0);
    counters(used, &r, NULL);
}

void pb__usage_of_child(pb_usage *used, const struct rusage *r)
{
    /* a child's rusage is taken once, at its end: the sum is its exact runtime */
    used->user_ns = tv_ns(r->ru_utime);
    used->sys_ns = tv_ns(r->ru_stime);
    counters(used, r, NULL);
}

void pb__usage_add(pb_usage *sum, const pb_usage *add)
{
    sum->user_ns += add->user_ns;
    sum->sys_ns += add->sys_ns;
    sum->nvcsw += add->nvcsw;
    sum->nivcsw += add->nivcsw;
    sum->minflt += add->minflt;
    sum->majflt += add->majflt;
    if (add->maxrss_kb > sum->maxrss_kb)
        sum->maxrss_kb = add->maxrss_kb;
}

int pb__sample_task(int pid, int tid, clockid_t cpu_clock, pb_task_sample *out)
{
    char path[96], buf[1024];
    struct timespec ts;
    if (clock_gettime(cpu_clock, &ts) != 0)
        return PB_E_SYS;
    memset(out, 0, sizeof *out);
    out->cpu_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;

    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return PB_E_SYS;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');   /* the command name may hold spaces */
    long long minflt = 0, majflt = 0, utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %lld %*u %lld %*u %lld %lld",
                     &minflt, &majflt, &utime, &stime) != 4)
        return PB_E_SYS;
    out->utime_ticks = utime;
    out->stime_ticks = stime;
    out->counters.minflt = minflt;
    out->counters.majflt = majflt;

    snprintf(path, sizeof path, "/proc/%d/task/%d/status", pid, tid);
    if ((f = fopen(path, "r")) != NULL) {
        char line[256];
        long long v;
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "voluntary_ctxt_switches: %lld", &v) == 1)
                out->counters.nvcsw = v;
            else if (sscanf(line, "nonvoluntary_ctxt_switches: %lld", &v) == 1)
                out->counters.nivcsw = v;
            else if (sscanf(line, "VmHWM: %lld", &v) == 1)
                out->counters.maxrss_kb = v;
        }
        fclose(f);
    }
    return 0;
}

void pb__sample_of_child(const struct rusage *r, pb_task_sample *out)
{
    memset(out, 0, sizeof *out);
    int64_t user = tv_ns(r->ru_utime), sys = tv_ns(r->ru_stime);
    out->cpu_ns = user + sys;   /* a reaped child's sum is its exact runtime */
    long hz = sysconf(_SC_CLK_TCK);
    out->utime_ticks = user / (1000000000 / (hz > 0 ? hz : 100));   /* /proc's unit, for the split */
    out->stime_ticks = sys / (1000000000 / (hz > 0 ? hz : 100));
    out->counters.nvcsw = r->ru_nvcsw;
    out->counters.nivcsw = r->ru_nivcsw;
    out->counters.minflt = r->ru_minflt;
    out->counters.majflt = r->ru_majflt;
    out->counters.maxrss_kb = r->ru_maxrss;
}

int pb__sample_self(pb_task_sample *out)
{
    return pb__sample_task(getpid(), (int)gettid(), CLOCK_THREAD_CPUTIME_ID, out);
}

void pb__usage_between_samples(pb_usage *used, const pb_task_sample *a, const pb_task_sample *b)
{
    split(used, b->cpu_ns - a->cpu_ns, b->utime_ticks - a->utime_ticks, b->stime_ticks - a->stime_ticks,
          b->utime_ticks, b->stime_ticks);
    used->nvcsw = b->counters.nvcsw - a->counters.nvcsw;
    used->nivcsw = b->counters.nivcsw - a->counters.nivcsw;
    used->minflt = b->counters.minflt - a->counters.minflt;
    used->majflt = b->counters.majflt - a->counters.majflt;
    used->maxrss_kb = b->counters.maxrss_kb;
}

char pb__proc_state(int id)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", id);
    FILE *f = fopen(path, "r");
    if (!f)
        return '?';
    size_t k = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[k] = '\0';
    char *p = strrchr(buf, ')');   /* the command name may hold spaces and parentheses */
    return p && p[1] == ' ' ? p[2] : '?';
}
