"""The Python tests' harness: check() records a failure and goes on;
skip() says a check could not run here, and why; report() prints the
closing count and exits 1 if anything failed or nothing was checked, 77
(Meson's "skipped") if every check had to be skipped, else 0."""
import sys

_failures = 0
_checks = 0
_skipped = 0


def check(cond, what):
    global _failures, _checks
    _checks += 1
    if not cond:
        _failures += 1
        print("FAIL:", what, file=sys.stderr)


def skip(what):
    """A check that cannot run on this machine: said, and counted apart."""
    global _skipped
    _skipped += 1
    print("SKIP:", what)


def report(name):
    print(f"{name}: {_checks} checks, {_failures} failed, {_skipped} skipped")
    if _failures:
        sys.exit(1)
    if _checks == 0 and _skipped:
        sys.exit(77)
    if _checks == 0:
        print(f"{name}: FAIL: no check ran", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
