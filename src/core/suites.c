/* Named presets for `parbench run --suite NAME`. */
#include "parbench/suite.h"

#include <string.h>

/* The course's examples, sized to finish in a few minutes on 2 cores. */
static const pb_suite_entry default_entries[] = {
    /* note 003: serial 1.6 s, two threads or processes 0.8 s */
    { "square-cube", "all", "2", NULL },
    /* notes 000-002: many sleeping workers overlap */
    { "sleep-square:tasks=10,min_ms=50,max_ms=150", "all", "1,2,5,10", NULL },
    /* CPU-bound: threads and processes scale with cores, not beyond */
    { "counter:n=1e8,tasks=2", "all", "1,2", NULL },
    { "counter:n=2.5e7,tasks=8", "all", "1,2,8", NULL },
    /* note 003's Pool.map: 10 elements of 0.2 s each */
    { "map:len=10,sleep_ms=200", "all", "2,10", NULL },
    /* maps over a large array: compute-bound and memory-bound */
    { "map:len=1e7,fn=sqrt", "all", "1,2", NULL },
    { "map:len=1e7,fn=gather", "all", "1,2", NULL },
    /* what handing a task to a worker costs: many near-empty tasks */
    { "counter:n=1,tasks=1000", "all", "2", NULL },
    { "counter:n=1,tasks=1000", "process-pool", "2", "pipe" },
    { NULL, NULL, NULL, NULL },
};

/* A fast tour of every workload and backend, for tests. */
static const pb_suite_entry quick_entries[] = {
    { "square-cube:sleep_ms=10", "all", "2", NULL },
    { "sleep-square:tasks=6,min_ms=2,max_ms=10", "all", "1,3", NULL },
    { "counter:n=2e6,tasks=2", "all", "1,2", NULL },
    { "map:len=8,sleep_ms=2", "all", "4", NULL },
    { "map:len=1e5,fn=sqrt", "all", "2", NULL },
    { "map:len=1e5,fn=gather", "all", "2", NULL },
    /* the process pool's two transports on the same plan */
    { "counter:n=1000,tasks=64", "process-pool", "2", "arena,pipe" },
    { NULL, NULL, NULL, NULL },
};

/* Time must grow linearly with the work: counter at n, 2n, 4n, 8n. */
static const pb_suite_entry linearity_entries[] = {
    { "counter:n=2.5e7,tasks=1", "serial,pthread,fork", "1", NULL },
    { "counter:n=5e7,tasks=1", "serial,pthread,fork", "1", NULL },
    { "counter:n=1e8,tasks=1", "serial,pthread,fork", "1", NULL },
    { "counter:n=2e8,tasks=1", "serial,pthread,fork", "1", NULL },
    { NULL, NULL, NULL, NULL },
};

const pb_suite pb_suites[] = {
    { "default", "the course's examples under every backend (a few minutes on 2 cores)", 5, 1, default_entries },
    { "quick", "every workload and backend on tiny inputs (seconds; used by the tests)", 2, 0, quick_entries },
    { "linearity", "counter at n = 2.5e7 ... 2e8: wall time should double with n", 5, 1, linearity_entries },
    { NULL, NULL, 0, 0, NULL },
};

const pb_suite *pb_find_suite(const char *name)
{
    for (const pb_suite *s = pb_suites; s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}
