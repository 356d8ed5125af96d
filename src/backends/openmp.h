/* The openmp backend's environment: libgomp reads OMP_WAIT_POLICY and
 * GOMP_SPINCOUNT once, when the process starts, so --wait reaches it only
 * through the environment of a process started afterwards. `parbench run`
 * asks whether this process's environment already says what --wait asks
 * for, and if not, sets it and starts itself again. Internal to
 * src/backends/ and src/cli/. */
#ifndef PARBENCH_BACKENDS_OPENMP_H
#define PARBENCH_BACKENDS_OPENMP_H

#include <stdbool.h>
#include <stddef.h>

#include "parbench/wait.h"

/* Does the environment this process started with give libgomp the policy
 * w maps onto? If not, `why` says what it holds and what is needed.
 *   passive   OMP_WAIT_POLICY=PASSIVE       (libgomp sleeps at once)
 *   active    OMP_WAIT_POLICY=ACTIVE        (spins about 3e10 times)
 *   adaptive  neither set: libgomp's own spin-then-sleep (GOMP_SPINCOUNT
 *             300000), or GOMP_SPINCOUNT from --spin-us
 * OMP_PROC_BIND must be unset or false: parbench binds each thread itself. */
bool pb__openmp_env_ready(const pb_wait_policy *w, char *why, size_t why_size);

/* Set (or unset) the variables for w in this process's environment, for a
 * process started next. --spin-us becomes GOMP_SPINCOUNT through a short
 * calibration of libgomp's spin loop (a load and a pause) on this CPU. */
void pb__openmp_env_set(const pb_wait_policy *w);

#endif
