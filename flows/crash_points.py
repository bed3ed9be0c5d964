"""Fault injection for the crash-safety tests: die at a named point, as a real crash would.

A testing aid used by the fault suite (tests/flows/test_crash_safety.py). `crash_point(name)`
does nothing unless the environment variable NEWSWATCH_CRASH_AT equals `name`; then it kills
the current process with SIGKILL on the spot: no exception, no `finally`, no flush, no
rollback, exactly what the warehouse and the channels see when the machine loses the process.
Harmless in normal runs, where the variable is unset.

The points, in the order a monitor run passes them:
  after_load           the run's articles are committed, the rules have not seen them
  after_outbox_write   this run's deliveries are marked sending (attempt counted), none sent
  after_send           a channel accepted a message; its outcome is not recorded yet
"""

from __future__ import annotations

import os
import signal

CRASH_AT_ENV = "NEWSWATCH_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
