/* Demo sync (004): a deadlock and its fix, a semaphore, producer/consumer with an end event. */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "narrate.h"
#include "parbench/clock.h"

typedef struct two_locks {
    pthread_mutex_t a, b;
    pthread_barrier_t both_hold_one;
    int64_t timeout_ns;
    bool reversed;             /* this worker takes b first */
    bool ordered;              /* everyone takes a first (the fix) */
    bool timed_out;
} two_locks;

typedef struct lock_arg {
    two_locks *s;
    bool b_first;
    bool timed_out;
} lock_arg;

static void *lock_worker(void *p)
{
    lock_arg *a = p;
    two_locks *s = a->s;
    bool b_first = a->b_first && !s->ordered;
    pthread_mutex_t *first = b_first ? &s->b : &s->a, *second = b_first ? &s->a : &s->b;
    pthread_mutex_lock(first);
    if (!s->ordered)
        pthread_barrier_wait(&s->both_hold_one);   /* make the bad interleaving certain */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += s->timeout_ns % 1000000000;
    until.tv_sec += s->timeout_ns / 1000000000 + until.tv_nsec / 1000000000;
    until.tv_nsec %= 1000000000;
    if (pthread_mutex_timedlock(second, &until) == 0)
        pthread_mutex_unlock(second);
    else
        a->timed_out = true;   /* would wait forever: the other holds it and waits for ours */
    pthread_mutex_unlock(first);
    return NULL;
}

static int run_two_locks(two_locks *s)
{
    lock_arg args[2] = { { s, false, false }, { s, true, false } };
    pthread_t t[2];
    pthread_barrier_init(&s->both_hold_one, NULL, 2);
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, lock_worker, &args[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&s->both_hold_one);
    return args[0].timed_out + args[1].timed_out;
}

typedef struct limited {
    sem_t slots;
    _Atomic int inside, most;
    int64_t work_ns;
} limited;

static void *limited_worker(void *p)
{
    limited *l = p;
    sem_wait(&l->slots);
    int now = atomic_fetch_add(&l->inside, 1) + 1;
    int m = atomic_load(&l->most);
    while (now > m && !atomic_compare_exchange_weak(&l->most, &m, now))
        ;
    nanosleep(&(struct timespec){ 0, l->work_ns }, NULL);
    atomic_fetch_sub(&l->inside, 1);
    sem_post(&l->slots);
    return NULL;
}

/* A bounded queue in shared memory, usable by threads and by processes. */
enum { QCAP = 4 };
typedef struct bqueue {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    long item[QCAP];
    int head, count;
    bool done;                 /* the event: the producer has finished */
} bqueue;

static void bq_init(bqueue *q)
{
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&q->lock, &ma);
    pthread_cond_init(&q->not_full, &ca);
    pthread_cond_init(&q->not_empty, &ca);
    q->head = q->count = 0;
    q->done = false;
}

static void produce(bqueue *q, long n)
{
    for (long i = 1; i <= n; i++) {
        pthread_mutex_lock(&q->lock);
        while (q->count == QCAP)
            pthread_cond_wait(&q->not_full, &q->lock);
        q->item[(q->head + q->count++) % QCAP] = i;
        pthread_cond_signal(&q->not_empty);
        pthread_mutex_unlock(&q->lock);
    }
    pthread_mutex_lock(&q->lock);
    q->done = true;            /* event.set() */
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

static long consume(bqueue *q)
{
    long sum = 0;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        while (q->count == 0 && !q->done)
            pthread_cond_wait(&q->not_empty, &q->lock);
        if (q->count == 0) {
            pthread_mutex_unlock(&q->lock);
            return sum;
        }
        sum += q->item[q->head];
        q->head = (q->head + 1) % QCAP;
        q->count--;
        pthread_cond_signal(&q->not_full);
        pthread_mutex_unlock(&q->lock);
    }
}

typedef struct consumer_arg {
    bqueue *q;
    long sum;
} consumer_arg;

static void *consumer_thread(void *p)
{
    consumer_arg *a = p;
    a->sum = consume(a->q);
    return NULL;
}

static void demo_sync(pb_demo_ctx *c)
{
    int64_t timeout = (c->quick ? 50 : 500) * 1000000LL;
    pb__say(c, _("Note 004: two threads take two locks in opposite order: each holds one and waits for the other."));
    two_locks s = { .timeout_ns = timeout };
    pthread_mutex_init(&s.a, NULL);
    pthread_mutex_init(&s.b, NULL);
    int stuck = run_two_locks(&s);
    pb__show(c, _("  opposite order: %d thread(s) gave up after waiting %lld ms -> a deadlock\n"),
           stuck, (long long)(timeout / 1000000));
    s.ordered = true;
    int stuck_ordered = run_two_locks(&s);
    pb__show(c, _("  same order (always A then B): %d thread(s) gave up\n"),
           stuck_ordered);
    pb__record(c, "two locks opposite order", "gave_up", stuck, "count", NAN, 0);
    pb__record(c, "two locks same order", "gave_up", stuck_ordered, "count", 0, 0);
    pb__fact(c, stuck >= 1 && stuck_ordered == 0, _("the deadlock was not seen, or the fix did not work"));

    pb__say(c, _("\nA semaphore of 3 lets at most 3 of 8 tasks in at once:"));
    limited l = { .work_ns = (c->quick ? 5 : 50) * 1000000L };
    sem_init(&l.slots, 0, 3);
    pthread_t t[8];
    int64_t t0 = pb_now_ns();
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, limited_worker, &l);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    double sem_s = (double)(pb_now_ns() - t0) / 1e9;
    pb__show(c, _("  at most %d inside at once, %.0f ms in all (one task: %lld ms)\n"),
           atomic_load(&l.most), sem_s * 1e3, (long long)(l.work_ns / 1000000));
    pb__record(c, "semaphore of 3", "most_inside", atomic_load(&l.most), "count", NAN, 0);
    pb__record(c, "semaphore of 3", "wall_s", sem_s, "s", NAN, 0);
    pb__fact(c, atomic_load(&l.most) <= 3, _("more than 3 tasks were inside"));
    sem_destroy(&l.slots);

    long n = c->quick ? 20000 : 200000;
    pb__show(c, _("\nProducer/consumer: %ld items through a queue of %d, the end signalled by an event.\n"), n, QCAP);
    bqueue *q = mmap(NULL, sizeof *q, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    long want = n * (n + 1) / 2, *psum = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    double rate[2] = { 0, 0 };
    long got[2] = { -1, -1 };
    for (int k = 0; k < 2; k++) {
        bq_init(q);
        int64_t start = pb_now_ns();
        if (k == 0) {
            consumer_arg a = { q, 0 };
            pthread_t ct;
            pthread_create(&ct, NULL, consumer_thread, &a);
            produce(q, n);
            pthread_join(ct, NULL);
            got[k] = a.sum;
        } else {
            fflush(stdout);
            pid_t pid = pb__demo_fork();
            if (pid == 0) {
                *psum = consume(q);
                _exit(0);
            }
            produce(q, n);
            pb__reap(pid, NULL);
            got[k] = *psum;
        }
        rate[k] = (double)n / ((double)(pb_now_ns() - start) / 1e9);
    }
    pb__show(c, _("  between threads    %9.0f items/s, total %s\n  between processes  %9.0f items/s, total %s\n"),
           rate[0], got[0] == want ? (_("exact")) : (_("WRONG")), rate[1],
           got[1] == want ? (_("exact")) : (_("WRONG")));
    for (int k = 0; k < 2; k++) {
        const char *what = k ? "queue between processes" : "queue between threads";
        pb__record(c, what, "total", (double)got[k], "count", (double)want, 0);
        pb__record(c, what, "items_per_s", rate[k], "items/s", NAN, 0);
    }
    pb__say(c, _("Lesson: a deadlock is two waits in a circle; a timed lock detects it and one fixed order prevents it. "
           "A semaphore bounds concurrency. A bounded queue with an end event moves every item exactly once, "
           "between threads and between processes alike."));
    pb__fact(c, got[0] == want && got[1] == want, _("an item was lost or repeated"));
    munmap(q, sizeof *q);
    munmap(psum, sizeof(long));
}

const pb_demo pb_demo_sync = {
    .name = "sync",
    .notes = "004",
    .summary = N_("a deadlock detected with a timed lock, a semaphore, producer/consumer with an event"),
    .run = demo_sync,
};
