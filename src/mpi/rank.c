/* parbench-mpi-rank: one MPI rank of the mpi backend.
 *
 * The launcher (mpirun, srun) starts W of these; each connects back to the
 * parbench that asked for them (one TCP stream each, src/backends/mpi_wire.h),
 * builds the same plan from the same workload text, binds itself when --pin
 * asks, says hello and waits. For every run the parent sends GO to rank 0
 * alone; rank 0 passes it on (MPI_Ibcast), every rank meets the others at
 * MPI_Ibarrier (the start gate) and stamps its gate time, then runs its
 * static block of tasks, or claims chunks from a counter held by rank 0
 * with --chunk: rank 0 is the queue. The counter is an MPI window
 * (MPI_Fetch_and_op: on one host, an atomic in shared memory that needs
 * nothing of rank 0); where the MPI library offers no window across the
 * hosts, claims are messages that rank 0 answers between its own tasks. Each
 * outcome goes to the parent as the task ends, with the task's slice of the
 * output; DONE closes the rank's part of the run.
 *
 * Waiting follows one policy everywhere: test the MPI request (or the
 * socket) in a loop for PB_RANK_SPIN_NS when every rank of the host has a PU
 * of its own, else not at all; then yield; then sleep. An idle rank sleeps
 * in poll() on its socket after telling the parent (SLEEP), which wakes it
 * with WAKE when the next run starts: idle ranks cost no CPU, and ranks of
 * a configuration that is not running leave the PUs to one that is.
 *
 * A rank dies with the parbench that started it: a thread watches the
 * stream (closed when parbench ends, however it ends) and the launcher (a
 * new parent pid means the launcher died), and ends the process. A crash
 * signal in a task is reported (FAULT, from the handler) before the rank
 * dies of it; the launcher then ends the job.
 *
 * Here: start-up (options, connecting back, the plan, binding, the claim
 * window, the host's sampler); rank_stream.c is the stream to parbench,
 * rank_wait.c the waiting, rank_runs.c the runs, rank_bare.c bench/overhead's
 * bare MPI rounds. */
#include <getopt.h>
#include <mpi.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parbench/machine.h"
#include "parbench/registry.h"
#include "parbench/topology.h"
#include "rank.h"

/* Between runs a rank tests for the next one awake this long before it
 * sleeps, when every rank of its host and parbench have a PU each: the
 * start gate's spin of the forked backends (src/backends/worker/gate.c), which saves
 * the next run a wake-up (tens to hundreds of us on this kind of VM) when
 * it follows at once. With as many ranks as PUs, spinning ranks would take
 * the PU parbench needs between runs (measured: one-task runs back to back
 * went from ~100 us to ~570 us), so they sleep at once. */
#define PB_RANK_SPIN_NS 50000
/* Within a run (the start barrier, claims, the end barrier) a rank tests
 * its request in a tight loop only this long, then calls sched_yield()
 * between tests: on an idle PU that returns at once (a spin that costs a
 * system call per test), on a busy one it lets the others run. Measured on
 * the shared 2-vCPU VM (load 3-4 from other work), one-task runs with 2
 * ranks: spinning 200 us at the barrier and while waiting for the Bcast,
 * median 600 us (the spinning rank kept the PU rank 0 needed to wake);
 * yielding at once, 70 us. The few us of spin catch a partner that is
 * already there (a bare MPI_Barrier is 0.3 us) without a system call. */
#define RUN_SPIN_NS 2000

int pb__rank_id, pb__world_size;
int pb__parent_fd = -1;
int64_t pb__spin_ns;
int64_t pb__run_spin_ns;
pid_t pb__launcher_pid;
pb_sampler *pb__node_sampler;
_Atomic int64_t pb__current_task = -1;

static void die(const char *fmt, const char *what)
{
    fprintf(stderr, "parbench-mpi-rank %d: ", pb__rank_id);
    fprintf(stderr, fmt, what);
    fputc('\n', stderr);
    if (pb__parent_fd >= 0) {
        char text[512];
        snprintf(text, sizeof text, fmt, what);
        char line[600];
        snprintf(line, sizeof line, "rank %d: %s", pb__rank_id, text);
        pb__wire_send(pb__parent_fd, PB_WIRE_FAIL, line, strlen(line) + 1, NULL, 0);
    }
    MPI_Abort(MPI_COMM_WORLD, 1);
    _exit(1);
}

/* Under ThreadSanitizer (tools/hardening): Open MPI and the libraries it
 * brings (libevent, PMIx, its components) are not built with it, so their
 * own locking is not ours to judge (seen: a lock-order report within
 * mca_btl_tcp and a "double lock" of libevent's recursive mutex, both in
 * MPI_Init); parbench's own code in this program is still checked. */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
#define OPEN_MPI_LIBS(kind) kind ":libmpi.so\n" kind ":libopen-pal.so\n" kind ":libopen-rte.so\n" \
    kind ":libpmix.so\n" kind ":libevent_core\n" kind ":libevent_pthreads\n" kind ":libhwloc.so\n"
    /* called_from_lib names one library each; the others match frames, so mca_ covers the components */
    return OPEN_MPI_LIBS("called_from_lib") OPEN_MPI_LIBS("race") "race:mca_\n" OPEN_MPI_LIBS("deadlock")
        "deadlock:mca_\n" OPEN_MPI_LIBS("mutex") "mutex:mca_\n" OPEN_MPI_LIBS("thread") OPEN_MPI_LIBS("signal");
#undef OPEN_MPI_LIBS
}

/* Rank r's entry of --place: PU lists of every rank, "0,1/2,3/-" ("-":
 * unbound), as parbench placed them on its own machine's topology. */
static int parse_place(const char *text, int r, pb_worker_place *wp)
{
    memset(wp, 0, sizeof *wp);
    const char *p = text;
    for (int k = 0; k < r; k++) {
        p = strchr(p, '/');
        if (!p)
            return -1;
        p++;
    }
    if (*p == '-')
        return 0;
    while (*p && *p != '/') {
        char *end;
        long pu = strtol(p, &end, 10);
        if (end == p || pu < 0 || wp->count == PB_PLACE_MAX_PUS)
            return -1;
        wp->pu[wp->count++] = (int)pu;
        p = *end == ',' ? end + 1 : end;
    }
    return wp->count ? 0 : -1;
}

static const char usage[] =
"Usage: parbench-mpi-rank --port P --connect ADDRS --parent-host H --parent-boot ID\n"
"                         (--workload SPEC [--chunk N] [--place LISTS] [--sample-hz N [--sample-all-cpus]] | --bare)\n"
"One rank of parbench's mpi backend; parbench starts these through the MPI\n"
"launcher (mpirun, srun) with the secret " PB_WIRE_TOKEN_ENV " in the environment.\n";

/* The command line: what parbench started this rank with. */
typedef struct rank_options {
    const char *addrs, *parent_host, *parent_boot, *spec, *place, *token;
    unsigned port, sample_hz;
    uint64_t chunk;
    bool bare, all_cpus;
} rank_options;

static void parse_options(int argc, char **argv, rank_options *o)
{
    static const struct option longopts[] = {
        { "port", required_argument, NULL, 'P' },
        { "connect", required_argument, NULL, 'c' },
        { "parent-host", required_argument, NULL, 'H' },
        { "parent-boot", required_argument, NULL, 'B' },
        { "workload", required_argument, NULL, 'w' },
        { "chunk", required_argument, NULL, 'C' },
        { "place", required_argument, NULL, 'p' },
        { "sample-hz", required_argument, NULL, 's' },
        { "sample-all-cpus", no_argument, NULL, 'A' },
        { "bare", no_argument, NULL, 'b' },
        { NULL, 0, NULL, 0 },
    };
    *o = (rank_options){ .addrs = "", .parent_host = "", .parent_boot = "" };
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'P': o->port = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'c': o->addrs = optarg; break;
        case 'H': o->parent_host = optarg; break;
        case 'B': o->parent_boot = optarg; break;
        case 'w': o->spec = optarg; break;
        case 'C': o->chunk = strtoull(optarg, NULL, 10); break;
        case 'p': o->place = optarg; break;
        case 's': o->sample_hz = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'A': o->all_cpus = true; break;
        case 'b': o->bare = true; break;
        default:
            fputs(usage, stderr);
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
    }
    o->token = getenv(PB_WIRE_TOKEN_ENV);
    if (!o->port || !o->token || strlen(o->token) != PB_WIRE_TOKEN_LEN || (!o->spec && !o->bare)) {
        fputs(usage, stderr);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
}

/* Connect back to parbench (the hello is filled in but not sent), start the
 * watcher and the crash report. true: this rank runs on parbench's host. */
static bool connect_back(const rank_options *o, pb_wire_hello *hello)
{
    memset(hello, 0, sizeof *hello);
    hello->magic = PB_WIRE_MAGIC;
    hello->version = PB_WIRE_VERSION;
    hello->layout = pb__wire_layout();
    memcpy(hello->token, o->token, PB_WIRE_TOKEN_LEN);
    hello->rank = (uint32_t)pb__rank_id;
    hello->size = (uint32_t)pb__world_size;
    hello->pid = getpid();
    gethostname(hello->host, sizeof hello->host - 1);
    pb__wire_boot_id(hello->boot_id, sizeof hello->boot_id);
    bool local = strcmp(hello->host, o->parent_host) == 0 && strcmp(hello->boot_id, o->parent_boot) == 0;
    pb__parent_fd = pb__rank_connect_parent(local, o->addrs, o->port);
    if (pb__parent_fd < 0)
        die("cannot connect back to parbench (%s)", local ? "127.0.0.1" : o->addrs);
    pthread_t watcher;
    if (pthread_create(&watcher, NULL, pb__rank_watch_parent, NULL) != 0)
        die("cannot start the thread that %s", "watches parbench");
    pb__rank_install_crash_report();
    return local;
}

/* The plan, from the same text as the parent's. */
static void make_plan(pb__rank_job *job, const char *spec, pb_wire_hello *hello)
{
    char name[64];
    const char *colon = strchr(spec, ':');
    size_t nl = colon ? (size_t)(colon - spec) : strlen(spec);
    snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1), spec);
    const pb_workload *w = pb_find_workload(name);
    if (!w)
        die("unknown workload '%s'", name);
    pb_params params;
    pb_error err = { 0 };
    if (pb_params_init(&params, w->params, name, &err) || (colon && pb_params_parse(&params, name, colon + 1, &err)) ||
        pb_plan_create(&job->plan, w, &params, &err))
        die("%s", err.msg);
    job->plan.owner_pid = -1;   /* a rank is a worker process: fault=exit ends it, as it ends a forked worker */
    hello->ntasks = job->plan.ntasks;
}

/* --chunk: rank 0's counter as a window, if the library offers one over
 * these hosts (Open MPI 4.1's osc/ucx may not over TCP); else claims go by
 * messages. */
static void open_claim_window(pb__rank_job *job)
{
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int ok = MPI_Win_allocate(pb__rank_id == 0 ? (MPI_Aint)sizeof(uint64_t) : 0, sizeof(uint64_t), MPI_INFO_NULL,
                              MPI_COMM_WORLD, &job->counter, &job->win) == MPI_SUCCESS, all = 0;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (ok && !all)
        MPI_Win_free(&job->win);
    job->by_window = all;
    if (job->by_window)
        MPI_Win_lock_all(MPI_MODE_NOCHECK, job->win);
}

/* This host's sampler, run by its first rank, when the host is not
 * parbench's and parbench samples: the CPUs this process may use, or all. */
static void start_node_sampler(unsigned sample_hz, bool all_cpus)
{
    int cpus[4096];
    unsigned ncpus = 0;
    pb_error err = { 0 };
    const pb_topology *topo = pb_topology_this(&err);
    if (!all_cpus && topo)
        ncpus = pb_topology_usable(topo, cpus, 4096);
    if (pb_sampler_create(&pb__node_sampler, sample_hz, ncpus ? cpus : NULL, ncpus, &err))
        die("%s", err.msg);
}

int main(int argc, char **argv)
{
    pb__launcher_pid = getppid();
    /* parbench's interrupt thread owns SIGINT/TERM/HUP: a launcher may pass its mask on */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int provided;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "parbench-mpi-rank: MPI_Init_thread failed\n");
        return 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &pb__rank_id);
    MPI_Comm_size(MPI_COMM_WORLD, &pb__world_size);
    rank_options o;
    parse_options(argc, argv, &o);

    pb_wire_hello hello;
    bool local = connect_back(&o, &hello);

    pb__rank_job job;
    memset(&job, 0, sizeof job);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, pb__rank_id, MPI_INFO_NULL, &job.node);
    int lr, ls;
    MPI_Comm_rank(job.node, &lr);
    MPI_Comm_size(job.node, &ls);
    hello.local_rank = (uint32_t)lr;
    hello.local_size = (uint32_t)ls;
    hello.pus = pb_allowed_pus();
    bool oversubscribed = hello.local_size > hello.pus;   /* more ranks on this host than PUs */
    pb__spin_ns = hello.local_size < hello.pus ? PB_RANK_SPIN_NS : 0;
    pb__run_spin_ns = oversubscribed ? 0 : RUN_SPIN_NS;
    hello.spins = pb__spin_ns > 0;

    if (o.bare) {
        pb__rank_send_or_die(PB_WIRE_HELLO, &hello, sizeof hello, NULL, 0);
        pb__rank_serve_bare();
        MPI_Finalize();
        return 0;
    }

    make_plan(&job, o.spec, &hello);
    if (o.place) {   /* --pin: the PUs parbench placed this rank on */
        pb_worker_place wp;
        if (parse_place(o.place, pb__rank_id, &wp) != 0)
            die("--place '%s' has no entry for this rank", o.place);
        pb_error bind_err;
        if (pb_bind_self(&wp, &bind_err) != 0)
            snprintf(hello.bind_refusal, sizeof hello.bind_refusal, "%s", bind_err.msg);
    }
    job.chunk = o.chunk;
    if (o.chunk)
        open_claim_window(&job);
    job.node_barrier = !local && o.sample_hz > 0;
    job.sampling = job.node_barrier && lr == 0;
    if (job.sampling)
        start_node_sampler(o.sample_hz, o.all_cpus);
    pb__rank_send_or_die(PB_WIRE_HELLO, &hello, sizeof hello, NULL, 0);

    pb__rank_serve_runs(&job);

    if (job.by_window) {
        MPI_Win_unlock_all(job.win);
        MPI_Win_free(&job.win);
    }
    if (pb__node_sampler)
        pb_sampler_destroy(pb__node_sampler);
    MPI_Comm_free(&job.node);
    MPI_Finalize();
    return 0;
}
