/* A small seeded generator (splitmix64): the same seed gives the same
 * numbers on every machine, so a plan is reproducible and verifiable. */
#ifndef PARBENCH_RNG_H
#define PARBENCH_RNG_H

#include <stdint.h>

static inline uint64_t pb_splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* The k-th number of stream `seed`, uniform in [lo, hi]. */
static inline uint64_t pb_uniform(uint64_t seed, uint64_t k, uint64_t lo, uint64_t hi)
{
    uint64_t span = hi - lo + 1;
    uint64_t r = pb_splitmix64(seed * 0x100000001B3ull + k);
    return span ? lo + r % span : r;   /* span 0: the whole 64-bit range */
}

#endif
