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
from typing import Protocol

from core.durations import HELP, format_duration, parse_duration

MIN_INTERVAL = timedelta(minutes=1)
INTERVAL_HELP = HELP + "; at least 1m"
CRON_HELP = ("five fields: minute hour day-of-month month day-of-week, e.g. \"*/15 * * * *\" "
             "(every 15 minutes) or \"0 7 * * mon-fri\" (07:00 on weekdays, UTC); lists (1,5), "
             "ranges (1-5), steps (*/10) and names (mon, jan) are allowed, as are @hourly, "
             "@daily, @weekly, @monthly; random (R) and hashed (H) fields are not")


def parse_interval(text: str) -> timedelta:
    """"15m", "1h", "1h30m", "2d" -> timedelta. At least one minute."""
    return parse_duration(text, what="interval", minimum=MIN_INTERVAL)


def check_cron(text: str) -> str:
    """Validate with croniter (the parser Prefect's cron schedules use); the cron string
    normalized (single spaces) is returned."""
    from croniter import croniter

    cleaned = " ".join(text.split())
    fields = cleaned.split()
    if ((len(fields) != 5 and not (len(fields) == 1 and cleaned.startswith("@")))
            or re.search(r"(?<![A-Za-z])[RH](?![A-Za-z])", cleaned)   # random, hashed
            or not croniter.is_valid(cleaned)):
        raise ValueError(f"{text!r} is not a valid cron: {CRON_HELP}")
    return cleaned


format_interval = format_duration


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


class ScheduledSource(Protocol):
    """What scheduling reads of a source (scrapers.models.SourceConfig has it): core sits
    below scrapers, so it names the fields rather than importing the model."""

    @property
    def id(self) -> str: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def interval(self) -> str | None: ...
    @property
    def cron(self) -> str | None: ...


def source_schedule(source: ScheduledSource, default_interval: str | timedelta) -> Schedule:
    if source.cron:
        return Schedule(cron=check_cron(source.cron))
    if source.interval:
        return Schedule(interval=parse_interval(source.interval))
    default = (default_interval if isinstance(default_interval, timedelta)
               else parse_interval(default_interval))
    return Schedule(interval=default)


def group_sources(sources: Iterable[ScheduledSource], default_interval: str | timedelta,
                  ) -> list[tuple[Schedule, list[str]]]:
    """Enabled sources grouped by schedule: [(schedule, [source ids in config order])], the
    intervals first (shortest first), then the crons. "60m" and "1h" are the same schedule."""
    groups: dict[Schedule, list[str]] = {}
    for source in sources:
        if source.enabled:
            groups.setdefault(source_schedule(source, default_interval), []).append(source.id)
    return sorted(groups.items(), key=lambda item: item[0].sort_key)
