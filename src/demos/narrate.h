/* What every demo uses to narrate, measure and check: internal to
 * src/demos/. Text goes through _() (parbench/i18n.h); measurements go to
 * measures.csv when the demos write a result set. */
#ifndef PARBENCH_DEMOS_NARRATE_H
#define PARBENCH_DEMOS_NARRATE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "parbench/demo.h"
#include "parbench/i18n.h"
#include "parbench/machine.h"
#include "parbench/registry.h"
#include "parbench/runner.h"

/* Print narration (printf-style): through the context's emit in the demo's
 * own process; a forked child writes to stdout itself. */
void pb__show(const pb_demo_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line of narration. */
void pb__say(const pb_demo_ctx *c, const char *text);
/* A fact the lesson teaches: counted and said when it does not hold. */
void pb__fact(pb_demo_ctx *c, bool holds, const char *what_failed);
/* A fact this machine could not show: said as such, counted apart, never
 * asserted (and the lesson is not narrated as shown). */
void pb__fact_skipped(pb_demo_ctx *c, const char *why);

/* One measurement into measures.csv (with --out). `what` names the case in
 * plain ASCII whatever the narration's language; expected: NAN when the
 * lesson has no single right value; run_id: 0 when not a runner run. */
void pb__record(pb_demo_ctx *c, const char *what, const char *metric, double value, const char *unit,
                double expected, uint64_t run_id);

/* fork() for a demo's own children: each dies with parbench (an
 * interrupted demo leaves no process behind, even one that waits forever).
 * A failure is said on stderr and returns -1 (the lesson's facts then fail). */
pid_t pb__demo_fork(void);
/* parbench itself started fresh as `parbench __demo-child ARGS...` (args
 * NULL-terminated; args[0] names the demo whose child side runs), by
 * posix_spawn of /proc/self/exe: its own address space, as Python's spawn
 * start method makes one, and a process with one thread, which may start
 * threads (a fork of parbench while its sampler runs may not, POSIX says,
 * and TSan enforces). stdin_fd and stdout_fd become its stdin and stdout
 * (-1: inherited); open pipes with O_CLOEXEC so that no other end leaks
 * into it. Dies with parbench. Returns its pid, -1 when it could not
 * start. */
pid_t pb__spawn_child(char *const args[], int stdin_fd, int stdout_fd);
/* waitpid(pid, status, 0) for a child of pb__demo_fork; a pid that is not a
 * child (-1: the fork failed) returns -1 at once instead of reaping another. */
pid_t pb__reap(pid_t pid, int *status);

/* `text` padded with spaces to `width` columns as a terminal shows them
 * (a Korean syllable takes two), into buf. */
const char *pb__column(char *buf, size_t size, const char *text, int width);

/* CPUs this process may use that sat idle over a window of window_ms:
 * what a CPU-bound lesson has to itself. */
double pb__free_cpus(int window_ms);
/* CPUs left to a lesson's runs while they ran: the allowed PUs less what
 * everything else kept busy since pb__free_start: the machine's busy CPU
 * time less the runs' own (runs_cpu_s). Other processes count, and so do
 * parbench's own threads outside the runs (a --live view, the sampler). */
typedef struct pb__free_mark {
    pb_cpu_mark cpu;
} pb__free_mark;
pb__free_mark pb__free_start(void);
double pb__free_since(const pb__free_mark *m, double runs_cpu_s);
/* Built with ThreadSanitizer: its runtime's own thread and its instrumented
 * atomics and calls take CPU beside the workers, so CPU-bound gains are not
 * what the machine gives (measured in the tsan build: 2 threads 1.23x, 2
 * processes 1.31x, fastest of 10 rounds, where the plain build gives
 * 1.8-2.0x): the lessons built on them are shown, not judged. */
#if defined(__SANITIZE_THREAD__)
#define PB__GAINS_DISTORTED 1
#else
#define PB__GAINS_DISTORTED 0
#endif
#define PB__GAINS_DISTORTED_WHY \
    N_("built with ThreadSanitizer, whose runtime takes CPU beside the workers: the gains of CPU-bound work here " \
       "are not the machine's")

/* Free CPUs a two-worker CPU-bound lesson needs: 1.8 of 2 leaves room for
 * the kernel's and the sampler's own ticks. */
#define PB__FREE_FOR_TWO 1.8

/* ---- a workload through the runner: one measured repetition ------------ */

typedef struct pb__measured {
    double wall_s;
    double spawn_s;
    double work_s;             /* gate opened to last task done: the facts use it, as workers' start-up
                                  (slow under sanitizers) is not what the lessons are about */
    double busy;               /* cores kept busy */
    long minflt, maxrss_kb;
    bool ok;                   /* verified */
    uint64_t run_id;           /* its runs.csv row with --out, else 0 */
} pb__measured;

typedef int pb__run_done_fn(void *, const pb_config *, const pb_plan *, const pb_run_record *, pb_error *);

/* Run `spec` with cfg's backend and settings (workload and parameters are
 * filled in here; reps 0 means 1), reporting each run to `done`. Returns
 * the runs.csv row of its last measured repetition with --out, else 0. */
/* The runner's observer that keeps a run's figures in a pb__measured. */
int pb__keep_measured(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec,
                      pb_error *err);
uint64_t pb__run_spec(pb_demo_ctx *c, const char *spec, pb_config cfg, pb__run_done_fn *done, void *user);
/* One measured repetition of spec under b with W workers (and the GIL). */
pb__measured pb__run_gil(pb_demo_ctx *c, const char *spec, const pb_backend *b, unsigned workers, bool gil);
pb__measured pb__run(pb_demo_ctx *c, const char *spec, const pb_backend *b, unsigned workers);
/* A CPU-bound comparison runs in rounds, each running every variant once
 * in turn; fastest[] keeps each variant's fastest run so far by work_s (ok
 * only if every run of it verified): the same statistic on both sides of a
 * gain, and noise, which only slows a run, filtered out as rounds add up.
 * Round 0 starts fastest[] afresh. Returns the fewest free CPUs a reading
 * saw, before or during the round. */
typedef struct pb__variant {
    const pb_backend *backend;
    unsigned workers;
    bool gil;
} pb__variant;
double pb__run_round(pb_demo_ctx *c, const char *spec, const pb__variant *v, pb__measured *fastest, int n,
                     int round);
/* Its wall time (and busy cores) into measures.csv. */
void pb__record_wall(pb_demo_ctx *c, const char *what, const pb__measured *m);
void pb__record_run(pb_demo_ctx *c, const char *what, const pb__measured *m);

#endif
