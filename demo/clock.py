"""A controllable clock so demo articles can "appear" over time without waiting."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

DEFAULT_START: datetime = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
# The demo runs newswatch twice; between the runs the clock jumps this far.
ADVANCE_HOURS: float = 24.0


def as_utc(when: datetime) -> datetime:
    """Return `when` in UTC; naive values are taken to be UTC already."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


class DemoClock:
    """Wall clock of the demo web. Only moves when told to; safe to share across threads."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._now = as_utc(start if start is not None else DEFAULT_START)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, hours: float) -> datetime:
        """Move forward by `hours` and return the new time. Use set() to go back."""
        if hours < 0:
            raise ValueError("advance() only moves forward; use set() to rewind")
        with self._lock:
            self._now = self._now + timedelta(hours=hours)
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = as_utc(when)

    def __repr__(self) -> str:
        return f"DemoClock({self.now().isoformat()})"


class WallClock(DemoClock):
    """The real time, for measuring newswatch against a site that publishes as it goes
    (bench/alert_latency.py). set() and advance() shift it by an offset that then keeps
    running, so the tools that move a demo clock still work."""

    def __init__(self) -> None:
        super().__init__()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, hours: float) -> datetime:
        if hours < 0:
            raise ValueError("advance() only moves forward; use set() to rewind")
        with self._lock:
            self._offset += timedelta(hours=hours)
            return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        with self._lock:
            self._offset = as_utc(when) - datetime.now(UTC)
