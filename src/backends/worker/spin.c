#include "backends/worker/spin.h"

#include <sched.h>

#include "parbench/clock.h"

void pb__spin_relax(bool yield)
{
    if (yield) {
        sched_yield();
        return;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield" ::: "memory");
#else
    __asm__ volatile("" ::: "memory");
#endif
}

bool pb__spin_while_equal(_Atomic uint32_t *addr, uint32_t old, int64_t spin_ns, bool yield,
                         _Atomic uint32_t *quit)
{
    if (spin_ns <= 0)
        return atomic_load(addr) != old;
    int64_t start = pb_now_ns(), until = spin_ns == INT64_MAX ? INT64_MAX : start + spin_ns;
    int64_t pause_until = yield ? start : start + PB_SPIN_PAUSE_NS;
    for (unsigned turn = 1;; turn++) {
        if (atomic_load_explicit(addr, memory_order_acquire) != old)
            return true;
        if (quit && atomic_load_explicit(quit, memory_order_relaxed))
            return false;
        /* the clock every 16 pauses (about 0.5-2 us), or at every yield */
        if (yield || turn % 16 == 0) {
            int64_t now = pb_now_ns();
            if (now >= until)
                return false;
            yield = now >= pause_until;
        }
        pb__spin_relax(yield);
    }
}
