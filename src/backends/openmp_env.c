/* The openmp backend's environment (openmp.h): what OMP_WAIT_POLICY,
 * GOMP_SPINCOUNT and OMP_PROC_BIND must say for a wait policy, and setting
 * them for a process started next. Built with or without OpenMP: `parbench
 * run` asks it either way. */
#include "backends/openmp.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backends/worker/spin.h"
#include "parbench/clock.h"

static bool env_is(const char *name, const char *want)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return want == NULL;
    if (!want)
        return false;
    while (isspace((unsigned char)*v))
        v++;
    size_t n = strlen(want);
    if (strncasecmp(v, want, n) != 0)
        return false;
    for (v += n; *v; v++)
        if (!isspace((unsigned char)*v))
            return false;
    return true;
}

bool pb__openmp_env_ready(const pb_wait_policy *w, char *why, size_t why_size)
{
    const char *policy = w->kind == PB_WAIT_PASSIVE ? "PASSIVE" : w->kind == PB_WAIT_ACTIVE ? "ACTIVE" : NULL;
    bool spin = w->kind == PB_WAIT_ADAPTIVE && w->spin_ns > 0;
    const char *have_policy = getenv("OMP_WAIT_POLICY"), *have_spin = getenv("GOMP_SPINCOUNT");
    bool ok = env_is("OMP_WAIT_POLICY", policy) && (spin ? have_spin && *have_spin : !have_spin || !*have_spin) &&
              (env_is("OMP_PROC_BIND", NULL) || env_is("OMP_PROC_BIND", "false"));
    if (!ok) {
        char need[96];
        if (policy)
            snprintf(need, sizeof need, "OMP_WAIT_POLICY=%s and GOMP_SPINCOUNT unset", policy);
        else
            snprintf(need, sizeof need, "OMP_WAIT_POLICY unset and GOMP_SPINCOUNT %s", spin ? "set" : "unset");
        const char *bind = getenv("OMP_PROC_BIND");
        snprintf(why, why_size, "--wait %s%s needs %s (OMP_PROC_BIND unset or false) in the environment the "
                 "process starts with, since libgomp reads them once; this one started with OMP_WAIT_POLICY=%s "
                 "GOMP_SPINCOUNT=%s OMP_PROC_BIND=%s (`parbench run` sets them itself)", pb_wait_name(w->kind),
                 spin ? " --spin-us" : "", need, have_policy ? have_policy : "(unset)",
                 have_spin ? have_spin : "(unset)", bind ? bind : "(unset)");
    }
    return ok;
}

/* Nanoseconds one turn of libgomp's spin loop takes here (a relaxed load
 * and a pause), measured over 2^17 turns. */
static double spin_turn_ns(void)
{
    static _Atomic uint32_t word;
    enum { TURNS = 1 << 17 };
    int64_t t0 = pb_now_ns();
    for (int i = 0; i < TURNS; i++) {
        if (atomic_load_explicit(&word, memory_order_relaxed) != 0)
            break;
        pb__spin_relax(false);
    }
    double ns = (double)(pb_now_ns() - t0) / TURNS;
    return ns > 0.1 ? ns : 0.1;
}

void pb__openmp_env_set(const pb_wait_policy *w)
{
    unsetenv("GOMP_SPINCOUNT");
    setenv("OMP_PROC_BIND", "false", 1);
    if (w->kind == PB_WAIT_PASSIVE)
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    else if (w->kind == PB_WAIT_ACTIVE)
        setenv("OMP_WAIT_POLICY", "ACTIVE", 1);
    else
        unsetenv("OMP_WAIT_POLICY");
    if (w->kind == PB_WAIT_ADAPTIVE && w->spin_ns > 0) {
        char count[32];
        double turns = (double)w->spin_ns / spin_turn_ns();
        snprintf(count, sizeof count, "%.0f", turns < 1 ? 1 : turns);
        setenv("GOMP_SPINCOUNT", count, 1);
    }
}
