#include "core/usage.h"

#include "parbench/clock.h"

static int64_t tv_ns(struct timeval tv)
{
    return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

/* Split a precise CPU total in the proportion of sampled user and system
 * time; when the interval saw no tick, in the thread's lifetime proportion;
 * a thread that never saw one is counted as user time. */
static void split(pb_usage *u, int64_t total, int64_t user, int64_t sys, const struct rusage *life)
{
    if (user + sys <= 0 && life) {
        user = tv_ns(life->ru_utime);
        sys = tv_ns(life->ru_stime);
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

void pb_meter_begin(pb_thread_meter *m)
{
    getrusage(RUSAGE_THREAD, &m->ru);
    m->cpu_ns = pb_thread_cpu_ns();
}

void pb_meter_end(const pb_thread_meter *m, pb_usage *used)
{
    int64_t cpu = pb_thread_cpu_ns();
    struct rusage r, self;
    getrusage(RUSAGE_THREAD, &r);
    getrusage(RUSAGE_SELF, &self);
    split(used, cpu - m->cpu_ns, tv_ns(r.ru_utime) - tv_ns(m->ru.ru_utime),
          tv_ns(r.ru_stime) - tv_ns(m->ru.ru_stime), &r);
    counters(used, &r, &m->ru);
    used->maxrss_kb = self.ru_maxrss;
}

void pb_usage_of_thread(pb_usage *used)
{
    struct rusage r;
    getrusage(RUSAGE_THREAD, &r);
    split(used, pb_thread_cpu_ns(), tv_ns(r.ru_utime), tv_ns(r.ru_stime), NULL);
    counters(used, &r, NULL);
}

void pb_usage_of_child(pb_usage *used, const struct rusage *r)
{
    /* a child's rusage is taken once, at its end: the sum is its exact runtime */
    used->user_ns = tv_ns(r->ru_utime);
    used->sys_ns = tv_ns(r->ru_stime);
    counters(used, r, NULL);
}

void pb_usage_add(pb_usage *sum, const pb_usage *add)
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
