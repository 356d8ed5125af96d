/* parbench run: expand jobs into configurations, run each, write the
 * result set as it goes, print the summary. Here: the command line, its
 * jobs and configurations; run_results.c runs them and keeps the records. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/openmp.h"
#include "cli.h"
#include "parbench/i18n.h"
#include "parbench/launch.h"
#include "parbench/machine.h"
#include "parbench/registry.h"
#include "parbench/resultset.h"
#include "parbench/sampler.h"
#include "parbench/topology.h"
#include "run_results.h"

enum { MAX_JOBS = 64, MAX_CONFIGS = 20000, MAX_REPS = 100000, MAX_WARMUP = 1000 };

/* The help, a piece for each paragraph and option so that each is one
 * message of the catalogue; the pieces with a format are printed apart
 * (print_help), the examples are not translated. */
static const char *const run_help_head[] = {
    N_("Usage: parbench run [OPTIONS]\n"
       "\n"
       "Run workloads under backends and worker counts, verify every run, write a\n"
       "result set (runs.csv, machine.csv) and print a summary table.\n"
       "With no option, runs the 'default' suite.\n"
       "\n"),
    N_("  -s, --suite NAME        a named preset (parbench list shows them): default,\n"
       "                          quick, linearity. --backend, --workers, --reps and\n"
       "                          --warmup override the suite's own choices.\n"),
    N_("  -w, --workload SPEC     NAME[:k=v,...], repeatable, e.g. counter:n=1e8,tasks=4\n"
       "                          or map:len=10,sleep_ms=200 (parbench list shows the\n"
       "                          parameters, their defaults and ranges)\n"),
    NULL,
};
static const char *const run_help_middle[] = {
    N_("  -n, --workers LIST      worker counts: 4 | 1,2,4 | 1-8 | cores (the PUs this\n"
       "                          process may use) | tasks (one worker per task);\n"
       "                          1 to 4096; serial always runs with 1 (default: 1,cores)\n"),
    N_("  -r, --reps N            measured repetitions per configuration (default: 5)\n"),
    N_("      --warmup N          unrecorded repetitions before them      (default: 1)\n"),
    N_("      --chunk N           pools: tasks a worker claims at a time  (default: auto,\n"
       "                          ceil(tasks / (4 W)) as Pool.map chooses)\n"),
    N_("      --ipc LIST          arena (outcomes written in shared memory) and/or pipe\n"
       "                          (sent over pipes, process-pool only); mpi sends them\n"
       "                          over tcp, its only transport          (default: arena)\n"),
    N_("  -p, --pin POLICY        bind each worker to PUs: none, compact, scatter, core,\n"
       "                          or a PU list such as 0,2,4-7 (`parbench topology --pin\n"
       "                          P -n W` shows where). Serial binds before the clock,\n"
       "                          pools and mpi at start-up; pthread and fork workers\n"
       "                          bind themselves inside spawn (bind_s)  (default: none)\n"),
    N_("      --sample-hz N       per-CPU utilisation samples per second into\n"
       "                          samples.csv, 1 to 1000; 0: no sampler (for runs of\n"
       "                          microseconds, which its wake-ups disturb) (default: 20)\n"),
    N_("      --sample-all-cpus   sample every CPU, not only those this process may use\n"),
    N_("      --live              a per-CPU view while it runs (on a terminal), for a\n"
       "                          projector; replaces the progress line\n"),
    N_("      --gil               one global lock per process, released every 5 ms and\n"
       "                          while sleeping, as CPython's GIL: CPU-bound threads\n"
       "                          stop scaling, processes and sleeping threads do not\n"),
    N_("      --order ORDER       interleaved: within a workload, repetition r of every\n"
       "                          configuration runs (in an order shuffled per round)\n"
       "                          before repetition r+1 of any, so a slow minute of the\n"
       "                          machine lands on all alike; grouped: all repetitions\n"
       "                          of one configuration, then the next (default: interleaved)\n"),
    N_("      --seed N            the shuffle's seed, recorded in machine.csv (default: 1)\n"),
    N_("      --wait POLICY       pools and openmp: how an idle worker (and the parent\n"
       "                          awaiting a run) waits: passive (sleeps at once),\n"
       "                          active (spins while the pool is in use) or adaptive\n"
       "                          (spins up to --spin-us, then sleeps)    (default: adaptive)\n"),
    NULL,
};
static const char *const run_help_tail[] = {
    N_("      --task-timeout S    a task running longer than S seconds is killed and\n"
       "                          reported (processes); a thread cannot be killed, so\n"
       "                          parbench reports it and stops          (default: none)\n"),
    N_("      --mpirun CMD        mpi: the launcher, with any options of yours\n"
       "                          (e.g. srun, or \"mpirun --mca btl self,vader\")  (default: mpirun)\n"),
    N_("      --hosts FILE        mpi: an Open MPI hostfile (\"node1 slots=2\" lines): ranks\n"
       "                          on those hosts, each reaching back to this one over TCP\n"
       "                          (default: this machine, or the Slurm allocation)\n"),
    N_("      --verbose           mpi: print each launch command and the launcher's output\n"),
    N_("  -o, --out DIR           the result set's folder; it must not exist yet\n"
       "                          (default: results/<UTC time>-<host>/)\n"),
    N_("  -q, --quiet             no progress and no summary: print only the folder\n"),
    N_("  -h, --help              this help\n"),
    N_("\n"
       "Every run is timed in three phases: spawn (until all workers wait at the\n"
       "start gate), work (gate open until the last task is done) and join (until\n"
       "every worker is joined or reaped). A run whose result fails its check is\n"
       "recorded with ok=0 and the command exits 1. Bad input exits 2 and writes\n"
       "nothing. Every workload accepts fault=segv@T, abort@T, exit@T or hang@T to make\n"
       "task T misbehave: see how each backend contains (or does not contain) it.\n"),
    N_("\n"
       "Examples:\n"),
    NULL,
};
static const char *const run_help_backend =
    N_("  -b, --backend LIST      %s,\n"
       "                          or all: every one that runs here but those named on\n"
       "                          their own (%s)                      (default: all)\n");
static const char *const run_help_spin =
    N_("      --spin-us N         adaptive: microseconds to spin before sleeping,\n"
       "                          1 to 1000000                            (default: %d)\n");
static const char run_examples[] =
"  parbench run --suite quick\n"
"  parbench run -w square-cube -b all -n 2\n"
"  parbench run -w counter:n=1e8,tasks=2 -b serial,pthread,fork -n 1,2 -r 10\n"
"  parbench run -w map:len=10,sleep_ms=200 -n 10 --out results/poolmap\n"
"  parbench run -w counter:n=1,tasks=1e5 -b process-pool --ipc arena,pipe -n 2\n"
"  parbench run -w counter:n=1e7,tasks=8,fault=segv@3 -b fork,process-pool -n 4\n"
"  parbench run -w counter:n=1e8,tasks=2 -b serial,process-pool,mpi -n 2\n";

static int usage_error(const pb_error *err)
{
    fprintf(stderr, _("parbench run: %s\nTry 'parbench run --help'.\n"), err->msg);
    return PB_EXIT_USAGE;
}

/* What the command line says, before jobs and configurations are made. */
typedef struct run_options {
    bool help;                 /* -h: the help is printed, nothing else */
    pb_job jobs[MAX_JOBS];     /* --workload, then the suite's */
    unsigned njobs, reps, warmup;
    bool have_reps, have_warmup, quiet;
    const char *suite_name, *backend_text, *workers_text, *out, *ipc_text;
    uint64_t chunk, seed;
    pb_order order;
    int64_t task_timeout_ns;
    pb_pin_policy pin;
    bool have_pin, all_cpus, want_live, gil;
    unsigned sample_hz;
    pb_wait_policy wait;
    bool have_wait;
    unsigned spin_us;
    pb_launch_options launch;  /* the mpi backend's launcher */
    pb_backend_set backends;   /* --backend, --workers, --ipc: over every job's own */
    pb_workers_spec workers;
    pb_ipc_set ipc;
} run_options;

static void print_pieces(const char *const *pieces)
{
    for (; *pieces; pieces++)
        fputs(_(*pieces), stdout);
}

static void print_help(void)
{
    /* the backends as the registry lists them: a new one shows here by itself */
    char names[512] = "", own[256] = "";
    size_t len = 0, olen = 0;
    for (size_t i = 0; pb_backends[i]; i++) {
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", pb_backends[i]->name);
        if (pb_backends[i]->opt_in)
            olen += (size_t)snprintf(own + olen, sizeof own - olen, "%s%s", olen ? ", " : "",
                                     pb_backends[i]->name);
    }
    print_pieces(run_help_head);
    printf(_(run_help_backend), names, olen ? own : "none");
    print_pieces(run_help_middle);
    printf(_(run_help_spin), PB_SPIN_NS_DEFAULT / 1000);
    print_pieces(run_help_tail);
    fputs(run_examples, stdout);
}

/* The options, each checked as it is read; -h stops the reading. */
static int parse_options(int argc, char **argv, run_options *o, pb_error *err)
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
    };
    memset(o, 0, sizeof *o);   /* large (the jobs): no copy on the stack */
    o->order = PB_ORDER_INTERLEAVED;
    o->seed = 1;
    o->sample_hz = PB_SAMPLE_HZ_DEFAULT;
    o->wait = (pb_wait_policy){ .kind = PB_WAIT_ADAPTIVE };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:w:b:n:r:o:p:qh", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 's': o->suite_name = optarg; break;
        case 'b': o->backend_text = optarg; break;
        case 'n': o->workers_text = optarg; break;
        case 'o': o->out = optarg; break;
        case 'q': o->quiet = true; break;
        case 'h':
            o->help = true;
            return 0;
        case 'w':
            if (o->njobs == MAX_JOBS)
                rc = pb_fail(err, PB_E_RANGE, _("--workload: at most %d workloads"), MAX_JOBS);
            else
                rc = pb__cli_parse_workload(optarg, &o->jobs[o->njobs++].spec, err);
            break;
        case 'r':
            rc = pb__cli_parse_count("--reps", optarg, 1, MAX_REPS, &o->reps, err);
            o->have_reps = true;
            break;
        case 'W':
            rc = pb__cli_parse_count("--warmup", optarg, 0, MAX_WARMUP, &o->warmup, err);
            o->have_warmup = true;
            break;
        case 'C': rc = pb__cli_parse_chunk(optarg, &o->chunk, err); break;
        case 'p':
            rc = pb_pin_parse(optarg, &o->pin, err);
            o->have_pin = true;
            break;
        case 'H': rc = pb__cli_parse_count("--sample-hz", optarg, 0, PB_SAMPLE_HZ_MAX, &o->sample_hz, err); break;
        case 'A': o->all_cpus = true; break;
        case 'L': o->want_live = true; break;
        case 'G': o->gil = true; break;
        case 'O': rc = pb__cli_parse_order(optarg, &o->order, err); break;
        case 'S': rc = pb__cli_parse_u64("--seed", optarg, 0, UINT64_MAX, &o->seed, err); break;
        case 'I': o->ipc_text = optarg; break;
        case 'P':
            rc = pb_wait_parse(optarg, &o->wait.kind, err);
            o->have_wait = true;
            break;
        case 'U': rc = pb__cli_parse_count("--spin-us", optarg, 1, PB_SPIN_US_MAX, &o->spin_us, err); break;
        case 'M': o->launch.launcher = optarg; break;
        case 'F': o->launch.hostfile = optarg; break;
        case 'v': o->launch.verbose = true; break;
        case 'T': rc = pb__cli_parse_seconds("--task-timeout", optarg, 86400, &o->task_timeout_ns, err); break;
        case ':':
            rc = pb_fail(err, PB_E_ARG, _("%s needs a value"), argv[optind - 1]);
            break;
        default:
            rc = pb_fail(err, PB_E_ARG, _("unknown option '%s'"), argv[optind - 1]);
            break;
        }
        if (rc)
            return rc;
    }
    if (optind < argc)
        return pb_fail(err, PB_E_ARG, _("unexpected argument '%s' (workloads are given with --workload)"),
                       argv[optind]);
    if (o->spin_us && o->have_wait && o->wait.kind != PB_WAIT_ADAPTIVE)
        return pb_fail(err, PB_E_ARG, _("--spin-us is the spin bound of --wait adaptive; --wait %s does not use it"),
                       pb_wait_name(o->wait.kind));
    o->wait.spin_ns = (int64_t)o->spin_us * 1000;
    return 0;
}

/* Jobs: from --workload, or from a suite; --backend, --workers and --ipc
 * over every job's own. */
static int make_jobs(run_options *o, pb_error *err)
{
    int rc = 0;
    if (o->backend_text && (rc = pb__cli_parse_backends(o->backend_text, &o->backends, err)))
        return rc;
    if (o->workers_text && (rc = pb__cli_parse_workers(o->workers_text, &o->workers, err)))
        return rc;
    if (o->have_pin) {
        const pb_topology *topo = pb_topology_this(err);
        if (!topo)
            return err->code;
        if ((rc = pb_pin_check(topo, &o->pin, err)))
            return rc;
    }
    o->ipc = 1u << PB_IPC_ARENA;
    if (o->ipc_text && (rc = pb__cli_parse_ipc(o->ipc_text, &o->ipc, err)))
        return rc;
    if ((o->launch.launcher || o->launch.hostfile) && (rc = pb_launch_check(&o->launch, err)))
        return rc;
    o->launch.sample_hz = o->sample_hz;
    o->launch.sample_all_cpus = o->all_cpus;
    const pb_suite *suite = NULL;
    if (o->suite_name && o->njobs)
        return pb_fail(err, PB_E_ARG, "%s",
                       _("--suite and --workload cannot be combined (a suite names its own workloads)"));
    if (o->suite_name || !o->njobs) {
        suite = pb_find_suite(o->suite_name ? o->suite_name : "default");
        if (!suite) {
            char names[256];
            size_t len = 0;
            for (const pb_suite *s = pb_suites; s->name; s++)
                len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", s->name);
            return pb_fail(err, PB_E_ARG, _("--suite: unknown suite '%s' (suites: %s)"), o->suite_name, names);
        }
        for (const pb_suite_entry *e = suite->entries; e->workload; e++, o->njobs++) {
            pb_job *j = &o->jobs[o->njobs];
            if ((rc = pb__cli_parse_workload(e->workload, &j->spec, err)) ||
                (rc = pb__cli_parse_backends(e->backends, &j->backends, err)) ||
                (rc = pb__cli_parse_workers(e->workers, &j->workers, err)) ||
                (rc = pb__cli_parse_ipc(e->ipc ? e->ipc : "arena", &j->ipc, err)))
                return rc;
        }
        if (!o->have_reps)
            o->reps = suite->reps;
        if (!o->have_warmup)
            o->warmup = suite->warmup;
    } else {
        if (!o->have_reps)
            o->reps = 5;
        if (!o->have_warmup)
            o->warmup = 1;
        for (unsigned i = 0; i < o->njobs; i++) {
            pb__cli_parse_backends("all", &o->jobs[i].backends, err);
            pb__cli_parse_workers("1,cores", &o->jobs[i].workers, err);
            o->jobs[i].ipc = 1u << PB_IPC_ARENA;
        }
    }
    for (unsigned i = 0; i < o->njobs; i++) {
        if (o->backend_text)
            o->jobs[i].backends = o->backends;
        if (o->workers_text)
            o->jobs[i].workers = o->workers;
        if (o->ipc_text)
            o->jobs[i].ipc = o->ipc;
    }
    return 0;
}

/* Configurations, all known before anything runs: every job's backends x
 * transports x worker counts. */
static int make_configs(run_options *o, pb_config *configs, unsigned *nconfigs_out, bool *uses_mpi_out,
                        pb_error *err)
{
    unsigned nconfigs = 0, pus = pb_allowed_pus();
    bool uses_mpi = false;
    for (unsigned i = 0; i < o->njobs; i++) {
        const pb_job *job = &o->jobs[i];
        size_t ntasks = job->spec.workload->count_tasks(&job->spec.params);
        for (unsigned b = 0; b < job->backends.count; b++) {
            const pb_backend *be = job->backends.backend[b];
            unsigned ws[PB_MAX_WORKERS], nw;
            if (be->max_workers == 1) {   /* serial: one worker, whatever --workers says */
                ws[0] = 1;
                nw = 1;
            } else {
                nw = pb__cli_resolve_workers(&job->workers, pus, ntasks, ws, PB_MAX_WORKERS);
            }
            pb_ipc_set want = job->ipc;
            if (!o->ipc_text && !(want & be->ipc_mask) && want == 1u << PB_IPC_ARENA)
                want = be->ipc_mask;   /* no transport named: a backend without the arena uses its own (mpi: tcp) */
            if (be == &pb_backend_mpi)
                uses_mpi = true;
            for (unsigned t = 0; t <= PB_IPC_TCP; t++) {
                if (!(want & be->ipc_mask & (1u << t)))
                    continue;
                for (unsigned k = 0; k < nw; k++) {
                    if (nconfigs == MAX_CONFIGS)
                        return pb_fail(err, PB_E_RANGE, _("more than %d configurations: run fewer at a time"),
                                       MAX_CONFIGS);
                    configs[nconfigs++] = (pb_config){ .workload = job->spec.workload,
                                                       .params = job->spec.params,
                                                       .backend = be, .workers = ws[k],
                                                       .reps = o->reps, .warmup = o->warmup,
                                                       .chunk = o->chunk, .ipc = (pb_ipc)t,
                                                       .task_timeout_ns = o->task_timeout_ns,
                                                       .pin = o->have_pin ? &o->pin : NULL, .gil = o->gil,
                                                       .wait = o->wait, .launch = &o->launch };
                }
            }
        }
    }
    *nconfigs_out = nconfigs;
    *uses_mpi_out = uses_mpi;
    if (nconfigs == 0)
        return pb_fail(err, PB_E_ARG, _("--ipc %s: none of the backends asked for offers it (pipe: process-pool only; "
                                 "tcp: mpi only)"), o->ipc_text ? o->ipc_text : "arena");
    if (!uses_mpi && (o->launch.launcher || o->launch.hostfile || o->launch.verbose))
        return pb_fail(err, PB_E_ARG, _("%s: only the mpi backend uses it, and no mpi run was asked for (add -b mpi)"),
                       o->launch.hostfile ? "--hosts" : o->launch.launcher ? "--mpirun" : "--verbose");
    if (uses_mpi && !o->launch.launcher && pb_launch_check(&o->launch, err))
        return pb_fail(err, PB_E_ARG, "%s", _("--backend mpi: the launcher 'mpirun' is not a program on PATH (Debian: "
                                       "apt-get install openmpi-bin; or name one with --mpirun)"));
    return 0;
}

/* libgomp reads its wait policy once, when the process starts: if an
 * openmp configuration will run and this process's environment says
 * otherwise, set it and start again (once; a refusal is then reported
 * by the openmp runs themselves) */
static void restart_for_openmp(const pb_config *configs, unsigned nconfigs, const pb_wait_policy *wait, int argc,
                               char **argv)
{
    for (unsigned i = 0; i < nconfigs; i++) {
        char why[512];
        if (configs[i].backend != &pb_backend_openmp || pb__openmp_env_ready(wait, why, sizeof why))
            continue;
        if (!getenv("PARBENCH_OPENMP_RESTARTED")) {
            pb__openmp_env_set(wait);
            setenv("PARBENCH_OPENMP_RESTARTED", "1", 1);
            char **again = calloc((size_t)argc + 2, sizeof *again);
            if (again) {
                again[0] = program_invocation_name;
                memcpy(again + 1, argv, (size_t)argc * sizeof *argv);
                fflush(NULL);
                execvp(again[0], again);
            }
            fprintf(stderr, _("parbench run: warning: cannot start again with the environment libgomp needs (%s)\n"),
                    strerror(errno));
        }
        break;
    }
}

/* libgomp's idle threads under OMP_WAIT_POLICY=ACTIVE spin for minutes
 * and cannot be rested: interleaved with other configurations they take
 * a CPU from them (measured: one task took 3.8 ms instead of 12 us) */
static void warn_openmp_active(const pb_config *configs, unsigned nconfigs, const run_options *o)
{
    unsigned omp_configs = 0;
    for (unsigned i = 0; i < nconfigs; i++)
        omp_configs += configs[i].backend == &pb_backend_openmp;
    if (omp_configs && omp_configs < nconfigs && o->order == PB_ORDER_INTERLEAVED && o->wait.kind == PB_WAIT_ACTIVE)
        fputs(_("parbench run: warning: --wait active: libgomp's idle openmp threads spin between openmp's "
                "runs and take CPU from the configurations interleaved with them; --order grouped "
                "measures them apart\n"), stderr);
}

int pb__cmd_run(int argc, char **argv)
{
    static run_options o;      /* the configurations point into it (pin, launch) while they run */
    static pb_config configs[MAX_CONFIGS];
    unsigned nconfigs = 0;
    bool uses_mpi = false;
    pb_error err = { 0 };
    if (parse_options(argc, argv, &o, &err))
        return usage_error(&err);
    if (o.help) {
        print_help();
        return PB_EXIT_OK;
    }
    if (make_jobs(&o, &err) || make_configs(&o, configs, &nconfigs, &uses_mpi, &err) ||
        (o.out && pb_resultset_check_dir(o.out, &err)))
        return usage_error(&err);
    restart_for_openmp(configs, nconfigs, &o.wait, argc, argv);
    warn_openmp_active(configs, nconfigs, &o);
    if (o.sample_hz == 0 && o.want_live) {
        pb_fail(&err, PB_E_ARG, "%s", _("--live draws from the CPU sampler, which --sample-hz 0 turns off"));
        return usage_error(&err);
    }
    return pb__run_record(&(pb__run_request){ .configs = configs, .nconfigs = nconfigs, .reps = o.reps,
                                              .warmup = o.warmup, .order = o.order, .seed = o.seed, .out = o.out,
                                              .quiet = o.quiet, .want_live = o.want_live, .sample_hz = o.sample_hz,
                                              .all_cpus = o.all_cpus, .uses_mpi = uses_mpi, .launch = &o.launch,
                                              .argc = argc, .argv = argv });
}
