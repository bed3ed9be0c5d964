"""The one duration grammar: every field and option that takes a length of time reads it here.

A duration is one or more `<number><unit>` parts, largest first or in any order, summed:
`30s`, `90m`, `6h`, `2d`, `1w`, `1h30m`, `1d12h`. Units: s (seconds), m (minutes),
h (hours), d (days), w (weeks). Spaces between parts are allowed; case is not significant.
Each caller bounds the result (a source's interval is at least 1m, a re-alert window at
most 365d) and names itself in the error.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_PART = re.compile(r"(\d+)\s*([smhdw])")
_WHOLE = re.compile(r"(?:\d+\s*[smhdw]\s*)+")
HELP = "write a number and a unit (s, m, h, d, w), e.g. 90m, 6h, 2d or 1h30m"


class DurationError(ValueError):
    """Not a duration, or outside the bounds of the field that reads it."""


def parse_duration(value: Any, *, what: str = "duration",
                   minimum: timedelta | None = None,
                   maximum: timedelta | None = None) -> timedelta:
    """"1h30m" -> timedelta(hours=1, minutes=30). A timedelta passes through (for code that
    builds models directly); it is bounds-checked all the same."""
    if isinstance(value, timedelta):
        duration = value
    else:
        text = value.strip().lower() if isinstance(value, str) else None
        if not text or not _WHOLE.fullmatch(text):
            least = f"; at least {format_duration(minimum)}" if minimum else ""
            raise DurationError(f"{value!r} is not a valid {what}: {HELP}{least}")
        duration = sum((timedelta(**{UNITS[unit]: int(number)})
                        for number, unit in _PART.findall(text)), timedelta())
    if minimum is not None and duration < minimum:
        raise DurationError(f"{value!r}: the {what} must be at least {format_duration(minimum)}")
    if maximum is not None and duration > maximum:
        raise DurationError(f"{value!r}: the {what} must be at most {format_duration(maximum)}")
    return duration


def format_duration(duration: timedelta) -> str:
    """timedelta -> the shortest spelling in this grammar: 1h30m, 2d, 1w."""
    seconds = int(duration.total_seconds())
    parts = []
    for size, unit in ((604800, "w"), (86400, "d"), (3600, "h"), (60, "m"), (1, "s")):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"
