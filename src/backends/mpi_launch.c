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
#include "mpi_internal.h"
#include "parbench/launch.h"
#include "parbench/clock.h"
#include "pb_build_config.h"

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
        return pb_fail(err, PB_E_ARG, "--mpirun: '%s' is not %s (the mpi backend runs its ranks with it; Debian: "
                       "apt-get install openmpi-bin)", lw.w[0],
                       strchr(lw.w[0], '/') ? "a program that can be run" : "a program on PATH");
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

/* ---- starting ------------------------------------------------------------ */

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

/* Where the ranks connect back: a listening socket, on the loopback when
 * every rank runs on this machine; its port into *port. */
static int listen_for_ranks(pb_mpi_job *job, bool local_only, uint16_t *port, pb_error *err)
{
    unsigned ranks = job->size;
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
    *port = ntohs(sa.sin_port);
    return 0;
}

/* Start the launcher, program with argv (NULL-ended), in its own process
 * group, its output into job->out_fd, the secret token in its environment;
 * fails when it cannot be forked or executed. */
static int start_launcher(pb_mpi_job *job, const char *program, const char *const *argv, const char *token,
                          pb_error *err)
{
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
    return 0;
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

    uint16_t port_number = 0;
    int rc = listen_for_ranks(job, local_only, &port_number, err);
    if (rc)
        return rc;
    char port[16], addrs[1024], host[64] = "", boot[40], token[PB_WIRE_TOKEN_LEN + 1], count[16];
    snprintf(port, sizeof port, "%u", (unsigned)port_number);
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

    rc = start_launcher(job, program, argv, token, err);
    if (rc)
        return rc;

    /* every rank connects and says hello */
    rc = pb__mpi_await_hellos(job, token, lw.w[0], err);
    if (rc)
        return rc;
    for (unsigned r = 0; r < ranks; r++)
        job->rank[r].local = strcmp(job->rank[r].hello.host, host) == 0 && strcmp(job->rank[r].hello.boot_id, boot) == 0;
    return 0;
}
