#include "mpi_launch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/worker/children.h"
#include "parbench/launch.h"
#include "parbench/clock.h"
#include "pb_build_config.h"

#define START_TIMEOUT_NS (120 * INT64_C(1000000000))   /* every rank connected and ready, or the start failed */
#define QUIT_GRACE_NS (10 * INT64_C(1000000000))      /* ranks finalize and the launcher exits by itself */
#define CLOSED_GRACE_NS (1 * INT64_C(1000000000))     /* ranks whose stream closed end themselves */
#define TERM_GRACE_NS (3 * INT64_C(1000000000))       /* the launcher ends its job after SIGTERM */
#define MAX_WORDS 64

extern char **environ;

int pb__mpi_rank_path(char *buf, size_t size)
{
    const char *given = getenv(PB_MPI_RANK_ENV);
    if (given && *given)
        return snprintf(buf, size, "%s", given) < (int)size ? 0 : -1;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    if (snprintf(buf, size, "%s/%s", self, PB_MPI_RANK_PROGRAM) >= (int)size)
        return -1;
    if (access(buf, X_OK) == 0)
        return 0;
    /* installed bench programs live in libexec/parbench, the rank program in bin */
    char installed[PATH_MAX + 64];
    snprintf(installed, sizeof installed, "%s/../../bin/%s", self, PB_MPI_RANK_PROGRAM);
    if (access(installed, X_OK) == 0 && snprintf(buf, size, "%s", installed) < (int)size)
        return 0;
    snprintf(buf, size, "%s/%s", self, PB_MPI_RANK_PROGRAM);   /* named as missing where parbench looks first */
    return 0;
}

const char *pb__mpi_unavailable(void)
{
#if !PB_HAVE_MPI
    return "parbench was built without Open MPI (-Dmpi=disabled, or Meson found no 'mpi' dependency): install openmpi-bin and "
           "libopenmpi-dev (tools/bootstrap does), then reconfigure (meson setup --reconfigure build)";
#else
    static char why[PATH_MAX + 128];
    char path[PATH_MAX];
    if (pb__mpi_rank_path(path, sizeof path) != 0 || access(path, X_OK) != 0) {
        snprintf(why, sizeof why, "its rank program %s is missing (it is built and installed next to parbench)",
                 path);
        return why;
    }
    return "";
#endif
}

/* ---- the command line ---------------------------------------------------- */

typedef enum flavor { FLAVOR_OPEN_MPI, FLAVOR_SLURM, FLAVOR_OTHER } flavor;

typedef struct words {
    char buf[1024];
    char *w[MAX_WORDS];
    unsigned n;
} words;

static void split_launcher(const pb_launch_options *opts, words *out)
{
    snprintf(out->buf, sizeof out->buf, "%s", opts && opts->launcher ? opts->launcher : "mpirun");
    out->n = 0;
    char *save = NULL;
    for (char *t = strtok_r(out->buf, " \t", &save); t && out->n < MAX_WORDS / 2; t = strtok_r(NULL, " \t", &save))
        out->w[out->n++] = t;
}

static flavor flavor_of(const char *program)
{
    const char *base = strrchr(program, '/');
    base = base ? base + 1 : program;
    if (strcmp(base, "mpirun") == 0 || strcmp(base, "mpiexec") == 0 || strcmp(base, "orterun") == 0)
        return FLAVOR_OPEN_MPI;
    if (strcmp(base, "srun") == 0)
        return FLAVOR_SLURM;
    return FLAVOR_OTHER;
}

/* All ranks on this machine: no hostfile, no Slurm allocation, not srun. */
static bool one_machine(const pb_launch_options *opts, flavor f)
{
    return !(opts && opts->hostfile) && !getenv("SLURM_JOB_ID") && f != FLAVOR_SLURM;
}

/* The options parbench adds, as words (pointing into static text or into
 * opts), ending with "-n" and the rank count in `count`. */
static unsigned added_words(const pb_launch_options *opts, flavor f, const char *count, const char **out)
{
    unsigned n = 0;
    if (f == FLAVOR_OPEN_MPI) {
        if (geteuid() == 0)
            out[n++] = "--allow-run-as-root";      /* Open MPI refuses root unless told */
        if (one_machine(opts, f))
            out[n++] = "--oversubscribe";          /* more ranks than cores: allowed, and flagged */
        out[n++] = "--bind-to";                    /* --pin is parbench's own binding */
        out[n++] = "none";
        out[n++] = "-x";                           /* the secret, to ranks on other hosts too */
        out[n++] = PB_WIRE_TOKEN_ENV;
        if (opts && opts->hostfile) {
            out[n++] = "--hostfile";
            out[n++] = opts->hostfile;
        }
    } else if (f == FLAVOR_SLURM) {
        out[n++] = "--cpu-bind=none";
    }
    out[n++] = "-n";
    out[n++] = count;
    return n;
}

void pb_launch_describe(const pb_launch_options *opts, const char *count, char *buf, size_t size)
{
    words lw;
    split_launcher(opts, &lw);
    const char *add[16];
    unsigned n = added_words(opts, lw.n ? flavor_of(lw.w[0]) : FLAVOR_OTHER, count, add);
    char rank_program[PATH_MAX];
    pb__mpi_rank_path(rank_program, sizeof rank_program);
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < lw.n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " " : "", lw.w[i]);
    for (unsigned i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, " %s", add[i]);
    if (len < size)
        snprintf(buf + len, size - len, " %s", rank_program);
}

/* The program a command word names: as given with a '/', else from PATH. */
static int find_program(const char *name, char *out, size_t size)
{
    if (strchr(name, '/'))
        return snprintf(out, size, "%s", name) < (int)size && access(out, X_OK) == 0 ? 0 : -1;
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s", path ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save))
        if (snprintf(out, size, "%s/%s", *d ? d : ".", name) < (int)size && access(out, X_OK) == 0)
            return 0;
    return -1;
}

int pb_launch_check(const pb_launch_options *opts, pb_error *err)
{
    words lw;
    split_launcher(opts, &lw);
    char program[PATH_MAX];
    if (lw.n == 0)
        return pb_fail(err, PB_E_ARG, "--mpirun: the command is empty (example: --mpirun srun)");
    if (find_program(lw.w[0], program, sizeof program) != 0)
        return pb_fail(err, PB_E_ARG, "--mpirun: '%s' is not a program on PATH (the mpi backend runs its ranks "
                       "with it; Debian: apt-get install openmpi-bin)", lw.w[0]);
    if (opts && opts->hostfile) {
        FILE *f = fopen(opts->hostfile, "r");
        if (!f)
            return pb_fail_errno(err, PB_E_ARG, errno, "--hosts %s: cannot read it", opts->hostfile);
        fclose(f);
        if (flavor_of(lw.w[0]) == FLAVOR_SLURM)
            return pb_fail(err, PB_E_ARG, "--hosts %s: srun takes its hosts from the Slurm allocation, not from "
                           "an Open MPI hostfile", opts->hostfile);
    }
    return 0;
}

/* This machine's IPv4 addresses, loopback last: where ranks on other hosts
 * may reach parbench. */
static void my_addresses(char *buf, size_t size, bool loopback_only)
{
    size_t len = 0;
    buf[0] = '\0';
    struct ifaddrs *ifs = NULL;
    if (!loopback_only && getifaddrs(&ifs) == 0) {
        for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
            if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP) ||
                (i->ifa_flags & IFF_LOOPBACK))
                continue;
            char a[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof a);
            if (len + strlen(a) + 12 < size)
                len += (size_t)snprintf(buf + len, size - len, "%s,", a);
        }
        freeifaddrs(ifs);
    }
    snprintf(buf + len, size - len, "127.0.0.1");
}

/* ---- the launcher's output ----------------------------------------------- */

void pb__mpi_job_read_output(pb_mpi_job *job)
{
    if (job->out_fd < 0)
        return;
    char chunk[4096];
    for (;;) {
        ssize_t k = read(job->out_fd, chunk, sizeof chunk);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0) {          /* every writer is gone */
                close(job->out_fd);
                job->out_fd = -1;
            }
            return;
        }
        if (job->verbose) {
            ssize_t ignored = write(STDERR_FILENO, chunk, (size_t)k);
            (void)ignored;
        }
        /* keep the last sizeof tail bytes */
        size_t n = (size_t)k, cap = sizeof job->tail - 1;
        if (n >= cap) {
            memcpy(job->tail, chunk + n - cap, cap);
            job->tail_len = cap;
        } else {
            if (job->tail_len + n > cap) {
                size_t drop = job->tail_len + n - cap;
                memmove(job->tail, job->tail + drop, job->tail_len - drop);
                job->tail_len -= drop;
            }
            memcpy(job->tail + job->tail_len, chunk, n);
            job->tail_len += n;
        }
        job->tail[job->tail_len] = '\0';
    }
}

void pb__mpi_job_says(const pb_mpi_job *job, char *buf, size_t size, int *rank, int *code)
{
    *rank = *code = -1;
    buf[0] = '\0';
    size_t len = 0;
    char text[sizeof job->tail];
    memcpy(text, job->tail, job->tail_len);
    text[job->tail_len] = '\0';
    const char *name = strstr(text, "Process name: [[");
    const char *exit_code = strstr(text, "Exit code:");
    if (name && exit_code) {   /* Open MPI names the first rank that exited badly */
        const char *r = strstr(name, "],");
        if (r)
            *rank = atoi(r + 2);
        *code = atoi(exit_code + 10);
    }
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && len + 1 < size; line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t')
            line++;
        if (!*line || strspn(line, "-=*") == strlen(line))
            continue;              /* rules around Open MPI's help texts */
        len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "", line);
        if (len > 160)
            break;                 /* its first sentence or two say what happened */
    }
}

bool pb__mpi_job_launcher_ended(pb_mpi_job *job)
{
    if (job->launcher_ended)
        return true;
    if (job->launcher <= 0)
        return true;
    int status;
    pid_t got = pb__children_reap(job->launcher, &status, WNOHANG, NULL);
    if (got == job->launcher || (got < 0 && errno == ECHILD)) {
        job->launcher_status = got == job->launcher ? status : 0;
        job->launcher_ended = true;
        job->launcher = 0;
    }
    return job->launcher_ended;
}

/* Wait until the launcher ends or the deadline passes, reading its output. */
static bool wait_launcher(pb_mpi_job *job, int64_t deadline)
{
    while (!pb__mpi_job_launcher_ended(job)) {
        if (pb_now_ns() >= deadline)
            return false;
        if (job->out_fd >= 0) {
            struct pollfd p = { .fd = job->out_fd, .events = POLLIN };
            poll(&p, 1, 10);
            pb__mpi_job_read_output(job);
        } else {
            nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
        }
    }
    pb__mpi_job_read_output(job);
    return true;
}

static void close_streams(pb_mpi_job *job)
{
    for (unsigned r = 0; r < job->size && job->rank; r++)
        if (job->rank[r].fd >= 0) {
            close(job->rank[r].fd);
            job->rank[r].fd = -1;
        }
}

void pb__mpi_job_end(pb_mpi_job *job, bool quit)
{
    if (quit)
        wait_launcher(job, pb_now_ns() + QUIT_GRACE_NS);
    close_streams(job);                    /* each rank's watcher ends its rank */
    if (!pb__mpi_job_launcher_ended(job)) {
        if (!wait_launcher(job, pb_now_ns() + CLOSED_GRACE_NS)) {
            kill(job->launcher, SIGTERM);  /* Open MPI's launcher ends its job, daemons included */
            if (!wait_launcher(job, pb_now_ns() + TERM_GRACE_NS)) {
                kill(-job->launcher, SIGKILL);   /* its process group: the launcher and what it started there */
                kill(job->launcher, SIGKILL);
                int status;
                if (pb__children_reap(job->launcher, &status, 0, NULL) == job->launcher)
                    job->launcher_status = status;
                job->launcher = 0;
                job->launcher_ended = true;
            }
        }
    }
    if (job->listen_fd >= 0)
        close(job->listen_fd);
    if (job->out_fd >= 0)
        close(job->out_fd);
    job->listen_fd = job->out_fd = -1;
    for (unsigned r = 0; r < job->size && job->rank; r++)
        pb__wire_reader_free(&job->rank[r].in);
    free(job->rank);
    job->rank = NULL;
}

/* ---- starting ------------------------------------------------------------ */

typedef struct pending {
    int fd;
    pb_wire_reader in;
} pending;

/* A new connection's first message. 1: a rank said hello (stored), 0: not
 * yet, -1: drop the connection (not one of ours), -2: a rank failed (err). */
static int take_hello(pb_mpi_job *job, pending *p, const char *token, pb_error *err)
{
    long k = pb__wire_fill(&p->in, p->fd);
    if (k < 0)
        return -1;
    pb_wire_head h;
    const void *m = pb__wire_next(&p->in, &h);
    if (!m)
        return p->in.end - p->in.start > sizeof(pb_wire_head) + 65536 ? -1 : 0;
    if (h.type == PB_WIRE_FAIL && h.len > 0) {
        pb_fail(err, PB_E_WORKER, "mpi: %.*s", (int)(h.len < 400 ? h.len : 400), (const char *)m);
        return -2;
    }
    if (h.type != PB_WIRE_HELLO || h.len < 2 * sizeof(uint32_t))
        return -1;
    uint32_t head[2];
    memcpy(head, m, sizeof head);
    if (head[0] != PB_WIRE_MAGIC)
        return -1;                 /* a stranger, or a rank of the other byte order */
    const pb_wire_hello *hello = m;
    if (head[1] != PB_WIRE_VERSION || h.len != sizeof(pb_wire_hello) || hello->layout != pb__wire_layout()) {
        pb_fail(err, PB_E_WORKER, "mpi: a rank runs a parbench-mpi-rank of another build (message version %u, this "
                "parbench %u): install the same parbench everywhere", head[1], PB_WIRE_VERSION);
        return -2;
    }
    if (memcmp(hello->token, token, PB_WIRE_TOKEN_LEN) != 0)
        return -1;                 /* not started by us */
    if (hello->size != job->size || hello->rank >= job->size) {
        pb_fail(err, PB_E_WORKER, "mpi: the launcher started %u ranks where %u were asked for (is the launcher "
                "adding its own -n, or an allocation of another size?)", hello->size, job->size);
        return -2;
    }
    pb_mpi_rank *r = &job->rank[hello->rank];
    if (r->fd >= 0)
        return -1;
    r->fd = p->fd;
    r->hello = *hello;
    r->hello.host[sizeof r->hello.host - 1] = '\0';
    r->hello.boot_id[sizeof r->hello.boot_id - 1] = '\0';
    r->in = p->in;                 /* anything sent after the hello stays in order */
    memset(&p->in, 0, sizeof p->in);
    p->fd = -1;
    return 1;
}

static void random_token(char out[PB_WIRE_TOKEN_LEN + 1])
{
    unsigned char raw[PB_WIRE_TOKEN_LEN / 2];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        uint64_t x = (uint64_t)pb_now_ns() ^ ((uint64_t)getpid() << 32);
        for (size_t i = 0; i < sizeof raw; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            raw[i] = (unsigned char)(x >> 56);
        }
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static int start_failed(pb_mpi_job *job, pending *pend, unsigned npend, pb_error *err, int rc)
{
    for (unsigned i = 0; i < npend; i++) {
        if (pend[i].fd >= 0)
            close(pend[i].fd);
        pb__wire_reader_free(&pend[i].in);
    }
    free(pend);
    pb__mpi_job_end(job, false);
    return rc ? rc : err->code;
}

int pb__mpi_job_start(pb_mpi_job *job, const pb_launch_options *opts, unsigned ranks, const char *const *args,
                     pb_error *err)
{
    memset(job, 0, sizeof *job);
    job->listen_fd = job->out_fd = -1;
    job->size = ranks;
    job->verbose = opts && opts->verbose;
    const char *why = pb__mpi_unavailable();
    if (*why)
        return pb_fail(err, PB_E_UNSUPP, "mpi: %s", why);
    words lw;
    split_launcher(opts, &lw);
    char program[PATH_MAX], rank_program[PATH_MAX];
    if (lw.n == 0 || find_program(lw.w[0], program, sizeof program) != 0)
        return pb_fail(err, PB_E_UNSUPP, "mpi: the launcher '%s' is not a program on PATH (install openmpi-bin, "
                       "or name another with --mpirun)", lw.n ? lw.w[0] : "");
    pb__mpi_rank_path(rank_program, sizeof rank_program);
    flavor f = flavor_of(lw.w[0]);
    bool local_only = one_machine(opts, f);

    job->rank = calloc(ranks, sizeof *job->rank);
    if (!job->rank)
        return pb_fail(err, PB_E_NOMEM, "mpi: out of memory");
    for (unsigned r = 0; r < ranks; r++)
        job->rank[r].fd = -1;

    /* where the ranks connect back */
    job->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(local_only ? INADDR_LOOPBACK : INADDR_ANY) };
    socklen_t salen = sizeof sa;
    if (job->listen_fd < 0 || bind(job->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(job->listen_fd, ranks < 4000 ? (int)ranks + 16 : 4096) != 0 ||
        getsockname(job->listen_fd, (struct sockaddr *)&sa, &salen) != 0) {
        int e = errno;
        pb__mpi_job_end(job, false);
        return pb_fail_errno(err, PB_E_SYS, e, "mpi: cannot listen for the ranks");
    }
    char port[16], addrs[1024], host[64] = "", boot[40], token[PB_WIRE_TOKEN_LEN + 1], count[16];
    snprintf(port, sizeof port, "%u", (unsigned)ntohs(sa.sin_port));
    my_addresses(addrs, sizeof addrs, local_only);
    gethostname(host, sizeof host - 1);
    pb__wire_boot_id(boot, sizeof boot);
    random_token(token);
    snprintf(count, sizeof count, "%u", ranks);

    /* argv: launcher, its words, parbench's options, the rank program and its arguments */
    const char *argv[MAX_WORDS + 64];
    unsigned argc = 0;
    argv[argc++] = program;
    for (unsigned i = 1; i < lw.n; i++)
        argv[argc++] = lw.w[i];
    argc += added_words(opts, f, count, argv + argc);
    const char *fixed[] = { rank_program, "--port", port, "--connect", addrs, "--parent-host", host,
                            "--parent-boot", boot };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        argv[argc++] = fixed[i];
    for (unsigned i = 0; args && args[i] && argc < sizeof argv / sizeof argv[0] - 1; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    size_t len = 0;
    for (unsigned i = 0; i < argc && len < sizeof job->command; i++)
        len += (size_t)snprintf(job->command + len, sizeof job->command - len, "%s%s", i ? " " : "", argv[i]);
    if (job->verbose)
        fprintf(stderr, "parbench: mpi: %s\n", job->command);

    /* the environment: ours, and the secret (built before fork: the child only calls exec) */
    size_t nenv = 0;
    while (environ[nenv])
        nenv++;
    char **envp = calloc(nenv + 2, sizeof *envp);
    char secret[sizeof PB_WIRE_TOKEN_ENV + PB_WIRE_TOKEN_LEN + 2];
    snprintf(secret, sizeof secret, "%s=%s", PB_WIRE_TOKEN_ENV, token);
    int outp[2] = { -1, -1 }, execp[2] = { -1, -1 };
    if (!envp || pipe2(outp, O_CLOEXEC) != 0 || pipe2(execp, O_CLOEXEC) != 0) {
        int e = errno;
        free(envp);
        for (int i = 0; i < 2; i++) {
            if (outp[i] >= 0)
                close(outp[i]);
            if (execp[i] >= 0)
                close(execp[i]);
        }
        pb__mpi_job_end(job, false);
        return pb_fail_errno(err, PB_E_SYS, e, "mpi: cannot prepare the launcher");
    }
    size_t k = 0;
    for (size_t i = 0; i < nenv; i++)
        if (strncmp(environ[i], PB_WIRE_TOKEN_ENV "=", sizeof PB_WIRE_TOKEN_ENV) != 0)
            envp[k++] = environ[i];
    envp[k++] = secret;
    envp[k] = NULL;

    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = pb__children_fork();
    if (pid == 0) {
        /* its own process group: a terminal's Ctrl-C reaches parbench, which ends the job */
        setpgid(0, 0);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(127);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);   /* parbench's interrupt thread blocked these for us */
        signal(SIGPIPE, SIG_DFL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(outp[1], 2) < 0)
            _exit(127);
        execve(program, (char *const *)argv, envp);
        int e = errno;
        ssize_t ignored = write(execp[1], &e, sizeof e);
        (void)ignored;
        _exit(127);
    }
    int fork_errno = errno;
    free(envp);
    close(outp[1]);
    close(execp[1]);
    job->out_fd = outp[0];
    fcntl(job->out_fd, F_SETFL, O_NONBLOCK);
    if (pid < 0) {
        close(execp[0]);
        pb__mpi_job_end(job, false);
        return pb_fail_errno(err, PB_E_WORKER, fork_errno, "mpi: cannot fork the launcher");
    }
    job->launcher = pid;
    int exec_errno = 0;
    ssize_t got;
    while ((got = read(execp[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR)
        ;
    close(execp[0]);
    if (got == (ssize_t)sizeof exec_errno) {
        pb__mpi_job_end(job, false);
        return pb_fail_errno(err, PB_E_WORKER, exec_errno, "mpi: cannot run %s", program);
    }

    /* every rank connects and says hello */
    pending *pend = NULL;
    unsigned npend = 0, capend = 0, hellos = 0;
    int64_t deadline = pb_now_ns() + START_TIMEOUT_NS;
    while (hellos < ranks) {
        struct pollfd *fds = malloc((npend + 2) * sizeof *fds);
        if (!fds)
            return start_failed(job, pend, npend, err, pb_fail(err, PB_E_NOMEM, "mpi: out of memory"));
        fds[0] = (struct pollfd){ .fd = job->listen_fd, .events = POLLIN };
        fds[1] = (struct pollfd){ .fd = job->out_fd, .events = POLLIN };
        for (unsigned i = 0; i < npend; i++)
            fds[2 + i] = (struct pollfd){ .fd = pend[i].fd, .events = POLLIN };
        poll(fds, npend + 2, 10);
        free(fds);
        pb__mpi_job_read_output(job);
        int c;
        while ((c = accept4(job->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
            if (npend == capend) {
                capend = capend ? 2 * capend : 16;
                pending *grown = realloc(pend, capend * sizeof *pend);
                if (!grown) {
                    close(c);
                    return start_failed(job, pend, npend, err, pb_fail(err, PB_E_NOMEM, "mpi: out of memory"));
                }
                pend = grown;
            }
            int one = 1;
            setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            pend[npend++] = (pending){ .fd = c };
        }
        for (unsigned i = 0; i < npend;) {
            int h = take_hello(job, &pend[i], token, err);
            if (h == -2)
                return start_failed(job, pend, npend, err, 0);
            if (h == 0) {
                i++;
                continue;
            }
            if (h == 1)
                hellos++;
            else {
                close(pend[i].fd);
                pb__wire_reader_free(&pend[i].in);
            }
            pend[i] = pend[--npend];
        }
        if (hellos == ranks)
            break;
        if (pb__mpi_job_launcher_ended(job) || pb_now_ns() >= deadline) {
            bool timed_out = !job->launcher_ended;
            pb__mpi_job_read_output(job);
            char says[512];
            int rr, code;
            pb__mpi_job_says(job, says, sizeof says, &rr, &code);
            if (timed_out)
                pb_fail(err, PB_E_WORKER, "mpi: %u of %u ranks were ready after %lld s%s%s", hellos, ranks,
                        (long long)(START_TIMEOUT_NS / 1000000000), says[0] ? "; the launcher says: " : "", says);
            else
                pb_fail(err, PB_E_WORKER, "mpi: the launcher (%s) ended before every rank was ready (%u of %u)%s%s",
                        lw.w[0], hellos, ranks, says[0] ? ": " : "", says);
            return start_failed(job, pend, npend, err, 0);
        }
    }
    for (unsigned i = 0; i < npend; i++) {
        close(pend[i].fd);
        pb__wire_reader_free(&pend[i].in);
    }
    free(pend);
    for (unsigned r = 0; r < ranks; r++)
        job->rank[r].local = strcmp(job->rank[r].hello.host, host) == 0 && strcmp(job->rank[r].hello.boot_id, boot) == 0;
    return 0;
}
