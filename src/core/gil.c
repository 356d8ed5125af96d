#include "parbench/gil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static struct {
    _Atomic bool on;
    int64_t switch_ns;
    pthread_mutex_t m;
    pthread_cond_t freed;      /* the lock was let go */
    pthread_cond_t taken;      /* someone took it after a forced switch */
    bool locked;
    unsigned waiting;
    uint64_t switches;         /* times the lock changed hands */
    _Atomic bool drop_request;
} gil = { .m = PTHREAD_MUTEX_INITIALIZER, .freed = PTHREAD_COND_INITIALIZER, .taken = PTHREAD_COND_INITIALIZER };

void pb_gil_enable(int64_t switch_ns)
{
    pthread_mutex_lock(&gil.m);
    gil.switch_ns = switch_ns;
    gil.locked = false;
    atomic_store(&gil.drop_request, false);
    atomic_store(&gil.on, switch_ns > 0);
    pthread_mutex_unlock(&gil.m);
}

bool pb_gil_on(void)
{
    return atomic_load_explicit(&gil.on, memory_order_relaxed);
}

void pb_gil_take(void)
{
    if (!pb_gil_on())
        return;
    pthread_mutex_lock(&gil.m);
    gil.waiting++;
    while (gil.locked) {
        uint64_t before = gil.switches;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += gil.switch_ns % 1000000000;
        until.tv_sec += gil.switch_ns / 1000000000 + until.tv_nsec / 1000000000;
        until.tv_nsec %= 1000000000;
        if (pthread_cond_timedwait(&gil.freed, &gil.m, &until) != 0 && gil.locked && gil.switches == before)
            atomic_store(&gil.drop_request, true);   /* waited a whole interval: ask the holder to let go */
    }
    gil.waiting--;
    gil.locked = true;
    gil.switches++;
    atomic_store(&gil.drop_request, false);
    pthread_cond_broadcast(&gil.taken);
    pthread_mutex_unlock(&gil.m);
}

void pb_gil_drop(void)
{
    if (!pb_gil_on())
        return;
    pthread_mutex_lock(&gil.m);
    gil.locked = false;
    pthread_cond_signal(&gil.freed);
    pthread_mutex_unlock(&gil.m);
}

void pb_gil_checkpoint(void)
{
    if (!pb_gil_on() || !atomic_load_explicit(&gil.drop_request, memory_order_relaxed))
        return;
    pthread_mutex_lock(&gil.m);
    uint64_t mine = gil.switches;
    gil.locked = false;
    pthread_cond_signal(&gil.freed);
    while (gil.switches == mine && gil.waiting > 0)   /* a forced switch: let the other take it first */
        pthread_cond_wait(&gil.taken, &gil.m);
    pthread_mutex_unlock(&gil.m);
    pb_gil_take();
}
