/* parbench run: expand jobs into configurations, run each, write the
 * result set as it goes, print the summary. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/openmp.h"
#include "cli.h"
#include "backends/worker/children.h"
#include "backends/worker/crash.h"
#include "parbench/launch.h"
#include "parbench/machine.h"
#include "parbench/registry.h"
#include "parbench/resultset.h"
#include "parbench/sampler.h"
#include "parbench/topology.h"

enum { MAX_JOBS = 64, MAX_CONFIGS = 20000, MAX_REPS = 100000, MAX_WARMUP = 1000 };

static const char run_help[] =
"Usage: parbench run [OPTIONS]\n"
"\n"
"Run workloads under backends and worker counts, verify every run, write a\n"
"result set (runs.csv, machine.csv) and print a summary table.\n"
"With no option, runs the 'default' suite.\n"
"\n"
"  -s, --suite NAME        a named preset (parbench list shows them): default,\n"
"                          quick, linearity. --backend, --workers, --reps and\n"
"                          --warmup override the suite's own choices.\n"
"  -w, --workload SPEC     NAME[:k=v,...], repeatable, e.g. counter:n=1e8,tasks=4\n"
"                          or map:len=10,sleep_ms=200 (parbench list shows the\n"
"                          parameters, their defaults and ranges)\n"
"  -b, --backend LIST      %s,\n"
"                          or all: every one that runs here but those named on\n"
"                          their own (%s)                      (default: all)\n"
"  -n, --workers LIST      worker counts: 4 | 1,2,4 | 1-8 | cores (the PUs this\n"
"                          process may use) | tasks (one worker per task);\n"
"                          1 to 4096; serial always runs with 1 (default: 1,cores)\n"
"  -r, --reps N            measured repetitions per configuration (default: 5)\n"
"      --warmup N          unrecorded repetitions before them      (default: 1)\n"
"      --chunk N           pools: tasks a worker claims at a time  (default: auto,\n"
"                          ceil(tasks / (4 W)) as Pool.map chooses)\n"
"      --ipc LIST          arena (outcomes written in shared memory) and/or pipe\n"
"                          (sent over pipes, process-pool only); mpi sends them\n"
"                          over tcp, its only transport          (default: arena)\n"
"  -p, --pin POLICY        bind each worker to PUs: none, compact, scatter, core,\n"
"                          or a PU list such as 0,2,4-7 (`parbench topology --pin\n"
"                          P -n W` shows where). Serial binds before the clock,\n"
"                          pools and mpi at start-up; pthread and fork workers\n"
"                          bind themselves inside spawn (bind_s)  (default: none)\n"
"      --sample-hz N       per-CPU utilisation samples per second into\n"
"                          samples.csv, 1 to 1000; 0: no sampler (for runs of\n"
"                          microseconds, which its wake-ups disturb) (default: 20)\n"
"      --sample-all-cpus   sample every CPU, not only those this process may use\n"
"      --live              a per-CPU view while it runs (on a terminal), for a\n"
"                          projector; replaces the progress line\n"
"      --gil               one global lock per process, released every 5 ms and\n"
"                          while sleeping, as CPython's GIL: CPU-bound threads\n"
"                          stop scaling, processes and sleeping threads do not\n"
"      --order ORDER       interleaved: within a workload, repetition r of every\n"
"                          configuration runs (in an order shuffled per round)\n"
"                          before repetition r+1 of any, so a slow minute of the\n"
"                          machine lands on all alike; grouped: all repetitions\n"
"                          of one configuration, then the next (default: interleaved)\n"
"      --seed N            the shuffle's seed, recorded in machine.csv (default: 1)\n"
"      --wait POLICY       pools and openmp: how an idle worker (and the parent\n"
"                          awaiting a run) waits: passive (sleeps at once),\n"
"                          active (spins while the pool is in use) or adaptive\n"
"                          (spins up to --spin-us, then sleeps)    (default: adaptive)\n"
"      --spin-us N         adaptive: microseconds to spin before sleeping,\n"
"                          1 to 1000000                            (default: %d)\n"
"      --task-timeout S    a task running longer than S seconds is killed and\n"
"                          reported (processes); a thread cannot be killed, so\n"
"                          parbench reports it and stops          (default: none)\n"
"      --mpirun CMD        mpi: the launcher, with any options of yours\n"
"                          (e.g. srun, or \"mpirun --mca btl self,vader\")  (default: mpirun)\n"
"      --hosts FILE        mpi: an Open MPI hostfile (\"node1 slots=2\" lines): ranks\n"
"                          on those hosts, each reaching back to this one over TCP\n"
"                          (default: this machine, or the Slurm allocation)\n"
"      --verbose           mpi: print each launch command and the launcher's output\n"
"  -o, --out DIR           the result set's folder; it must not exist yet\n"
"                          (default: results/<UTC time>-<host>/)\n"
"  -q, --quiet             no progress and no summary: print only the folder\n"
"  -h, --help              this help\n"
"\n"
"Every run is timed in three phases: spawn (until all workers wait at the\n"
"start gate), work (gate open until the last task is done) and join (until\n"
"every worker is joined or reaped). A run whose result fails its check is\n"
"recorded with ok=0 and the command exits 1. Bad input exits 2 and writes\n"
"nothing. Every workload accepts fault=segv@T, abort@T, exit@T or hang@T to make\n"
"task T misbehave: see how each backend contains (or does not contain) it.\n"
"\n"
"Examples:\n"
"  parbench run --suite quick\n"
"  parbench run -w square-cube -b all -n 2\n"
"  parbench run -w counter:n=1e8,tasks=2 -b serial,pthread,fork -n 1,2 -r 10\n"
"  parbench run -w map:len=10,sleep_ms=200 -n 10 --out results/poolmap\n"
"  parbench run -w counter:n=1,tasks=1e5 -b process-pool --ipc arena,pipe -n 2\n"
"  parbench run -w counter:n=1e7,tasks=8,fault=segv@3 -b fork,process-pool -n 4\n"
"  parbench run -w counter:n=1e8,tasks=2 -b serial,process-pool,mpi -n 2\n";

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
            fprintf(stderr, "\nparbench run: interrupted by %s before the first run; nothing was written\n",
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
    fprintf(stderr, "\nparbench run: interrupted by %s during configuration %u of %u; every worker was ended\n",
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

static int usage_error(const pb_error *err)
{
    fprintf(stderr, "parbench run: %s\nTry 'parbench run --help'.\n", err->msg);
    return PB_EXIT_USAGE;
}

int pb__cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "suite", required_argument, NULL, 's' },
        { "workload", required_argument, NULL, 'w' },
        { "backend", required_argument, NULL, 'b' },
        { "workers", required_argument, NULL, 'n' },
        { "reps", required_argument, NULL, 'r' },
        { "warmup", required_argument, NULL, 'W' },
        { "out", required_argument, NULL, 'o' },
        { "chunk", required_argument, NULL, 'C' },
        { "ipc", required_argument, NULL, 'I' },
        { "task-timeout", required_argument, NULL, 'T' },
        { "pin", required_argument, NULL, 'p' },
        { "sample-hz", required_argument, NULL, 'H' },
        { "sample-all-cpus", no_argument, NULL, 'A' },
        { "live", no_argument, NULL, 'L' },
        { "gil", no_argument, NULL, 'G' },
        { "order", required_argument, NULL, 'O' },
        { "seed", required_argument, NULL, 'S' },
        { "wait", required_argument, NULL, 'P' },
        { "spin-us", required_argument, NULL, 'U' },
        { "quiet", no_argument, NULL, 'q' },
        { "mpirun", required_argument, NULL, 'M' },
        { "hosts", required_argument, NULL, 'F' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static pb_job jobs[MAX_JOBS];
    unsigned njobs = 0, reps = 0, warmup = 0;
    bool have_reps = false, have_warmup = false, quiet = false;
    const char *suite_name = NULL, *backend_text = NULL, *workers_text = NULL, *out = NULL, *ipc_text = NULL;
    uint64_t chunk = 0, seed = 1;
    pb_order order = PB_ORDER_INTERLEAVED;
    int64_t task_timeout_ns = 0;
    pb_error err = { 0 };
    int c;

    optind = 1;
    opterr = 0;
    static pb_pin_policy pin;
    bool have_pin = false, all_cpus = false, want_live = false, gil = false;
    unsigned sample_hz = PB_SAMPLE_HZ_DEFAULT;
    pb_wait_policy wait = { .kind = PB_WAIT_ADAPTIVE };
    bool have_wait = false;
    unsigned spin_us = 0;
    static pb_launch_options launch;   /* the mpi backend's launcher */
    launch = (pb_launch_options){ 0 };
    while ((c = getopt_long(argc, argv, ":s:w:b:n:r:o:p:qh", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 's': suite_name = optarg; break;
        case 'b': backend_text = optarg; break;
        case 'n': workers_text = optarg; break;
        case 'o': out = optarg; break;
        case 'q': quiet = true; break;
        case 'h': {
            /* the backends as the registry lists them: a new one shows here by itself */
            char names[512] = "", own[256] = "";
            size_t len = 0, olen = 0;
            for (size_t i = 0; pb_backends[i]; i++) {
                len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", pb_backends[i]->name);
                if (pb_backends[i]->opt_in)
                    olen += (size_t)snprintf(own + olen, sizeof own - olen, "%s%s", olen ? ", " : "",
                                             pb_backends[i]->name);
            }
            printf(run_help, names, olen ? own : "none", PB_SPIN_NS_DEFAULT / 1000);
            return PB_EXIT_OK;
        }
        case 'w':
            if (njobs == MAX_JOBS)
                rc = pb_fail(&err, PB_E_RANGE, "--workload: at most %d workloads", MAX_JOBS);
            else
                rc = pb__cli_parse_workload(optarg, &jobs[njobs++].spec, &err);
            break;
        case 'r':
            rc = pb__cli_parse_count("--reps", optarg, 1, MAX_REPS, &reps, &err);
            have_reps = true;
            break;
        case 'W':
            rc = pb__cli_parse_count("--warmup", optarg, 0, MAX_WARMUP, &warmup, &err);
            have_warmup = true;
            break;
        case 'C': rc = pb__cli_parse_chunk(optarg, &chunk, &err); break;
        case 'p':
            rc = pb_pin_parse(optarg, &pin, &err);
            have_pin = true;
            break;
        case 'H': rc = pb__cli_parse_count("--sample-hz", optarg, 0, PB_SAMPLE_HZ_MAX, &sample_hz, &err); break;
        case 'A': all_cpus = true; break;
        case 'L': want_live = true; break;
        case 'G': gil = true; break;
        case 'O': rc = pb__cli_parse_order(optarg, &order, &err); break;
        case 'S': rc = pb__cli_parse_u64("--seed", optarg, 0, UINT64_MAX, &seed, &err); break;
        case 'I': ipc_text = optarg; break;
        case 'P':
            rc = pb_wait_parse(optarg, &wait.kind, &err);
            have_wait = true;
            break;
        case 'U': rc = pb__cli_parse_count("--spin-us", optarg, 1, PB_SPIN_US_MAX, &spin_us, &err); break;
        case 'M': launch.launcher = optarg; break;
        case 'F': launch.hostfile = optarg; break;
        case 'v': launch.verbose = true; break;
        case 'T': rc = pb__cli_parse_seconds("--task-timeout", optarg, 86400, &task_timeout_ns, &err); break;
        case ':':
            rc = pb_fail(&err, PB_E_ARG, "%s needs a value", argv[optind - 1]);
            break;
        default:
            rc = pb_fail(&err, PB_E_ARG, "unknown option '%s'", argv[optind - 1]);
            break;
        }
        if (rc)
            return usage_error(&err);
    }
    if (optind < argc) {
        pb_fail(&err, PB_E_ARG, "unexpected argument '%s' (workloads are given with --workload)", argv[optind]);
        return usage_error(&err);
    }
    if (spin_us && have_wait && wait.kind != PB_WAIT_ADAPTIVE) {
        pb_fail(&err, PB_E_ARG, "--spin-us is the spin bound of --wait adaptive; --wait %s does not use it",
                pb_wait_name(wait.kind));
        return usage_error(&err);
    }
    wait.spin_ns = (int64_t)spin_us * 1000;

    /* Jobs: from --workload, or from a suite. */
    pb_backend_set backends;
    pb_workers_spec workers;
    if (backend_text && pb__cli_parse_backends(backend_text, &backends, &err))
        return usage_error(&err);
    if (workers_text && pb__cli_parse_workers(workers_text, &workers, &err))
        return usage_error(&err);
    if (have_pin) {
        const pb_topology *topo = pb_topology_this(&err);
        if (!topo || pb_pin_check(topo, &pin, &err))
            return usage_error(&err);
    }
    pb_ipc_set ipc = 1u << PB_IPC_ARENA;
    if (ipc_text && pb__cli_parse_ipc(ipc_text, &ipc, &err))
        return usage_error(&err);
    if ((launch.launcher || launch.hostfile) && pb_launch_check(&launch, &err))
        return usage_error(&err);
    launch.sample_hz = sample_hz;
    launch.sample_all_cpus = all_cpus;
    const pb_suite *suite = NULL;
    if (suite_name && njobs) {
        pb_fail(&err, PB_E_ARG, "--suite and --workload cannot be combined (a suite names its own workloads)");
        return usage_error(&err);
    }
    if (suite_name || !njobs) {
        suite = pb_find_suite(suite_name ? suite_name : "default");
        if (!suite) {
            char names[256];
            size_t len = 0;
            for (const pb_suite *s = pb_suites; s->name; s++)
                len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", s->name);
            pb_fail(&err, PB_E_ARG, "--suite: unknown suite '%s' (suites: %s)", suite_name, names);
            return usage_error(&err);
        }
        for (const pb_suite_entry *e = suite->entries; e->workload; e++, njobs++) {
            pb_job *j = &jobs[njobs];
            if (pb__cli_parse_workload(e->workload, &j->spec, &err) ||
                pb__cli_parse_backends(e->backends, &j->backends, &err) ||
                pb__cli_parse_workers(e->workers, &j->workers, &err) ||
                pb__cli_parse_ipc(e->ipc ? e->ipc : "arena", &j->ipc, &err))
                return usage_error(&err);
        }
        if (!have_reps)
            reps = suite->reps;
        if (!have_warmup)
            warmup = suite->warmup;
    } else {
        if (!have_reps)
            reps = 5;
        if (!have_warmup)
            warmup = 1;
        for (unsigned i = 0; i < njobs; i++) {
            pb__cli_parse_backends("all", &jobs[i].backends, &err);
            pb__cli_parse_workers("1,cores", &jobs[i].workers, &err);
            jobs[i].ipc = 1u << PB_IPC_ARENA;
        }
    }
    for (unsigned i = 0; i < njobs; i++) {
        if (backend_text)
            jobs[i].backends = backends;
        if (workers_text)
            jobs[i].workers = workers;
        if (ipc_text)
            jobs[i].ipc = ipc;
    }

    /* Configurations, all known before anything runs. */
    static pb_config configs[MAX_CONFIGS];
    unsigned nconfigs = 0, pus = pb_allowed_pus();
    bool uses_mpi = false;
    for (unsigned i = 0; i < njobs; i++) {
        size_t ntasks = jobs[i].spec.workload->count_tasks(&jobs[i].spec.params);
        for (unsigned b = 0; b < jobs[i].backends.count; b++) {
            const pb_backend *be = jobs[i].backends.backend[b];
            unsigned ws[PB_MAX_WORKERS], nw;
            if (be->max_workers == 1) {   /* serial: one worker, whatever --workers says */
                ws[0] = 1;
                nw = 1;
            } else {
                nw = pb__cli_resolve_workers(&jobs[i].workers, pus, ntasks, ws, PB_MAX_WORKERS);
            }
            pb_ipc_set want = jobs[i].ipc;
            if (!ipc_text && !(want & be->ipc_mask) && want == 1u << PB_IPC_ARENA)
                want = be->ipc_mask;   /* no transport named: a backend without the arena uses its own (mpi: tcp) */
            if (be == &pb_backend_mpi)
                uses_mpi = true;
            for (unsigned t = 0; t <= PB_IPC_TCP; t++) {
                if (!(want & be->ipc_mask & (1u << t)))
                    continue;
                for (unsigned k = 0; k < nw; k++) {
                    if (nconfigs == MAX_CONFIGS) {
                        pb_fail(&err, PB_E_RANGE, "more than %d configurations: run fewer at a time", MAX_CONFIGS);
                        return usage_error(&err);
                    }
                    configs[nconfigs++] = (pb_config){ .workload = jobs[i].spec.workload,
                                                       .params = jobs[i].spec.params,
                                                       .backend = be, .workers = ws[k],
                                                       .reps = reps, .warmup = warmup,
                                                       .chunk = chunk, .ipc = (pb_ipc)t,
                                                       .task_timeout_ns = task_timeout_ns,
                                                       .pin = have_pin ? &pin : NULL, .gil = gil,
                                                       .wait = wait, .launch = &launch };
                }
            }
        }
    }
    if (nconfigs == 0) {
        pb_fail(&err, PB_E_ARG, "--ipc %s: none of the backends asked for offers it (pipe: process-pool only; "
                "tcp: mpi only)", ipc_text ? ipc_text : "arena");
        return usage_error(&err);
    }
    if (!uses_mpi && (launch.launcher || launch.hostfile || launch.verbose)) {
        pb_fail(&err, PB_E_ARG, "%s: only the mpi backend uses it, and no mpi run was asked for (add -b mpi)",
                launch.hostfile ? "--hosts" : launch.launcher ? "--mpirun" : "--verbose");
        return usage_error(&err);
    }
    if (uses_mpi && !launch.launcher && pb_launch_check(&launch, &err)) {
        pb_fail(&err, PB_E_ARG, "--backend mpi: the launcher 'mpirun' is not a program on PATH (Debian: apt-get "
                "install openmpi-bin; or name one with --mpirun)");
        return usage_error(&err);
    }
    if (out && pb_resultset_check_dir(out, &err))
        return usage_error(&err);

    /* libgomp reads its wait policy once, when the process starts: if an
     * openmp configuration will run and this process's environment says
     * otherwise, set it and start again (once; a refusal is then reported
     * by the openmp runs themselves) */
    for (unsigned i = 0; i < nconfigs; i++) {
        char why[512];
        if (configs[i].backend != &pb_backend_openmp || pb__openmp_env_ready(&wait, why, sizeof why))
            continue;
        if (!getenv("PARBENCH_OPENMP_RESTARTED")) {
            pb__openmp_env_set(&wait);
            setenv("PARBENCH_OPENMP_RESTARTED", "1", 1);
            char **again = calloc((size_t)argc + 2, sizeof *again);
            if (again) {
                again[0] = program_invocation_name;
                memcpy(again + 1, argv, (size_t)argc * sizeof *argv);
                fflush(NULL);
                execvp(again[0], again);
            }
            fprintf(stderr, "parbench run: warning: cannot start again with the environment libgomp needs (%s)\n",
                    strerror(errno));
        }
        break;
    }

    /* libgomp's idle threads under OMP_WAIT_POLICY=ACTIVE spin for minutes
     * and cannot be rested: interleaved with other configurations they take
     * a CPU from them (measured: one task took 3.8 ms instead of 12 us) */
    unsigned omp_configs = 0;
    for (unsigned i = 0; i < nconfigs; i++)
        omp_configs += configs[i].backend == &pb_backend_openmp;
    if (omp_configs && omp_configs < nconfigs && order == PB_ORDER_INTERLEAVED && wait.kind == PB_WAIT_ACTIVE)
        fprintf(stderr, "parbench run: warning: --wait active: libgomp's idle openmp threads spin between openmp's "
                        "runs and take CPU from the configurations interleaved with them; --order grouped "
                        "measures them apart\n");

    /* Ctrl-C and SIGTERM from here on: before the first thread or worker */
    static run_state st;
    st = (run_state){ .quiet = quiet, .config_total = nconfigs };
    if (pb__interrupt_start(on_interrupt, &st) != 0)
        fprintf(stderr, "parbench run: warning: cannot watch for Ctrl-C; an interrupted run may leave workers\n");

    if (sample_hz == 0 && want_live) {
        pb_fail(&err, PB_E_ARG, "--live draws from the CPU sampler, which --sample-hz 0 turns off");
        return usage_error(&err);
    }
    /* The sampler follows the CPUs this process may use (or all of them); --sample-hz 0: none. */
    pb_sampler *sampler = NULL;
    {
        int cpus[4096];
        unsigned ncpus = 0;
        const pb_topology *topo = pb_topology_this(&err);
        if (!all_cpus && topo)
            ncpus = pb_topology_usable(topo, cpus, 4096);
        if (sample_hz && pb_sampler_create(&sampler, sample_hz, ncpus ? cpus : NULL, ncpus, &err)) {
            fprintf(stderr, "parbench run: %s\n", err.msg);
            return PB_EXIT_FAILED;
        }
    }

    /* From here on, results are written as they come. */
    st.sampler = sampler;
    char command[2048];
    pb__cli_join_command(argc, argv, command, sizeof command);
    pb_summary_row *rows = calloc(nconfigs, sizeof *rows);
    double *samples = calloc((size_t)nconfigs * reps * 3, sizeof *samples);
    if (!rows || !samples) {
        fprintf(stderr, "parbench run: out of memory\n");
        return PB_EXIT_FAILED;
    }
    for (unsigned i = 0; i < nconfigs; i++) {
        rows[i].cfg = &configs[i];
        rows[i].wall = samples + (size_t)i * reps * 3;
        rows[i].ideal = rows[i].wall + reps;
        rows[i].busy = rows[i].ideal + reps;
    }
    char seed_text[32], busy_text[32];
    snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)seed);
    /* what else the machine was doing as the runs began: the summary flags a loaded machine */
    double busy_at_start = pb_machine_busy_cpus(100);
    snprintf(busy_text, sizeof busy_text, "%.2f", busy_at_start);
    const char *const extra[] = { "order", pb_order_name(order), "seed", seed_text, "busy_cpus_at_start", busy_text,
                                  NULL };
    pthread_mutex_lock(&results_lock);
    int created = pb_resultset_create(&st.rs, out, "results", command, extra, &err);
    st.rows = rows;
    st.row = &rows[0];
    st.configs = configs;
    st.writing = created == 0;
    pthread_mutex_unlock(&results_lock);
    if (created) {
        fprintf(stderr, "parbench run: %s\n", err.msg);
        return PB_EXIT_USAGE;
    }
    pb__crash_set_results(st.rs.dir);
    if (uses_mpi) {   /* what every MPI job of this set runs */
        char launch_line[4096];
        pb_launch_describe(&launch, "W", launch_line, sizeof launch_line);
        if (launch.verbose)
            fprintf(stderr, "parbench run: mpi: every job runs %s (W: its rank count; parbench adds the options after "
                    "the launcher's own words)\n", launch_line);
        if (pb_resultset_add_machine(&st.rs, "mpi_launch", launch_line, &err) != 0)
            fprintf(stderr, "parbench run: %s\n", err.msg);
    }
    st.live = want_live && !quiet && pb__live_start(sampler);
    pb__progress_init(&st.progress, nconfigs * (reps + warmup), quiet || st.live);
    pb_run_observer obs = { .run_starting = on_starting, .run_done = on_done, .config_failed = on_failed,
                            .user = &st, .sampler = sampler };
    int status = PB_EXIT_OK;
    int rc = pb_run_configs(configs, nconfigs, order, seed, &obs, &err);
    pthread_mutex_lock(&results_lock);
    if (rc == PB_E_HUNG) {
        pb__progress_clear(&st.progress);
        fprintf(stderr, "parbench run: %s\nparbench run: stopping here; the runs so far are in %s\n",
                err.msg, st.rs.dir);
        status = PB_EXIT_FAILED;
        nconfigs = st.configs_started;
    } else if (rc) {
        pb__progress_clear(&st.progress);
        fprintf(stderr, "parbench run: %s; stopping (rows already written are intact)\n", err.msg);
        status = PB_EXIT_FAILED;
        nconfigs = st.configs_started;
    }
    for (unsigned i = 0; i < nconfigs; i++)
        if (rows[i].could_not_run || rows[i].ok_runs != rows[i].runs)
            status = PB_EXIT_FAILED;
    pthread_mutex_unlock(&results_lock);
    pthread_mutex_lock(&results_lock);
    st.finished = true;        /* an interrupt from here on only exits */
    pthread_mutex_unlock(&results_lock);
    pb__progress_clear(&st.progress);
    pb__live_stop();
    pb_sampler_destroy(sampler);
    pb_resultset_close(&st.rs);
    if (!quiet) {
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
