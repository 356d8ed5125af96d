/* A result set: one folder per invocation, never overwritten, holding
 *   machine.csv  key,value: the machine, the build, what makes numbers noisy
 *   runs.csv     one row per measured repetition
 *   tasks.csv    one row per task per repetition
 *   samples.csv  per-CPU busy fractions sampled during each run
 *   measures.csv what a demo measured outside the runner's columns (only
 *                in sets written by `parbench demo --out`)
 * Each file's columns are declared once below; the same lists print the
 * documentation (`parbench schema`). A column is added, never repurposed;
 * PB_SCHEMA_VERSION changes when one is. */
#ifndef PARBENCH_RESULTSET_H
#define PARBENCH_RESULTSET_H

#include <stdint.h>
#include <stdio.h>

#include "parbench/csv.h"
#include "parbench/runner.h"

#define PB_SCHEMA_VERSION 1

/* X(column name, meaning) */
#define PB_RUNS_COLUMNS(X)                                                                     \
    X(run_id, "unique id of this row within the result set (1, 2, ...)")                      \
    X(config_id, "id shared by the repetitions of one configuration")                         \
    X(workload, "workload name")                                                              \
    X(params, "every workload parameter, defaults included, as workload:k=v,... accepts it")  \
    X(backend, "the backend, as `parbench list` names it (serial, pthread, fork, ...)")                    \
    X(workers, "W, the number of threads, processes or MPI ranks")                             \
    X(tasks, "number of tasks in the plan")                                                   \
    X(pin, "pinning policy: none, compact, scatter, core, or pus:LIST")                      \
    X(pus_used, "the PUs each worker was placed on, in worker order (0 1; a whole core as 0-1); - when not pinned") \
    X(oversubscribed, "1 when there were more workers than the PUs (or cores) they run on")   \
    X(bound, "1 when every worker was bound as placed, 0 when binding was refused; empty when not pinned") \
    X(placement_held, "1 when every task started and ended on its worker's PUs; empty when not pinned") \
    X(gil, "1 when --gil gave each process one global lock, as CPython's; else 0")          \
    X(ipc, "how outcomes came back: arena (written in shared memory), pipe (sent over a pipe) or tcp (mpi: each rank's stream)") \
    X(chunk, "tasks a worker took at a time: pools claim chunks; other backends get one static block") \
    X(rep, "repetition number, 1..reps (warm-ups are not recorded)")                          \
    X(started_s, "seconds from the start of the result set to the start of this run")         \
    X(wall_s, "wall time of the whole run, spawn and join included (CLOCK_MONOTONIC); this and the other measurements are empty when the backend could not start") \
    X(spawn_s, "run start until every worker waits at the start gate")                       \
    X(work_s, "gate opened until the last task finished")                                     \
    X(join_s, "last task finished until every worker was joined or reaped")                  \
    X(user_s, "user CPU seconds of every participant (parent, threads, children)")            \
    X(sys_s, "system CPU seconds of every participant")                                       \
    X(busy_cores, "average busy cores: (user_s + sys_s) / wall_s")                            \
    X(cpu_util, "busy_cores / pus: the fraction of the allowed CPUs kept busy")               \
    X(startup_s, "time to open the backend for this configuration (pools start workers here)") \
    X(ideal_s, "makespan lower bound: max(longest task, total cost / W, CPU / min(W, pus))")  \
    X(efficiency, "ideal_s / wall_s: 1 is the physical limit")                                \
    X(nvcsw, "voluntary context switches of every participant")                               \
    X(nivcsw, "involuntary context switches of every participant")                            \
    X(minflt, "minor page faults (fork's copy-on-write shows here)")                          \
    X(majflt, "major page faults")                                                            \
    X(maxrss_kb, "peak resident memory of the largest worker, KiB")                           \
    X(pus, "processing units the process was allowed to use")                                \
    X(replaced, "pool workers that died or were killed during the run and were replaced")    \
    X(sampler_cpu_s, "CPU seconds the CPU sampler itself used during the run (not in user_s/sys_s)") \
    X(samples, "sampling intervals recorded for the run in samples.csv")                    \
    X(ok, "1 when every worker ended well and the result verified, else 0")                  \
    X(result, "the workload's verified result")                                               \
    X(note, "why ok is 0 (crashed worker, failed check, a worker that could not start); empty when ok") \
    X(round, "the round the repetition ran in: with --order interleaved, round r runs repetition r of every configuration of the workload; grouped: equal to rep") \
    X(position, "its place in the round's shuffled order, 1..configurations of the workload (grouped: 1)") \
    X(idle_before_s, "seconds since the previous run of this command ended (rows written, result verified): time CPUs could idle; empty for the first run") \
    X(bind_s, "the slowest worker's binding to its PUs inside the timed run (pthread, fork: part of spawn_s); 0 when workers bound before the clock (serial, pools) or were not pinned") \
    X(wait, "pools and openmp: how idle workers waited (--wait): passive, active or adaptive; empty for other backends") \
    X(spin_us, "adaptive: microseconds a waiter spun before sleeping (--spin-us); 0 for passive; empty for active (spins while in use) and other backends") \
    X(hosts, "the hosts the workers ran on (gethostname), space-separated: this one, or the MPI ranks' hosts")

/* tasks.csv: join on run_id (and config_id, rep) with runs.csv. */
#define PB_TASKS_COLUMNS(X)                                                                    \
    X(run_id, "the run, as in runs.csv")                                                        \
    X(config_id, "the configuration, as in runs.csv")                                           \
    X(rep, "the repetition, as in runs.csv")                                                    \
    X(task, "task index, 0..tasks-1")                                                           \
    X(worker, "index of the worker that ran it")                                                \
    X(seq, "completion order within the run, from 1 (as_completed would yield it then)")       \
    X(cpu_start, "CPU it started on (sched_getcpu)")                                           \
    X(cpu_end, "CPU it ended on")                                                               \
    X(start_s, "seconds from the run's start to the task's start")                            \
    X(end_s, "seconds from the run's start to the task's end")                                \
    X(cpu_s, "CPU seconds of the thread while it ran the task")                                \
    X(sleep_s, "seconds the task asked to sleep")                                              \
    X(status, "done, lost (its worker died), running or pending (never started)")              \
    X(signal, "lost: the signal that ended its worker, else empty")                            \
    X(exit_status, "lost: its worker's exit status (-1 killed, -2 thread ended), else empty")           \
    X(host, "the host its worker ran on (gethostname); empty when it never started")

/* samples.csv: one row per CPU per sampling interval of a run. */
#define PB_SAMPLES_COLUMNS(X)                                                                  \
    X(run_id, "the run, as in runs.csv")                                                        \
    X(config_id, "the configuration, as in runs.csv")                                           \
    X(rep, "the repetition, as in runs.csv")                                                    \
    X(t_s, "end of the interval, seconds from the run's start (the first may end before it)")  \
    X(dt_s, "length of the interval, seconds")                                                 \
    X(cpu, "CPU number (OS numbering)")                                                         \
    X(busy, "fraction of the interval's ticks the CPU was busy: user + system; empty when no tick fell in it") \
    X(user, "fraction in user mode (user + nice; guest time is inside it)")                    \
    X(system, "fraction in the kernel (system + irq + softirq)")                               \
    X(steal, "fraction stolen by the hypervisor (not counted as busy)")                           \
    X(host, "the host whose /proc/stat this is (gethostname): parbench's, or an MPI rank's other host")

/* measures.csv: one row per quantity a demo measured and showed. */
#define PB_MEASURES_COLUMNS(X)                                                                 \
    X(demo, "the demo, as `parbench demo` lists it")                                            \
    X(case, "what was measured within the demo (backend/workers, or the demo's own label)")    \
    X(metric, "the quantity: wall_s, busy_cores, total, lost, us_per_result, ...")             \
    X(value, "the measured value")                                                              \
    X(unit, "s, us, cores, count, items/s, KiB, or flag (1 true, 0 false)")                     \
    X(expected, "the value the lesson says is right, when there is exactly one; else empty")  \
    X(run_id, "the runs.csv row it comes from; empty when the demo measured it itself")

typedef struct pb_resultset {
    char dir[4096];
    pb_csv_file runs, tasks, samples;
    pb_csv_file measures;      /* created with the first measure */
    uint64_t next_run_id;
    int64_t t0_ns;             /* CLOCK_MONOTONIC when the set was created */
} pb_resultset;

/* Create a result set: `dir` exactly (it must not exist yet; parents are
 * created), or when dir is NULL a new `<root>/<UTC time>-<host>` folder.
 * Writes machine.csv (with `command`, the invocation, among its keys, and
 * the pairs of `extra`: key, value, ..., NULL; or NULL) and the header of
 * runs.csv. */
int pb_resultset_create(pb_resultset *rs, const char *dir, const char *root, const char *command,
                        const char *const *extra, pb_error *err);

/* Append one measured repetition: its runs.csv row, its tasks, and the
 * sampler's intervals (sampler may be NULL). */
int pb_resultset_add_run(pb_resultset *rs, uint64_t config_id, const pb_config *cfg,
                         const pb_plan *plan, const pb_run_record *rec, const pb_sampler *sampler,
                         pb_error *err);

/* One row of measures.csv (created on first use). `expected` NAN: none;
 * run_id 0: not from the runner. */
int pb_resultset_add_measure(pb_resultset *rs, const char *demo, const char *what, const char *metric,
                             double value, const char *unit, double expected, uint64_t run_id, pb_error *err);

void pb_resultset_close(pb_resultset *rs);

/* Append one key,value row to the set's machine.csv (what is known only
 * once the runs are set up, such as the MPI launch command). */
int pb_resultset_add_machine(pb_resultset *rs, const char *key, const char *value, pb_error *err);

/* Write machine.csv into an existing folder (bench binaries use it). */
int pb_resultset_write_machine(const char *dir, const char *command, pb_error *err);

/* Check that `dir` could be created as a new result set (it does not exist,
 * and its parent exists or can be created), without creating anything. */
int pb_resultset_check_dir(const char *dir, pb_error *err);

/* Print every file's columns and their meaning (Markdown). */
void pb_resultset_print_schema(FILE *out);

#endif
