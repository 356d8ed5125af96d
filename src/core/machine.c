#include "parbench/machine.h"

#include <ctype.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "parbench/topology.h"
#include "pb_build_config.h"

unsigned pb_allowed_pus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* First line of a file, trimmed; "unavailable" if it cannot be read. */
static void read_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f || !fgets(buf, (int)size, f))
        snprintf(buf, size, "unavailable");
    if (f)
        fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

/* Value of the first "key : value" line of /proc/cpuinfo (or a key=value
 * file) whose key starts with `key`. */
static int find_field(const char *path, const char *key, char sep, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int found = 0;
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, strlen(key)) != 0)
            continue;
        char *v = strchr(line, sep);
        if (!v)
            continue;
        v++;
        while (isspace((unsigned char)*v) || *v == '"')
            v++;
        v[strcspn(v, "\"\n")] = '\0';
        snprintf(buf, size, "%s", v);
        found = 1;
    }
    fclose(f);
    return found;
}

void pb_host_name(char *buf, unsigned size)
{
    char host[256] = "host";
    gethostname(host, sizeof host - 1);
    host[strcspn(host, ".")] = '\0';
    for (char *c = host; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
            *c = '_';
    snprintf(buf, size, "%s", host);
}

void pb_machine_describe(void (*emit)(void *, const char *, const char *), void *user)
{
    char buf[4096];
    struct utsname u;
    uname(&u);

    pb_host_name(buf, sizeof buf);
    emit(user, "host", buf);
    if (!find_field("/etc/os-release", "PRETTY_NAME", '=', buf, sizeof buf))
        snprintf(buf, sizeof buf, "%s", u.sysname);
    emit(user, "os", buf);
    emit(user, "kernel", u.release);
    emit(user, "arch", u.machine);
    if (!find_field("/proc/cpuinfo", "model name", ':', buf, sizeof buf))
        snprintf(buf, sizeof buf, "unknown");
    emit(user, "cpu_model", buf);

    pb_error err;
    const pb_topology *topo = pb_topology_this(&err);
    if (topo) {
        pb_topology_summary t;
        pb_topology_summarize(topo, &t);
        snprintf(buf, sizeof buf, "%d", t.packages);   emit(user, "packages", buf);
        snprintf(buf, sizeof buf, "%d", t.numa_nodes); emit(user, "numa_nodes", buf);
        snprintf(buf, sizeof buf, "%d", t.cores);      emit(user, "cores", buf);
        snprintf(buf, sizeof buf, "%d", t.pus);        emit(user, "pus", buf);
        snprintf(buf, sizeof buf, "%d", t.max_smt);    emit(user, "pus_per_core", buf);
        emit(user, "allowed_cpuset", t.allowed);
        emit(user, "hwloc_version", t.hwloc_version);
    } else {
        emit(user, "topology_error", err.msg);
    }
    snprintf(buf, sizeof buf, "%u", pb_allowed_pus());
    emit(user, "allowed_pus", buf);

    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    snprintf(buf, sizeof buf, "%lld", (long long)pages * page / (1024 * 1024));
    emit(user, "memory_mib", buf);

    /* What makes numbers noisy. */
    read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", buf, sizeof buf);
    emit(user, "governor", buf);
    read_line("/sys/devices/system/cpu/smt/active", buf, sizeof buf);
    emit(user, "smt_active", strcmp(buf, "1") == 0 ? "yes" : strcmp(buf, "0") == 0 ? "no" : buf);
    double load[3];
    if (getloadavg(load, 3) == 3)
        snprintf(buf, sizeof buf, "%.2f %.2f %.2f", load[0], load[1], load[2]);
    else
        snprintf(buf, sizeof buf, "unavailable");
    emit(user, "loadavg_at_start", buf);
    char flags[4096] = "";
    find_field("/proc/cpuinfo", "flags", ':', flags, sizeof flags);
    emit(user, "hypervisor", strstr(flags, " hypervisor") || strncmp(flags, "hypervisor", 10) == 0
                                 ? "yes" : "no");

    emit(user, "compiler", PB_COMPILER);
    emit(user, "build_type", PB_BUILD_TYPE);
    emit(user, "cflags", PB_CFLAGS);
    emit(user, "parbench_version", PB_VERSION);
    emit(user, "git_revision", PB_GIT_REVISION);
}

pb_cpu_mark pb_machine_cpu_mark(void)
{
    pb_cpu_mark m = { 0, 0, 0 };
    cpu_set_t mask;
    if (sched_getaffinity(0, sizeof mask, &mask) != 0)
        CPU_ZERO(&mask);
    double tick = (double)sysconf(_SC_CLK_TCK);
    if (tick <= 0)
        tick = 100;
    FILE *f = fopen("/proc/stat", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        int cpu;
        unsigned long long v[8] = { 0 };
        if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6], &v[7]) < 5 || cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &mask))
            continue;
        /* user nice system idle iowait irq softirq steal: idle and iowait are the idle ones */
        double total = (double)(v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]);
        m.busy_s += (total - (double)(v[3] + v[4])) / tick;
        m.total_s += total / tick;
        m.cpus++;
    }
    if (f)
        fclose(f);
    return m;
}

double pb_machine_busy_between(const pb_cpu_mark *from, const pb_cpu_mark *to)
{
    double total = to->total_s - from->total_s, busy = to->busy_s - from->busy_s;
    if (total <= 0 || to->cpus == 0)
        return 0;
    double cpus = to->cpus * busy / total;   /* total advances by the wall time on every CPU */
    return cpus < 0 ? 0 : cpus > to->cpus ? to->cpus : cpus;
}

double pb_machine_busy_cpus(int window_ms)
{
    pb_cpu_mark a = pb_machine_cpu_mark();
    nanosleep(&(struct timespec){ window_ms / 1000, (long)(window_ms % 1000) * 1000000 }, NULL);
    pb_cpu_mark b = pb_machine_cpu_mark();
    return pb_machine_busy_between(&a, &b);
}
