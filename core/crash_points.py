"""Fault injection for the crash-safety tests: die at a named point, as a real crash would.

A testing aid used by the crash-safety tests (tests/flows/test_crash_safety.py, tests/faults).
`crash_point(name)` does nothing unless the environment variable NEWSWATCH_CRASH_AT names that
point; then it kills the current process with SIGKILL on the spot: no exception, no `finally`,
no flush, no rollback, exactly what the warehouse and the channels see when the process is
lost. Harmless in normal runs, where the variable is unset.

`fail_point(name)` is the same idea for a failing disk: with NEWSWATCH_FAIL_AT=NAME it raises
OSError(ENOSPC) at that point, as a write to a full disk would (the fault suite, tests/faults).

NEWSWATCH_CRASH_AT=NAME dies the first time the process passes the point; NAME:N the N-th time
(e.g. `after_send:2`, once a second message has been accepted). The points, in the order a
monitor run passes them:
  during_load          the run's articles are written, not yet committed
  after_load           the run's articles are committed, the rules have not seen them
  after_outbox_write   this run's deliveries are marked sending (attempt counted), none sent
  after_send           a channel accepted a message; its outcome is not recorded yet
and the staged loader's (warehouse/staging.py):
  after_staged_commit  a staged batch and its ledger row are committed; the batch is not
                       moved to loaded/ yet
"""

from __future__ import annotations

import errno
import os
import signal
from collections import Counter

CRASH_AT_ENV = "NEWSWATCH_CRASH_AT"
FAIL_AT_ENV = "NEWSWATCH_FAIL_AT"

_passes: Counter[str] = Counter()


def crash_point(name: str) -> None:
    wanted = os.environ.get(CRASH_AT_ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _passes[name] += 1
    if _passes[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def fail_point(name: str) -> None:
    """Raise OSError(ENOSPC) here when NEWSWATCH_FAIL_AT names this point (every pass)."""
    if os.environ.get(FAIL_AT_ENV) == name:
        raise OSError(errno.ENOSPC, f"No space left on device (injected at {name})")
