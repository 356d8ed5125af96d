"""The Python tests' harness: check() records a failure and goes on;
report() prints the closing count and exits 1 if anything failed."""
import sys

_failures = 0
_checks = 0


def check(cond, what):
    global _failures, _checks
    _checks += 1
    if not cond:
        _failures += 1
        print("FAIL:", what, file=sys.stderr)


def report(name):
    print(f"{name}: {_checks} checks, {_failures} failed")
    sys.exit(1 if _failures else 0)
