/* `parbench run`'s runs and their records (run_results.h): the observer
 * that writes each repetition as it ends, the progress line or the live
 * view, the interrupt that keeps what finished, and the summary. */
#include "run_results.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "backends/worker/children.h"
#include "backends/worker/crash.h"
#include "parbench/i18n.h"
#include "parbench/machine.h"
#include "parbench/resultset.h"
#include "parbench/sampler.h"
#include "parbench/topology.h"

typedef struct run_state {
    pb_resultset rs;
    pb_progress progress;
    const pb_config *configs;  /* every configuration; config_id = index + 1 */
    pb_summary_row *row;       /* of the configuration running */
    unsigned config_index, config_total;
    unsigned configs_started;  /* configurations that have begun (interleaved: a whole workload's) */
    uint64_t config_id;
    bool quiet;
    bool warned_bind;          /* the refused-binding warning is said once */
    bool live;                 /* --live is drawing */
    pb_sampler *sampler;
    pb_summary_row *rows;      /* every configuration's, for the summary */
    bool writing;              /* the result set is open: an interrupt closes it */
    bool finished;             /* every configuration ran: an interrupt just exits */
} run_state;

/* Held while the results and the summary rows change: an interrupt takes
 * it, so no row is half-written, and keeps it: nothing more is written. */
static pthread_mutex_t results_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGINT: return "SIGINT (Ctrl-C)";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP (the terminal went away)";
    default: return "a signal";
    }
}

/* In the interrupt thread: end every worker process, keep what finished,
 * print its summary, exit 128 + sig. Worker threads end with the process. */
static void on_interrupt(int sig, void *user)
{
    run_state *s = user;
    pthread_mutex_lock(&results_lock);
    pb__children_kill_all();
    if (!s->writing || s->finished) {
        if (!s->writing)
            fprintf(stderr, _("\nparbench run: interrupted by %s before the first run; nothing was written\n"),
                    signal_name(sig));
        fflush(stdout);
        fflush(stderr);
        _exit(128 + sig);
    }
    if (s->live)
        pb__live_stop();
    pb__progress_clear(&s->progress);
    uint64_t kept = s->rs.next_run_id - 1;
    pb_resultset_close(&s->rs);
    s->rows[s->config_index].interrupted = true;
    fprintf(stderr, _("\nparbench run: interrupted by %s during configuration %u of %u; every worker was ended\n"),
            signal_name(sig), s->config_index + 1, s->config_total);
    if (!s->quiet) {
        pb__summary_print(stdout, s->rows, s->configs_started);
        printf("\nresult set: %s (%llu finished repetition%s kept)\n", s->rs.dir, (unsigned long long)kept,
               kept == 1 ? "" : "s");
    } else {
        printf("%s\n", s->rs.dir);
    }
    fflush(stdout);
    fflush(stderr);
    _exit(128 + sig);
}

static void show_starting(run_state *s, const pb_config *cfg, unsigned index, unsigned total)
{
    if (s->live) {
        char params[128];
        pb_params_format(&cfg->params, params, sizeof params, false);
        bool warm = index < cfg->warmup;
        pb__live_status("[%u/%u] %s%s%s  %s W=%u  %s %u/%u", s->config_index + 1, s->config_total,
                       cfg->workload->name, params[0] ? ":" : "", params, cfg->backend->name, cfg->workers,
                       warm ? "warm-up" : "rep", warm ? index + 1 : index - cfg->warmup + 1,
                       warm ? cfg->warmup : total - cfg->warmup);
        return;
    }
    pb__progress_show(&s->progress, cfg, s->config_index, s->config_total, index, total);
}

/* Make cfg the configuration running (under results_lock). */
static void set_current(run_state *s, const pb_config *cfg)
{
    unsigned i = (unsigned)(cfg - s->configs);
    s->config_index = i;
    s->config_id = i + 1;
    s->row = &s->rows[i];
    if (i + 1 > s->configs_started)
        s->configs_started = i + 1;
}

static void on_starting(void *user, const pb_config *cfg, unsigned index, unsigned total)
{
    pthread_mutex_lock(&results_lock);
    set_current(user, cfg);
    show_starting(user, cfg, index, total);
    pthread_mutex_unlock(&results_lock);
}

static int record_done(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec,
                       pb_error *err)
{
    run_state *s = user;
    if (rec->bound == 0 && !s->warned_bind) {
        pb__progress_clear(&s->progress);
        pb__live_message("parbench: warning: binding workers with --pin %s was refused (%s); runs go on unbound "
                        "and are marked bound=0 in runs.csv\n", rec->pin, rec->bind_refusal);
        s->warned_bind = true;
    }
    if (rec->warmup)
        return 0;
    if (!rec->ran)   /* the backend could not start: the row says why, the summary shows the failure */
        return pb_resultset_add_run(&s->rs, s->config_id, cfg, plan, rec, NULL, err);
    pb_summary_row *row = s->row;
    row->ntasks = plan->ntasks;
    row->wall[row->runs] = rec->wall_s;
    row->ideal[row->runs] = rec->ideal_s;
    row->busy[row->runs] = rec->busy_cores;
    row->runs++;
    row->ok_runs += rec->ok;
    if (!rec->ok) {
        pb__progress_clear(&s->progress);
        pb__live_message("parbench: %s under %s W=%u rep %u failed: %s\n", cfg->workload->name,
                cfg->backend->name, cfg->workers, rec->rep, rec->note);
    }
    return pb_resultset_add_run(&s->rs, s->config_id, cfg, plan, rec, s->sampler, err);
}

static int on_done(void *user, const pb_config *cfg, const pb_plan *plan, const pb_run_record *rec,
                   pb_error *err)
{
    pthread_mutex_lock(&results_lock);
    set_current(user, cfg);
    int rc = record_done(user, cfg, plan, rec, err);
    pthread_mutex_unlock(&results_lock);
    return rc;
}

/* A configuration that could not run at all: the summary says why. */
static void on_failed(void *user, const pb_config *cfg, const pb_error *err)
{
    run_state *s = user;
    pthread_mutex_lock(&results_lock);
    set_current(s, cfg);
    snprintf(s->row->failure, sizeof s->row->failure, "%s", err->msg);
    s->row->could_not_run = true;
    pb__progress_clear(&s->progress);
    pb__live_message("parbench run: %s under %s W=%u could not run: %s\n", cfg->workload->name, cfg->backend->name,
                    cfg->workers, err->msg);
    pthread_mutex_unlock(&results_lock);
}

/* The sampler follows the CPUs this process may use (or all of them);
 * --sample-hz 0: none (*out NULL). 0, or the exit status. */
static int start_sampler(const pb__run_request *rq, pb_sampler **out)
{
    pb_error err = { 0 };
    int cpus[4096];
    unsigned ncpus = 0;
    *out = NULL;
    const pb_topology *topo = pb_topology_this(&err);
    if (!rq->all_cpus && topo)
        ncpus = pb_topology_usable(topo, cpus, 4096);
    if (rq->sample_hz && pb_sampler_create(out, rq->sample_hz, ncpus ? cpus : NULL, ncpus, &err)) {
        fprintf(stderr, "parbench run: %s\n", err.msg);
        return PB_EXIT_FAILED;
    }
    return 0;
}

/* From here on, results are written as they come: the summary's rows (one
 * per configuration, its repetitions' times in `samples`), the result set
 * with machine.csv (what else the machine was doing as the runs began in
 * *busy_at_start: the summary flags a loaded machine), the mpi launch line.
 * 0, or the exit status. */
static int open_results(run_state *st, const pb__run_request *rq, pb_summary_row **rows_out, double **samples_out,
                        double *busy_at_start)
{
    pb_error err = { 0 };
    unsigned nconfigs = rq->nconfigs, reps = rq->reps;
    char command[2048];
    pb__cli_join_command(rq->argc, rq->argv, command, sizeof command);
    pb_summary_row *rows = calloc(nconfigs, sizeof *rows);
    double *samples = calloc((size_t)nconfigs * reps * 3, sizeof *samples);
    *rows_out = rows;
    *samples_out = samples;
    if (!rows || !samples) {
        fputs(_("parbench run: out of memory\n"), stderr);
        return PB_EXIT_FAILED;
    }
    for (unsigned i = 0; i < nconfigs; i++) {
        rows[i].cfg = &rq->configs[i];
        rows[i].wall = samples + (size_t)i * reps * 3;
        rows[i].ideal = rows[i].wall + reps;
        rows[i].busy = rows[i].ideal + reps;
    }
    char seed_text[32], busy_text[32];
    snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)rq->seed);
    *busy_at_start = pb_machine_busy_cpus(100);
    snprintf(busy_text, sizeof busy_text, "%.2f", *busy_at_start);
    const char *const extra[] = { "order", pb_order_name(rq->order), "seed", seed_text, "busy_cpus_at_start",
                                  busy_text, NULL };
    pthread_mutex_lock(&results_lock);
    int created = pb_resultset_create(&st->rs, rq->out, "results", command, extra, &err);
    st->rows = rows;
    st->row = &rows[0];
    st->configs = rq->configs;
    st->writing = created == 0;
    pthread_mutex_unlock(&results_lock);
    if (created) {
        fprintf(stderr, "parbench run: %s\n", err.msg);
        return PB_EXIT_USAGE;
    }
    pb__crash_set_results(st->rs.dir);
    if (rq->uses_mpi) {   /* what every MPI job of this set runs */
        char launch_line[4096];
        pb_launch_describe(rq->launch, "W", launch_line, sizeof launch_line);
        if (rq->launch->verbose)
            fprintf(stderr, _("parbench run: mpi: every job runs %s (W: its rank count; parbench adds the options after "
                              "the launcher's own words)\n"), launch_line);
        if (pb_resultset_add_machine(&st->rs, "mpi_launch", launch_line, &err) != 0)
            fprintf(stderr, "parbench run: %s\n", err.msg);
    }
    return 0;
}

/* Every configuration run; the exit status, and in *nconfigs those the
 * summary shows (fewer when the runs stopped early). */
static int run_all(run_state *st, const pb__run_request *rq, pb_sampler *sampler, pb_summary_row *rows,
                   unsigned *nconfigs)
{
    pb_error err = { 0 };
    *nconfigs = rq->nconfigs;
    st->live = rq->want_live && !rq->quiet && pb__live_start(sampler);
    pb__progress_init(&st->progress, rq->nconfigs * (rq->reps + rq->warmup), rq->quiet || st->live);
    pb_run_observer obs = { .run_starting = on_starting, .run_done = on_done, .config_failed = on_failed,
                            .user = st, .sampler = sampler };
    int status = PB_EXIT_OK;
    int rc = pb_run_configs(rq->configs, rq->nconfigs, rq->order, rq->seed, &obs, &err);
    pthread_mutex_lock(&results_lock);
    if (rc == PB_E_HUNG) {
        pb__progress_clear(&st->progress);
        fprintf(stderr, _("parbench run: %s\nparbench run: stopping here; the runs so far are in %s\n"),
                err.msg, st->rs.dir);
        status = PB_EXIT_FAILED;
        *nconfigs = st->configs_started;
    } else if (rc) {
        pb__progress_clear(&st->progress);
        fprintf(stderr, _("parbench run: %s; stopping (rows already written are intact)\n"), err.msg);
        status = PB_EXIT_FAILED;
        *nconfigs = st->configs_started;
    }
    for (unsigned i = 0; i < *nconfigs; i++)
        if (rows[i].could_not_run || rows[i].ok_runs != rows[i].runs)
            status = PB_EXIT_FAILED;
    pthread_mutex_unlock(&results_lock);
    pthread_mutex_lock(&results_lock);
    st->finished = true;       /* an interrupt from here on only exits */
    pthread_mutex_unlock(&results_lock);
    return status;
}

int pb__run_record(const pb__run_request *rq)
{
    /* Ctrl-C and SIGTERM from here on: before the first thread or worker */
    static run_state st;
    st = (run_state){ .quiet = rq->quiet, .config_total = rq->nconfigs };
    if (pb__interrupt_start(on_interrupt, &st) != 0)
        fputs(_("parbench run: warning: cannot watch for Ctrl-C; an interrupted run may leave workers\n"), stderr);

    pb_sampler *sampler;
    int status = start_sampler(rq, &sampler);
    if (status)
        return status;
    st.sampler = sampler;
    pb_summary_row *rows;
    double *samples, busy_at_start;
    status = open_results(&st, rq, &rows, &samples, &busy_at_start);
    if (status)
        return status;
    unsigned nconfigs;
    status = run_all(&st, rq, sampler, rows, &nconfigs);
    pb__progress_clear(&st.progress);
    pb__live_stop();
    pb_sampler_destroy(sampler);
    pb_resultset_close(&st.rs);
    if (!rq->quiet) {
        pb__summary_print(stdout, rows, nconfigs);
        /* an idle 2-CPU VM reads 0.00-0.05 busy here; above 0.25 another program was running */
        if (busy_at_start > 0.25)
            printf("note: the machine was busy with other programs when the runs began (%.2f of %u CPUs):\n"
                   "  times may be slower and noisier than on a quiet machine (machine.csv: busy_cpus_at_start).\n",
                   busy_at_start, pb_allowed_pus());
        printf("\nresult set: %s\n", st.rs.dir);
    } else {
        printf("%s\n", st.rs.dir);
    }
    free(rows);
    free(samples);
    return status;
}
