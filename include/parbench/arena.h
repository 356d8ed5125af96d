/* The arena: one shared mapping (MAP_SHARED | MAP_ANONYMOUS) that holds a
 * plan's input, its output and every task's outcome, so that threads and
 * forked processes read and write the same bytes.
 *
 * It reserves address space up front (pages are only backed when touched)
 * and hands out aligned blocks; it never moves, so pointers stay valid in
 * every worker forked after the allocation.
 */
#ifndef PARBENCH_ARENA_H
#define PARBENCH_ARENA_H

#include <stddef.h>

#include "parbench/error.h"

typedef struct pb_arena {
    unsigned char *base;   /* start of the shared mapping */
    size_t capacity;       /* bytes reserved */
    size_t used;           /* bytes handed out */
} pb_arena;

/* Reserve `capacity` bytes of shared memory (0: a default sized from RAM). */
int pb_arena_create(pb_arena *a, size_t capacity, pb_error *err);

/* An aligned, zeroed block; NULL (and err filled) when the arena is full. */
void *pb_arena_alloc(pb_arena *a, size_t bytes, size_t align, pb_error *err);

void pb_arena_destroy(pb_arena *a);

#endif
