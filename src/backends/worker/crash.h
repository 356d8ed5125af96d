/* Loud, clean failure when a task crashes inside a thread.
 *
 * A thread cannot be isolated: a crash in a worker thread ends the whole
 * process. While a thread backend runs, parbench installs handlers for the
 * crash signals that say what happened and where the finished results are,
 * then let the signal end the process as it would have. */
#ifndef PARBENCH_BACKENDS_WORKER_CRASH_H
#define PARBENCH_BACKENDS_WORKER_CRASH_H

/* Where finished results are, for the message (the CLI sets it). */
void pb__crash_set_results(const char *where);

/* Install / remove the handlers around a thread backend's life. `why`
 * completes "a task ended with SIGSEGV and ...": why that ends parbench.
 * Nested installs are counted. */
void pb__crash_guard_install(const char *why);
void pb__crash_guard_remove(void);

/* Restore default crash handling (in a freshly forked child). */
void pb__crash_guard_reset_in_child(void);

/* Write "parbench: <what> in <why>..." to stderr, async-signal-safe. */
void pb__crash_report(const char *what, const char *why);

#endif
