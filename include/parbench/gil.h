/* A global interpreter lock, as CPython has, for teaching: with it on, a
 * thread runs task code only while it holds the one lock of its process; a
 * thread that wants it waits a switch interval, then asks the holder to let
 * go, and the holder does at its next checkpoint. Sleeping releases it, so
 * sleeping threads still overlap; CPU-bound threads take turns on one core.
 * Each process has its own lock, as each CPython process does. Off unless
 * a run asks for it (--gil). */
#ifndef PARBENCH_GIL_H
#define PARBENCH_GIL_H

#include <stdbool.h>
#include <stdint.h>

#define PB_GIL_SWITCH_NS 5000000   /* CPython's sys.getswitchinterval(): 5 ms */

/* Turn the lock on (switch_ns > 0) or off (0) for the runs that follow. */
void pb_gil_enable(int64_t switch_ns);
bool pb_gil_on(void);

/* Take and let go of the lock (no-ops when it is off). */
void pb_gil_take(void);
void pb_gil_drop(void);

/* In long task loops: let a waiting thread have the lock if it asked. */
void pb_gil_checkpoint(void);

#endif
