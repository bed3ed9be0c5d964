"""When alerts go out: digest schedules, quiet hours, re-alert windows and retry backoff.

The YAML models (strict, like the rest of the config) and the time arithmetic behind them. All
functions take `now` (an aware datetime) so tests move time without sleeping; schedules and
quiet hours are read in the channel's time zone, results are returned in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.durations import parse_duration

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
TIME_HINT = 'write a time as "HH:MM" on a 24-hour clock, in quotes, e.g. "08:00" or "22:30"'


def parse_clock(value: Any) -> str:
    """'HH:MM' (24-hour). An unquoted 22:00 reaches us as the number 1320 (YAML 1.1 reads
    it as base 60), so numbers get an error that says to quote them."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time; {TIME_HINT} (unquoted, YAML reads 22:00 "
                         "as a number)")
    if not _CLOCK.match(value.strip()):
        raise ValueError(f"{value!r} is not a time; {TIME_HINT}")
    return value.strip()


def _show(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


class DigestSchedule(BaseModel):
    """`{every: hourly}`, `{every: 30m}` or `{daily_at: "08:00"}` in the channel's time zone.

    `every` periods start at local midnight (hourly: on the hour); a digest goes out at the
    first run after a period ends, with everything collected until then."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    every: timedelta | None = Field(
        default=None, description="hourly, daily, or a duration from 5m to 24h (30m, 2h)")
    daily_at: str | None = Field(default=None, description='"HH:MM", local time')
    max_items: int = Field(default=50, ge=1, le=500,
                           description="Stories listed in one digest; the rest are counted.")

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, value: Any) -> timedelta | None:
        if value is None:
            return None
        named = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}
        if isinstance(value, str) and value.strip() in named:
            return named[value.strip()]
        try:
            return parse_duration(value, what="digest period", minimum=timedelta(minutes=5),
                                  maximum=timedelta(days=1))
        except ValueError as exc:
            raise ValueError(f"{exc}; or write hourly or daily") from None

    @field_validator("daily_at", mode="before")
    @classmethod
    def _daily_at(cls, value: Any) -> str | None:
        return None if value is None else parse_clock(value)

    @model_validator(mode="after")
    def _one_kind(self) -> DigestSchedule:
        if (self.every is None) == (self.daily_at is None):
            raise ValueError('give exactly one of `every` (hourly, daily, 30m, 2h) or '
                             '`daily_at` ("08:00")')
        return self

    def latest_boundary(self, now: datetime, timezone: str) -> datetime:
        """The start of the current period (UTC): the last time a digest became due."""
        zone = ZoneInfo(timezone)
        local = now.astimezone(zone).replace(tzinfo=None)     # wall-clock time
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.daily_at is not None:
            hour, minute = map(int, self.daily_at.split(":"))
            wall = midnight.replace(hour=hour, minute=minute)
            if wall > local:
                wall -= timedelta(days=1)
        else:
            assert self.every is not None
            steps = (local - midnight) // self.every
            wall = midnight + steps * self.every
        boundary = wall.replace(tzinfo=zone).astimezone(UTC)
        return boundary if boundary <= now else boundary - (self.every or timedelta(days=1))

    def describe(self) -> str:
        if self.daily_at is not None:
            return f"daily at {self.daily_at}"
        every = self.every
        assert every is not None   # the validator lets through exactly one of the two
        return {3600: "hourly", 86400: "daily"}.get(
            int(every.total_seconds()), f"every {_show(every)}")


class QuietHours(BaseModel):
    """`{from: "22:00", to: "07:00"}` local time: alerts below critical wait until `to`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: str = Field(alias="from", description='"HH:MM", local time')
    end: str = Field(alias="to", description='"HH:MM", local time')

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> str:
        return parse_clock(value)

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("`from` and `to` are the same time; remove quiet_hours to have none")
        return self

    def end_after(self, now: datetime, timezone: str) -> datetime | None:
        """When the quiet hours containing `now` end (UTC), or None if `now` is not in them."""
        zone = ZoneInfo(timezone)
        local = now.astimezone(zone).replace(tzinfo=None)
        start, end = (time.fromisoformat(t) for t in (self.start, self.end))
        clock = local.time()
        if start < end:
            quiet = start <= clock < end
            end_day = local.date()
        else:                                   # across midnight: 22:00 → 07:00
            quiet = clock >= start or clock < end
            end_day = local.date() + timedelta(days=1 if clock >= start else 0)
        if not quiet:
            return None
        return datetime.combine(end_day, end).replace(tzinfo=zone).astimezone(UTC)


def parse_realert(value: Any) -> timedelta | None:
    if value is None:
        return None
    return parse_duration(value, what="re-alert window", minimum=timedelta(minutes=1),
                          maximum=timedelta(days=365))


def backoff(attempts: int, base: timedelta = timedelta(minutes=1),
            cap: timedelta = timedelta(hours=1)) -> timedelta:
    """Wait after the `attempts`-th failed attempt: base, 2×base, 4×base, … at most `cap`."""
    if attempts <= 0:
        return timedelta(0)
    return min(base * (2 ** min(attempts - 1, 30)), cap)
