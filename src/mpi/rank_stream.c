/* parbench-mpi-rank's stream to parbench: connecting back, reading the
 * parent's messages and sending ours, the watcher that ends the rank with
 * the parbench that started it, and the crash report (rank.c says how a
 * rank works). */
#include "rank.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNECT_TIMEOUT_MS 5000   /* per address the parent advertised */

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
int pb__rank_connect_parent(bool local, const char *addrs, unsigned port)
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

static pb_wire_reader inbox;   /* what the parent sent, read so far */

const void *pb__rank_poll_parent(pb_wire_head *h)
{
    const void *m = pb__wire_next(&inbox, h);
    if (m)
        return m;
    if (pb__wire_fill(&inbox, pb__parent_fd) < 0)
        _exit(70);                 /* parbench is gone */
    return pb__wire_next(&inbox, h);
}

void pb__rank_send_or_die(uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
    if (pb__wire_send(pb__parent_fd, type, a, alen, b, blen) != 0)
        _exit(70);                 /* parbench is gone: so are we */
}

void *pb__rank_watch_parent(void *arg)
{
    (void)arg;
    for (;;) {
        struct pollfd p = { .fd = pb__parent_fd, .events = POLLRDHUP };
        int n = poll(&p, 1, 100);
        if (n > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
            _exit(70);             /* parbench closed the stream or died */
        if (getppid() != pb__launcher_pid)
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
    m.f.task = atomic_load(&pb__current_task);
    m.f.signal = sig;
    ssize_t ignored = send(pb__parent_fd, &m, sizeof m, MSG_NOSIGNAL);
    (void)ignored;
    signal(sig, SIG_DFL);
    raise(sig);
}

void pb__rank_install_crash_report(void)
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
