#include "mpi_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int send_iov(int fd, struct iovec *iov, int n);

int pb__wire_send(int fd, uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
    pb_wire_head head = { .type = type, .len = alen + (b ? blen : 0) };
    struct iovec iov[3] = { { &head, sizeof head }, { (void *)a, alen }, { (void *)b, b ? blen : 0 } };
    return send_iov(fd, iov, 3);
}

int pb__wire_send_two(int fd, uint32_t type1, const void *a1, size_t alen1, const void *b1, size_t blen1,
                     uint32_t type2, const void *a2, size_t alen2)
{
    pb_wire_head h1 = { .type = type1, .len = alen1 + (b1 ? blen1 : 0) }, h2 = { .type = type2, .len = alen2 };
    struct iovec iov[5] = { { &h1, sizeof h1 }, { (void *)a1, alen1 }, { (void *)b1, b1 ? blen1 : 0 },
                            { &h2, sizeof h2 }, { (void *)a2, alen2 } };
    return send_iov(fd, iov, 5);
}

static int send_iov(int fd, struct iovec *iov, int n)
{
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)n };
    size_t left = 0;
    for (int i = 0; i < n; i++)
        left += iov[i].iov_len;
    while (left) {
        ssize_t k = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {   /* a non-blocking socket, full: wait for room */
                struct pollfd p = { .fd = fd, .events = POLLOUT };
                if (poll(&p, 1, -1) < 0 && errno != EINTR)
                    return PB_E_IO;
                continue;
            }
            return PB_E_IO;
        }
        left -= (size_t)k;
        /* step over what went out */
        while (k > 0 && msg.msg_iovlen) {
            if ((size_t)k >= msg.msg_iov->iov_len) {
                k -= (ssize_t)msg.msg_iov->iov_len;
                msg.msg_iov++;
                msg.msg_iovlen--;
            } else {
                msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + k;
                msg.msg_iov->iov_len -= (size_t)k;
                k = 0;
            }
        }
    }
    return 0;
}

/* Room for `need` more bytes after end. */
static int reserve(pb_wire_reader *r, size_t need)
{
    if (r->start > 0 && (r->end + need > r->cap || r->start == r->end)) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end + need <= r->cap)
        return 0;
    size_t cap = r->cap ? r->cap : 65536;
    while (cap < r->end + need)
        cap *= 2;
    unsigned char *grown = realloc(r->buf, cap);
    if (!grown)
        return PB_E_NOMEM;
    r->buf = grown;
    r->cap = cap;
    return 0;
}

long pb__wire_fill(pb_wire_reader *r, int fd)
{
    /* room for the message in hand whole, and at least 64 KiB */
    size_t want = 65536;
    if (r->end - r->start >= sizeof(pb_wire_head)) {
        pb_wire_head h;
        memcpy(&h, r->buf + r->start, sizeof h);
        size_t whole = sizeof h + h.len, have = r->end - r->start;
        if (whole > have && whole - have > want)
            want = whole - have;
    }
    if (reserve(r, want) != 0)
        return PB_E_NOMEM;
    for (;;) {
        ssize_t k = read(fd, r->buf + r->end, r->cap - r->end);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;                  /* nothing there yet */
        if (k <= 0)
            return PB_E_IO;            /* the stream ended, or failed */
        r->end += (size_t)k;
        return (long)k;
    }
}

const void *pb__wire_next(pb_wire_reader *r, pb_wire_head *head)
{
    if (r->end - r->start < sizeof *head)
        return NULL;
    memcpy(head, r->buf + r->start, sizeof *head);
    if (r->end - r->start - sizeof *head < head->len)
        return NULL;
    const void *payload = r->buf + r->start + sizeof *head;
    r->start += sizeof *head + head->len;
    return payload;
}

void pb__wire_reader_free(pb_wire_reader *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

void pb__wire_boot_id(char *buf, size_t size)
{
    buf[0] = '\0';
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t k = read(fd, buf, size - 1);
    close(fd);
    buf[k > 0 ? k : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}
