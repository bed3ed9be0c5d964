"""TIMEX3 values: building them from calendar units and the days a value covers."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta

_SEASON_MONTHS = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "WI": (12, 14)}


def day_value(d: date) -> str:
    return d.isoformat()


def week_value(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year:04d}-W{week:02d}"


def month_value(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def quarter_of(d: date) -> int:
    return (d.month - 1) // 3 + 1


def shift_quarter(year: int, quarter: int, delta: int) -> tuple[int, int]:
    index = year * 4 + (quarter - 1) + delta
    return index // 4, index % 4 + 1


def monday_of(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _last_of_month(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def _months_span(year: int, first_month: int, last_month: int) -> tuple[date, date]:
    end_year, end_month = add_months(year, first_month, last_month - first_month)
    return date(year, first_month, 1), _last_of_month(end_year, end_month)


_SPAN = re.compile(
    r"^(?P<year>\d{4})(?:-(?:(?P<month>\d\d)(?:-(?P<day>\d\d))?|W(?P<week>\d\d)(?P<we>-WE)?"
    r"|Q(?P<quarter>[1-4])|H(?P<half>[12])|(?P<season>SP|SU|FA|WI)))?(?:T.*)?$"
    r"|^(?P<decade>\d{3})$|^(?P<century>\d{2})$")


def span_of(value: str) -> tuple[date, date] | tuple[None, None]:
    """The first and last calendar day a TIMEX3 value covers; (None, None) for PRESENT_REF etc."""
    m = _SPAN.match(value)
    if m is None:
        return None, None
    if m["decade"]:
        start = int(m["decade"]) * 10
        return date(start, 1, 1), date(start + 9, 12, 31)
    if m["century"]:
        start = int(m["century"]) * 100
        return date(max(start, 1), 1, 1), date(start + 99, 12, 31)
    year = int(m["year"])
    try:
        if m["day"]:
            d = date(year, int(m["month"]), int(m["day"]))
            return d, d
        if m["month"]:
            return _months_span(year, int(m["month"]), int(m["month"]))
        if m["week"]:
            monday = date.fromisocalendar(year, int(m["week"]), 1)
            if m["we"]:
                return monday + timedelta(days=5), monday + timedelta(days=6)
            return monday, monday + timedelta(days=6)
        if m["quarter"]:
            first = (int(m["quarter"]) - 1) * 3 + 1
            return _months_span(year, first, first + 2)
        if m["half"]:
            first = (int(m["half"]) - 1) * 6 + 1
            return _months_span(year, first, first + 5)
        if m["season"]:
            return _months_span(year, *_SEASON_MONTHS[m["season"]])
    except ValueError:
        return None, None
    return date(year, 1, 1), date(year, 12, 31)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday of a month (n = -1: the last), for holidays like Labor Day."""
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    if n > 0:
        return first + timedelta(days=offset + 7 * (n - 1))
    last = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def easter(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    mm = (a + 11 * h + 22 * ll) // 451
    month, day = divmod(h + ll - 7 * mm + 114, 31)
    return date(year, month, day + 1)
