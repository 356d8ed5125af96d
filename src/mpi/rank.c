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
 * dies of it; the launcher then ends the job. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <mpi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backends/mpi_wire.h"
#include "parbench/backend.h"
#include "parbench/clock.h"
#include "parbench/machine.h"
#include "parbench/registry.h"
#include "parbench/sampler.h"
#include "parbench/topology.h"

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
#define YIELD_NS 1000000          /* then sched_yield between tests for this long */
#define SLEEP_MAX_NS 1000000      /* then sleeps growing to this between tests */
#define POST_WAKE_NS 2000000     /* a woken rank stays awake (yielding) this long for the Bcast */
#define IDLE_POLL_MS 100          /* a sleeping rank still tests MPI this often (a safety net: WAKE comes first) */
#define CONNECT_TIMEOUT_MS 5000   /* per address the parent advertised */

static int parent_fd = -1;
static _Atomic int64_t current_task = -1;   /* for the crash handler */
static int64_t spin_ns;          /* between runs */
static int64_t run_spin_ns;      /* within a run */
static bool oversubscribed;      /* more ranks on this host than PUs */

static int rank_id, world_size;

static void die(const char *fmt, const char *what)
{
    fprintf(stderr, "parbench-mpi-rank %d: ", rank_id);
    fprintf(stderr, fmt, what);
    fputc('\n', stderr);
    if (parent_fd >= 0) {
        char text[512];
        snprintf(text, sizeof text, fmt, what);
        char line[600];
        snprintf(line, sizeof line, "rank %d: %s", rank_id, text);
        pb__wire_send(parent_fd, PB_WIRE_FAIL, line, strlen(line) + 1, NULL, 0);
    }
    MPI_Abort(MPI_COMM_WORLD, 1);
    _exit(1);
}

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* ---- the stream to parbench -------------------------------------------- */

static int connect_one(const char *addr, unsigned port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int e = 0;
    socklen_t len = sizeof e;
    if (poll(&p, 1, CONNECT_TIMEOUT_MS) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0 || e) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* The parent listens on 127.0.0.1 when every rank is on its host; else on
 * every address, of which it lists the IPv4 ones. */
static int connect_parent(bool local, const char *addrs, unsigned port)
{
    if (local) {
        int fd = connect_one("127.0.0.1", port);
        if (fd >= 0)
            return fd;
    }
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", addrs);
    char *save = NULL;
    for (char *a = strtok_r(buf, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
        int fd = connect_one(a, port);
        if (fd >= 0)
            return fd;
    }
    return -1;
}

/* One message from the parent without waiting (NULL when none is whole). */
static pb_wire_reader inbox;

static const void *poll_parent(pb_wire_head *h)
{
    const void *m = pb__wire_next(&inbox, h);
    if (m)
        return m;
    if (pb__wire_fill(&inbox, parent_fd) < 0)
        _exit(70);                 /* parbench is gone */
    return pb__wire_next(&inbox, h);
}

static void send_or_die(uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
    if (pb__wire_send(parent_fd, type, a, alen, b, blen) != 0)
        _exit(70);                 /* parbench is gone: so are we */
}

static pid_t launcher_pid;

static void *watch_parent(void *arg)
{
    (void)arg;
    for (;;) {
        struct pollfd p = { .fd = parent_fd, .events = POLLRDHUP };
        int n = poll(&p, 1, 100);
        if (n > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
            _exit(70);             /* parbench closed the stream or died */
        if (getppid() != launcher_pid)
            _exit(71);             /* the launcher (or its daemon) died */
    }
    return NULL;
}

static void on_crash(int sig)
{
    struct {
        pb_wire_head h;
        pb_wire_fault f;
    } m;
    memset(&m, 0, sizeof m);
    m.h.type = PB_WIRE_FAULT;
    m.h.len = sizeof m.f;
    m.f.task = atomic_load(&current_task);
    m.f.signal = sig;
    ssize_t ignored = send(parent_fd, &m, sizeof m, MSG_NOSIGNAL);
    (void)ignored;
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_crash_report(void)
{
    static const int crash[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (size_t i = 0; i < sizeof crash / sizeof crash[0]; i++)
        sigaction(crash[i], &sa, NULL);   /* over Open MPI's own backtrace printer */
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core);
}

/* ---- waiting ------------------------------------------------------------ */

/* Wait for a request that others complete soon (a collective in a run):
 * spin, then yield, then sleep in growing steps. */
static void wait_soon(MPI_Request *req)
{
    int flag = 0;
    int64_t t0 = pb_now_ns(), nap = 20000;
    for (;;) {
        MPI_Test(req, &flag, MPI_STATUS_IGNORE);
        if (flag)
            return;
        int64_t waited = pb_now_ns() - t0;
        if (waited < run_spin_ns) {
            relax();
        } else if (waited < run_spin_ns + YIELD_NS) {
            sched_yield();
        } else {
            struct timespec ts = { 0, nap };
            nanosleep(&ts, NULL);
            nap = nap * 2 < SLEEP_MAX_NS ? nap * 2 : SLEEP_MAX_NS;
        }
    }
}

/* Ranks other than 0 between runs: wait for rank 0's Bcast of the next
 * command; after the spin, sleep on the socket until the parent's WAKE. */
static void wait_idle(MPI_Request *req, uint32_t run)
{
    int flag = 0;
    int64_t t0 = pb_now_ns();
    for (;;) {
        MPI_Test(req, &flag, MPI_STATUS_IGNORE);
        if (flag)
            return;
        if (pb_now_ns() - t0 >= spin_ns)
            break;
        relax();
    }
    for (;;) {
        pb_wire_run r = { run };
        send_or_die(PB_WIRE_SLEEP, &r, sizeof r, NULL, 0);
        bool woken = false;
        while (!woken) {
            struct pollfd p = { .fd = parent_fd, .events = POLLIN };
            poll(&p, 1, IDLE_POLL_MS);
            pb_wire_head h;
            const void *m;
            while ((m = poll_parent(&h)) != NULL)
                if (h.type == PB_WIRE_WAKE && h.len == sizeof(pb_wire_run) &&
                    ((const pb_wire_run *)m)->run >= run)
                    woken = true;      /* an older run's WAKE, read late, is not one */
            MPI_Test(req, &flag, MPI_STATUS_IGNORE);
            if (flag)
                return;
        }
        int64_t t1 = pb_now_ns();
        while (pb_now_ns() - t1 < POST_WAKE_NS) {
            MPI_Test(req, &flag, MPI_STATUS_IGNORE);
            if (flag)
                return;
            sched_yield();
        }
    }
}

/* Rank 0 between runs: the parent's next command (a run number, or -1 to
 * quit). Spins on the socket, then sleeps in poll(). */
static int32_t wait_command(int64_t *at)
{
    int64_t t0 = pb_now_ns();
    for (;;) {
        pb_wire_head h;
        const void *m;
        while ((m = poll_parent(&h)) != NULL) {
            if (h.type == PB_WIRE_GO && h.len == sizeof(pb_wire_run)) {
                *at = pb_now_ns();
                return (int32_t)((const pb_wire_run *)m)->run;
            }
            if (h.type == PB_WIRE_QUIT) {
                *at = pb_now_ns();
                return -1;
            }
        }
        if (pb_now_ns() - t0 < spin_ns) {
            relax();
            continue;
        }
        struct pollfd p = { .fd = parent_fd, .events = POLLIN };
        poll(&p, 1, -1);
    }
}

/* ---- a node's sampler (hosts other than parbench's) ---------------------- */

static pb_sampler *node_sampler;

static void send_samples(uint32_t run)
{
    unsigned ncpus = pb_sampler_cpus(node_sampler);
    size_t n = pb_sampler_intervals(node_sampler, NULL);
    size_t per = 2 * sizeof(int64_t) + (size_t)ncpus * 3 * sizeof(float);
    size_t bytes = (size_t)ncpus * sizeof(int32_t) + n * per;
    unsigned char *data = malloc(bytes ? bytes : 1);
    if (!data)
        return;
    unsigned char *p = data;
    for (unsigned c = 0; c < ncpus; c++) {
        int32_t id = pb_sampler_cpu_id(node_sampler, c);
        memcpy(p, &id, sizeof id);
        p += sizeof id;
    }
    for (size_t k = 0; k < n; k++) {
        int64_t end = pb_sampler_interval_end(node_sampler, k), len = pb_sampler_interval_ns(node_sampler, k);
        memcpy(p, &end, sizeof end);
        memcpy(p + sizeof end, &len, sizeof len);
        p += 2 * sizeof(int64_t);
        for (unsigned c = 0; c < ncpus; c++) {
            pb_cpu_share s = pb_sampler_share(node_sampler, k, c);
            float f[3] = { s.user, s.system, s.steal };
            memcpy(p, f, sizeof f);
            p += sizeof f;
        }
    }
    pb_wire_samples head = { .run = run, .ncpus = ncpus, .intervals = n };
    send_or_die(PB_WIRE_SAMPLES, &head, sizeof head, data, bytes);
    free(data);
}

/* ---- runs --------------------------------------------------------------- */

typedef struct rank_job {
    pb_plan plan;
    uint64_t chunk;            /* 0: static blocks */
    bool by_window;            /* chunk: claims by MPI_Fetch_and_op on win, else by messages to rank 0 */
    MPI_Win win;               /* rank 0's counter */
    uint64_t *counter;
    uint64_t next;             /* by messages: rank 0's counter */
    unsigned final_grants;     /* by messages: ranks told "no task left" in this run */
    bool holding;              /* the last outcome, kept to go out with DONE */
    pb_wire_outcome held;
    const void *held_slice;
    MPI_Comm node;             /* the ranks of this host */
    bool sampling;             /* this rank runs its host's sampler */
    bool node_barrier;         /* the ranks of this host meet after their tasks (a sampler runs here) */
} rank_job;

/* Run task t and send its outcome; `last`: keep it, to go out with DONE. */
static void run_task(rank_job *j, uint64_t t, bool last)
{
    pb_outcome *o = &j->plan.outcomes[t];
    memset(o, 0, sizeof *o);
    atomic_store(&current_task, (int64_t)t);
    pb_run_one_task(&j->plan, t, rank_id, o);
    atomic_store(&current_task, -1);
    size_t off = 0, bytes = 0;
    if (j->plan.workload->task_output)
        j->plan.workload->task_output(&j->plan, t, &off, &bytes);
    pb_wire_outcome w;
    memset(&w, 0, sizeof w);
    w.task = t;
    w.outcome = *o;
    w.output_bytes = bytes;
    const void *slice = bytes ? (const unsigned char *)j->plan.output + off : NULL;
    if (last && !j->sampling) {
        j->held = w;
        j->held_slice = slice;
        j->holding = true;
        return;
    }
    send_or_die(PB_WIRE_OUTCOME, &w, sizeof w, slice, bytes);
}

enum { TAG_CLAIM = 11, TAG_GRANT = 12 };

/* Rank 0, claims by messages: answer those waiting; with `to_the_end`,
 * until every other rank has been told that no task is left. */
static void serve_claims(rank_job *j, bool to_the_end)
{
    if (!j->chunk || j->by_window)
        return;
    int64_t idle_since = pb_now_ns(), nap = 20000;
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_CLAIM, MPI_COMM_WORLD, &flag, &st);
        if (flag) {
            char none;
            MPI_Recv(&none, 0, MPI_CHAR, st.MPI_SOURCE, TAG_CLAIM, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            uint64_t idx = j->next;
            j->next += j->chunk;
            if (idx >= j->plan.ntasks)
                j->final_grants++;
            MPI_Send(&idx, 1, MPI_UINT64_T, st.MPI_SOURCE, TAG_GRANT, MPI_COMM_WORLD);
            idle_since = pb_now_ns();
            nap = 20000;
            continue;
        }
        /* the ranks that claim at all: those whose first chunk held tasks */
        uint64_t chunks = (j->plan.ntasks + j->chunk - 1) / j->chunk;
        unsigned claimers = (unsigned)(chunks < (uint64_t)world_size ? chunks : (uint64_t)world_size) - 1;
        if (!to_the_end || j->final_grants >= claimers)
            return;
        int64_t waited = pb_now_ns() - idle_since;   /* the others are still in their tasks */
        if (waited < run_spin_ns) {
            relax();
        } else if (waited < run_spin_ns + YIELD_NS) {
            sched_yield();
        } else {
            struct timespec ts = { 0, nap };
            nanosleep(&ts, NULL);
            nap = nap * 2 < SLEEP_MAX_NS ? nap * 2 : SLEEP_MAX_NS;
        }
    }
}

/* The first task of the next chunk (>= ntasks: none left). */
static uint64_t claim(rank_job *j)
{
    uint64_t idx = 0;
    if (j->by_window) {
        MPI_Fetch_and_op(&j->chunk, &idx, MPI_UINT64_T, 0, 0, MPI_SUM, j->win);
        MPI_Win_flush(0, j->win);
    } else if (rank_id == 0) {
        idx = j->next;
        j->next += j->chunk;
    } else {
        char none = 0;
        MPI_Request req;
        MPI_Send(&none, 0, MPI_CHAR, 0, TAG_CLAIM, MPI_COMM_WORLD);
        MPI_Irecv(&idx, 1, MPI_UINT64_T, 0, TAG_GRANT, MPI_COMM_WORLD, &req);
        wait_soon(&req);
    }
    return idx;
}

static int64_t tv_ns(struct timeval tv)
{
    return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

static int64_t process_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void one_run(rank_job *j, uint32_t run, int64_t go_ns)
{
    pb_wire_done d = { .run = run, .go_ns = go_ns };
    struct rusage ru0, ru1;
    int64_t cpu0 = process_cpu_ns();
    getrusage(RUSAGE_SELF, &ru0);
    int64_t sampler0 = 0;
    if (j->sampling) {
        pb_sampler_start(node_sampler);
        sampler0 = pb_sampler_cpu_ns(node_sampler);
    }
    /* each rank's first chunk is its rank's (no claim, so no rank waits for
     * rank 0 to answer before it starts); the queue holds the rest */
    uint64_t first_chunk = (uint64_t)rank_id * j->chunk;
    if (j->chunk && rank_id == 0) {   /* nobody claims before the gate */
        j->next = (uint64_t)world_size * j->chunk;
        j->final_grants = 0;
        if (j->by_window) {
            *j->counter = j->next;
            MPI_Win_sync(j->win);
        }
    }
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    wait_soon(&req);
    d.gate_ns = pb_now_ns();

    size_t n = j->plan.ntasks;
    if (j->chunk == 0) {
        size_t first, last;
        pb_static_block(n, (unsigned)world_size, (unsigned)rank_id, &first, &last);
        for (size_t t = first; t < last; t++)
            run_task(j, t, t + 1 == last);
        d.tasks = (uint32_t)(last - first);
    } else {
        for (bool first = true;; first = false) {
            uint64_t idx = first ? first_chunk : claim(j);
            if (idx >= n)
                break;
            pb_wire_claim c = { idx, idx + j->chunk < n ? idx + j->chunk : n };
            send_or_die(PB_WIRE_CLAIM, &c, sizeof c, NULL, 0);
            for (uint64_t t = c.lo; t < c.hi; t++) {
                run_task(j, t, false);
                if (rank_id == 0)
                    serve_claims(j, false);   /* rank 0 holds the queue: answer the claims that came */
            }
            d.tasks += (uint32_t)(c.hi - c.lo);
        }
        if (j->by_window) {   /* every claim answered before rank 0 stops making progress */
            MPI_Ibarrier(MPI_COMM_WORLD, &req);
            wait_soon(&req);
        } else if (rank_id == 0) {
            serve_claims(j, true);            /* until every other rank was told the queue is empty */
        }
    }
    if (j->node_barrier) {             /* the host's sampler covers every rank of the host */
        MPI_Ibarrier(j->node, &req);
        wait_soon(&req);
    }
    if (j->sampling) {
        pb_sampler_stop(node_sampler);
        d.sampler_cpu_ns = pb_sampler_cpu_ns(node_sampler) - sampler0;
        send_samples(run);
    }
    getrusage(RUSAGE_SELF, &ru1);
    d.cpu_ns = process_cpu_ns() - cpu0 - d.sampler_cpu_ns;
    d.user_ns = tv_ns(ru1.ru_utime) - tv_ns(ru0.ru_utime);
    d.sys_ns = tv_ns(ru1.ru_stime) - tv_ns(ru0.ru_stime);
    d.nvcsw = ru1.ru_nvcsw - ru0.ru_nvcsw;
    d.nivcsw = ru1.ru_nivcsw - ru0.ru_nivcsw;
    d.minflt = ru1.ru_minflt - ru0.ru_minflt;
    d.majflt = ru1.ru_majflt - ru0.ru_majflt;
    d.maxrss_kb = ru1.ru_maxrss;
    d.sent_ns = pb_now_ns();
    if (j->holding) {
        j->holding = false;
        if (pb__wire_send_two(parent_fd, PB_WIRE_OUTCOME, &j->held, sizeof j->held, j->held_slice,
                             j->held.output_bytes, PB_WIRE_DONE, &d, sizeof d) != 0)
            _exit(70);
    } else {
        send_or_die(PB_WIRE_DONE, &d, sizeof d, NULL, 0);
    }
}

static void serve_runs(rank_job *j)
{
    uint32_t expect = 1;
    for (;;) {
        int32_t cmd = 0;
        int64_t go_ns = 0;
        if (rank_id == 0)
            cmd = wait_command(&go_ns);
        MPI_Request req;
        MPI_Ibcast(&cmd, 1, MPI_INT32_T, 0, MPI_COMM_WORLD, &req);
        if (rank_id == 0) {
            wait_soon(&req);
        } else {
            wait_idle(&req, expect);
            go_ns = pb_now_ns();
        }
        if (cmd < 0)
            return;
        one_run(j, (uint32_t)cmd, go_ns);
        expect = (uint32_t)cmd + 1;
    }
}

/* ---- bare MPI, for bench/overhead: what the backend's messages rest on --- */

static void serve_bare(void)
{
    for (;;) {
        pb_wire_head h;
        const void *m;
        while ((m = poll_parent(&h)) == NULL) {
            struct pollfd p = { .fd = parent_fd, .events = POLLIN };
            poll(&p, 1, -1);
        }
        if (h.type == PB_WIRE_QUIT)
            return;
        if (h.type == PB_WIRE_PING) {
            send_or_die(PB_WIRE_PONG, NULL, 0, NULL, 0);
            continue;
        }
        if (h.type != PB_WIRE_ROUND || h.len != sizeof(pb_wire_round))
            continue;
        unsigned ops = ((const pb_wire_round *)m)->ops;
        char byte = 0;
        MPI_Barrier(MPI_COMM_WORLD);
        /* ping-pong between ranks 0 and 1, one byte each way (osu_latency's smallest size) */
        int64_t t0 = pb_now_ns();
        for (unsigned i = 0; i < ops && world_size > 1; i++) {
            if (rank_id == 0) {
                MPI_Send(&byte, 1, MPI_CHAR, 1, 1, MPI_COMM_WORLD);
                MPI_Recv(&byte, 1, MPI_CHAR, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else if (rank_id == 1) {
                MPI_Recv(&byte, 1, MPI_CHAR, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(&byte, 1, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
            }
        }
        double pp = (double)(pb_now_ns() - t0) / ops;
        MPI_Barrier(MPI_COMM_WORLD);
        /* barriers, each rank's mean, averaged over the ranks (osu_barrier) */
        int64_t t1 = pb_now_ns();
        for (unsigned i = 0; i < ops; i++)
            MPI_Barrier(MPI_COMM_WORLD);
        double mine = (double)(pb_now_ns() - t1) / ops, sum = 0;
        MPI_Reduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank_id == 0) {
            pb_wire_bare b = { .ping_pong_ns = pp, .barrier_ns = sum / world_size };
            send_or_die(PB_WIRE_BARE, &b, sizeof b, NULL, 0);
        }
    }
}

/* ---- start -------------------------------------------------------------- */

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

int main(int argc, char **argv)
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
    const char *addrs = "", *parent_host = "", *parent_boot = "", *spec = NULL, *place = NULL;
    unsigned port = 0, sample_hz = 0;
    uint64_t chunk = 0;
    bool bare = false, all_cpus = false;
    launcher_pid = getppid();
    /* parbench's interrupt thread owns SIGINT/TERM/HUP: a launcher may pass its mask on */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int provided;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "parbench-mpi-rank: MPI_Init_thread failed\n");
        return 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_id);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'P': port = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'c': addrs = optarg; break;
        case 'H': parent_host = optarg; break;
        case 'B': parent_boot = optarg; break;
        case 'w': spec = optarg; break;
        case 'C': chunk = strtoull(optarg, NULL, 10); break;
        case 'p': place = optarg; break;
        case 's': sample_hz = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'A': all_cpus = true; break;
        case 'b': bare = true; break;
        default:
            fputs(usage, stderr);
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
    }
    const char *token = getenv(PB_WIRE_TOKEN_ENV);
    if (!port || !token || strlen(token) != PB_WIRE_TOKEN_LEN || (!spec && !bare)) {
        fputs(usage, stderr);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }

    pb_wire_hello hello;
    memset(&hello, 0, sizeof hello);
    hello.magic = PB_WIRE_MAGIC;
    hello.version = PB_WIRE_VERSION;
    hello.layout = pb__wire_layout();
    memcpy(hello.token, token, PB_WIRE_TOKEN_LEN);
    hello.rank = (uint32_t)rank_id;
    hello.size = (uint32_t)world_size;
    hello.pid = getpid();
    gethostname(hello.host, sizeof hello.host - 1);
    pb__wire_boot_id(hello.boot_id, sizeof hello.boot_id);
    bool local = strcmp(hello.host, parent_host) == 0 && strcmp(hello.boot_id, parent_boot) == 0;
    parent_fd = connect_parent(local, addrs, port);
    if (parent_fd < 0)
        die("cannot connect back to parbench (%s)", local ? "127.0.0.1" : addrs);
    pthread_t watcher;
    if (pthread_create(&watcher, NULL, watch_parent, NULL) != 0)
        die("cannot start the thread that %s", "watches parbench");
    install_crash_report();

    rank_job job;
    memset(&job, 0, sizeof job);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_id, MPI_INFO_NULL, &job.node);
    int lr, ls;
    MPI_Comm_rank(job.node, &lr);
    MPI_Comm_size(job.node, &ls);
    hello.local_rank = (uint32_t)lr;
    hello.local_size = (uint32_t)ls;
    hello.pus = pb_allowed_pus();
    oversubscribed = hello.local_size > hello.pus;
    spin_ns = hello.local_size < hello.pus ? PB_RANK_SPIN_NS : 0;
    run_spin_ns = oversubscribed ? 0 : RUN_SPIN_NS;
    hello.spins = spin_ns > 0;

    if (bare) {
        send_or_die(PB_WIRE_HELLO, &hello, sizeof hello, NULL, 0);
        serve_bare();
        MPI_Finalize();
        return 0;
    }

    /* the plan, from the same text as the parent's */
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
        pb_plan_create(&job.plan, w, &params, &err))
        die("%s", err.msg);
    job.plan.owner_pid = -1;   /* a rank is a worker process: fault=exit ends it, as it ends a forked worker */
    hello.ntasks = job.plan.ntasks;

    if (place) {   /* --pin: the PUs parbench placed this rank on */
        pb_worker_place wp;
        if (parse_place(place, rank_id, &wp) != 0)
            die("--place '%s' has no entry for this rank", place);
        pb_error bind_err;
        if (pb_bind_self(&wp, &bind_err) != 0)
            snprintf(hello.bind_refusal, sizeof hello.bind_refusal, "%s", bind_err.msg);
    }

    job.chunk = chunk;
    if (chunk) {   /* a window if the library offers one over these hosts (Open MPI 4.1's osc/ucx may not over TCP) */
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        int ok = MPI_Win_allocate(rank_id == 0 ? (MPI_Aint)sizeof(uint64_t) : 0, sizeof(uint64_t), MPI_INFO_NULL,
                                  MPI_COMM_WORLD, &job.counter, &job.win) == MPI_SUCCESS, all = 0;
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        if (ok && !all)
            MPI_Win_free(&job.win);
        job.by_window = all;
        if (job.by_window)
            MPI_Win_lock_all(MPI_MODE_NOCHECK, job.win);
    }
    job.node_barrier = !local && sample_hz > 0;
    job.sampling = job.node_barrier && lr == 0;
    if (job.sampling) {
        int cpus[4096];
        unsigned ncpus = 0;
        const pb_topology *topo = pb_topology_this(&err);
        if (!all_cpus && topo)
            ncpus = pb_topology_usable(topo, cpus, 4096);
        if (pb_sampler_create(&node_sampler, sample_hz, ncpus ? cpus : NULL, ncpus, &err))
            die("%s", err.msg);
    }
    send_or_die(PB_WIRE_HELLO, &hello, sizeof hello, NULL, 0);

    serve_runs(&job);

    if (job.by_window) {
        MPI_Win_unlock_all(job.win);
        MPI_Win_free(&job.win);
    }
    if (node_sampler)
        pb_sampler_destroy(node_sampler);
    MPI_Comm_free(&job.node);
    MPI_Finalize();
    return 0;
}
