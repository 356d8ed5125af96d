/* Suites: named presets of runs, `parbench run --suite NAME`. Each entry
 * is a job written as `parbench run`'s options would take it; the CLI
 * parses them, bench/matrix takes the quick suite's workload parameters. */
#ifndef PARBENCH_SUITE_H
#define PARBENCH_SUITE_H

typedef struct pb_suite_entry {
    const char *workload;      /* --workload: "map:len=10,sleep_ms=200" */
    const char *backends;      /* --backend: "all" */
    const char *workers;       /* --workers: "1,2" */
    const char *ipc;           /* --ipc: "arena,pipe"; NULL: arena */
} pb_suite_entry;

typedef struct pb_suite {
    const char *name;
    const char *summary;       /* one line for `parbench list` */
    unsigned reps, warmup;
    const pb_suite_entry *entries;   /* ends with a NULL workload */
} pb_suite;

extern const pb_suite pb_suites[];   /* ends with a NULL name */
/* The suite of that name, NULL if none. */
const pb_suite *pb_find_suite(const char *name);

#endif
