#include "core/futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

void pb__futex_wait(_Atomic uint32_t *addr, uint32_t expected, const struct timespec *timeout)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT, expected, timeout, NULL, 0);
}

void pb__futex_wake(_Atomic uint32_t *addr, int count)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE, count, NULL, NULL, 0);
}
