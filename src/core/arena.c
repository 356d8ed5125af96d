#include "parbench/arena.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

/* Default reservation: half of physical memory, at most 64 GiB. Only the
 * pages a plan touches are ever backed. */
static size_t default_capacity(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t cap = (pages > 0 && page > 0) ? (size_t)pages * (size_t)page / 2 : (size_t)1 << 30;
    size_t max = (size_t)64 << 30;
    return cap > max ? max : cap;
}

int pb_arena_create(pb_arena *a, size_t capacity, pb_error *err)
{
    if (!capacity)
        capacity = default_capacity();
    void *p = mmap(NULL, capacity, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return pb_fail_errno(err, PB_E_NOMEM, errno, "cannot map a %zu-byte shared arena", capacity);
    a->base = p;
    a->capacity = capacity;
    a->used = 0;
    return 0;
}

void *pb_arena_alloc(pb_arena *a, size_t bytes, size_t align, pb_error *err)
{
    if (align < 16)
        align = 16;
    size_t start = (a->used + align - 1) & ~(align - 1);
    if (start < a->used || start > a->capacity || bytes > a->capacity - start) {
        pb_fail(err, PB_E_NOMEM, "the shared arena (%zu MiB) cannot hold %zu more bytes",
                a->capacity >> 20, bytes);
        return NULL;
    }
    a->used = start + bytes;
    return a->base + start;   /* fresh shared anonymous pages are zero */
}

void pb_arena_destroy(pb_arena *a)
{
    if (a->base)
        munmap(a->base, a->capacity);
    a->base = NULL;
    a->capacity = a->used = 0;
}
