#include "core/gate.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "parbench/clock.h"

/* Shared (not FUTEX_PRIVATE) operations: the waiters may be other processes. */
static void futex_wait(_Atomic uint32_t *addr, uint32_t expected, const struct timespec *timeout)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT, expected, timeout, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *addr)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

pb_control *pb_control_create(unsigned workers, pb_error *err)
{
    size_t bytes = offsetof(pb_control, slot) + (size_t)workers * sizeof(pb_worker_slot);
    pb_control *c = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED) {
        pb_fail_errno(err, PB_E_NOMEM, errno, "cannot map the control block for %u workers", workers);
        return NULL;
    }
    c->workers = workers;
    c->bytes = bytes;
    pb_control_reset(c);
    return c;
}

void pb_control_destroy(pb_control *c)
{
    if (c)
        munmap(c, c->bytes);
}

void pb_control_reset(pb_control *c)
{
    atomic_store(&c->ready, 0);
    atomic_store(&c->state, PB_GATE_CLOSED);
    memset(c->slot, 0, (size_t)c->workers * sizeof(pb_worker_slot));
}

bool pb_gate_arrive(pb_control *c)
{
    if (atomic_fetch_add(&c->ready, 1) + 1 == c->workers)
        futex_wake_all(&c->ready);
    uint32_t s;
    while ((s = atomic_load(&c->state)) == PB_GATE_CLOSED)
        futex_wait(&c->state, PB_GATE_CLOSED, NULL);
    return s == PB_GATE_OPEN;
}

int pb_gate_wait_ready(pb_control *c, int poll_ms, int (*give_up)(void *), void *arg)
{
    struct timespec poll = { .tv_sec = poll_ms / 1000, .tv_nsec = (long)(poll_ms % 1000) * 1000000 };
    uint32_t r;
    while ((r = atomic_load(&c->ready)) < c->workers) {
        futex_wait(&c->ready, r, &poll);
        if (give_up && atomic_load(&c->ready) < c->workers) {
            int rc = give_up(arg);
            if (rc)
                return rc;
        }
    }
    return 0;
}

void pb_gate_release(pb_control *c, uint32_t state)
{
    atomic_store(&c->state, state);
    futex_wake_all(&c->state);
}

void pb_worker_done(pb_control *c, unsigned worker)
{
    atomic_store(&c->slot[worker].done_ns, pb_now_ns());
}

int64_t pb_control_last_done(const pb_control *c)
{
    int64_t last = 0;
    for (unsigned w = 0; w < c->workers; w++) {
        int64_t t = atomic_load(&((pb_control *)c)->slot[w].done_ns);
        if (t > last)
            last = t;
    }
    return last;
}
