"""When sources run: each source declares an `interval` or a `cron` (default: settings'
`default_interval`); sources with the same schedule run together, in one monitor run.

Pure functions: parsing, validation and grouping. `flows/serve.py` turns the groups into
Prefect deployments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapers.models import SourceConfig

MIN_INTERVAL = timedelta(minutes=1)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_PART = re.compile(r"(\d+)\s*([smhd])")
_INTERVAL = re.compile(r"(?:\d+\s*[smhd]\s*)+")
INTERVAL_HELP = ("write a number and a unit (s, m, h, d), e.g. 15m, 1h, 1h30m or 2d; "
                 "at least 1m")
CRON_HELP = ("five fields: minute hour day-of-month month day-of-week, e.g. \"*/15 * * * *\" "
             "(every 15 minutes) or \"0 7 * * mon-fri\" (07:00 on weekdays, UTC); lists (1,5), "
             "ranges (1-5), steps (*/10) and names (mon, jan) are allowed, as are @hourly, "
             "@daily, @weekly, @monthly; random (R) and hashed (H) fields are not")


def parse_interval(text: str) -> timedelta:
    """"15m", "1h", "1h30m", "2d" → timedelta. At least one minute."""
    cleaned = text.strip().lower()
    if not _INTERVAL.fullmatch(cleaned):
        raise ValueError(f"{text!r} is not an interval: {INTERVAL_HELP}")
    total = timedelta()
    for number, unit in _PART.findall(cleaned):
        total += timedelta(**{_UNITS[unit]: int(number)})
    if total < MIN_INTERVAL:
        raise ValueError(f"{text!r} is shorter than the minimum interval of 1m")
    return total


def check_cron(text: str) -> str:
    """Validate with Prefect's own cron parser (croniter, vendored by Prefect); the cron string
    normalized (single spaces) is returned."""
    from prefect.client.schemas.schedules import CronSchedule

    cleaned = " ".join(text.split())
    try:
        CronSchedule(cron=cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid cron: {CRON_HELP}") from None
    return cleaned


def format_interval(interval: timedelta) -> str:
    """timedelta → the shortest "1h30m" spelling."""
    seconds = int(interval.total_seconds())
    parts = []
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m"), (1, "s")):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


@dataclass(frozen=True, order=True)
class Schedule:
    """An interval or a cron (exactly one)."""

    interval: timedelta | None = None
    cron: str | None = None

    def __post_init__(self) -> None:
        if (self.interval is None) == (self.cron is None):
            raise ValueError("a schedule is an interval or a cron, not both or neither")

    @property
    def label(self) -> str:
        """"every 15m" or "cron 0 7 * * mon-fri"."""
        if self.interval is not None:
            return f"every {format_interval(self.interval)}"
        return f"cron {self.cron}"

    @property
    def sort_key(self) -> tuple[int, float, str]:
        if self.interval is not None:
            return (0, self.interval.total_seconds(), "")
        return (1, 0.0, self.cron or "")


def source_schedule(source: SourceConfig, default_interval: str | timedelta) -> Schedule:
    if source.cron:
        return Schedule(cron=check_cron(source.cron))
    if source.interval:
        return Schedule(interval=parse_interval(source.interval))
    default = (default_interval if isinstance(default_interval, timedelta)
               else parse_interval(default_interval))
    return Schedule(interval=default)


def group_sources(sources: Iterable[SourceConfig], default_interval: str | timedelta,
                  ) -> list[tuple[Schedule, list[str]]]:
    """Enabled sources grouped by schedule: [(schedule, [source ids in config order])], the
    intervals first (shortest first), then the crons. "60m" and "1h" are the same schedule."""
    groups: dict[Schedule, list[str]] = {}
    for source in sources:
        if source.enabled:
            groups.setdefault(source_schedule(source, default_interval), []).append(source.id)
    return sorted(groups.items(), key=lambda item: item[0].sort_key)
