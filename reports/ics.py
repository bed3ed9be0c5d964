"""Upcoming event dates as an iCalendar file (RFC 5545), for a desk's calendar.

A day is an all-day event; a span (a week, "Dec 9-13") an all-day event over its days; a
clock time a timed event in floating local time, since the page's zone is not known. Each
event's UID is stable across runs, so importing the file again updates rather than doubles.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from warehouse.event_calendar import CalendarEvent

_PRODID = "-//newswatch//upcoming event dates//EN"
_TIMED = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)$")
_LINE_OCTETS = 75


def calendar(events: Iterable[CalendarEvent], now: datetime | None = None,
             name: str = "newswatch: upcoming events") -> str:
    """The whole VCALENDAR, CRLF line endings, long lines folded."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{text(name)}"]
    for event in events:
        lines += _vevent(event, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _vevent(event: CalendarEvent, stamp: str) -> list[str]:
    uid = hashlib.sha256(f"{event.rule_id}\x1f{event.story_id}\x1f{event.value}".encode())
    timed = _TIMED.match(event.value)
    if timed:
        y, mo, d, h, mi = timed.groups()
        when = [f"DTSTART:{y}{mo}{d}T{h}{mi}00"]
    else:
        end = event.last_day + timedelta(days=1)       # DTEND of an all-day event is exclusive
        when = [f"DTSTART;VALUE=DATE:{event.first_day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{end:%Y%m%d}"]
    description = (f"\u201c{event.sentence}\u201d\n{event.url}\nDate as written: "
                   f"{event.date_text} ({event.value}); rule {event.rule_id}; source "
                   f"{event.source_id}")
    return ["BEGIN:VEVENT", f"UID:{uid.hexdigest()[:32]}@newswatch", f"DTSTAMP:{stamp}", *when,
            f"SUMMARY:{text(f'{event.title} ({event.date_text})')}",
            f"DESCRIPTION:{text(description)}", f"URL:{_uri(event.url)}",
            f"CATEGORIES:{text(event.rule_id)}", "TRANSP:TRANSPARENT", "END:VEVENT"]


def text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as \\n, other control
    characters dropped (a headline from a hostile page cannot add a property)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(c for c in value if c >= " " and c != "\x7f")


def _uri(url: str) -> str:
    return "".join(c for c in url if " " < c != "\x7f")


def fold(line: str) -> str:
    """Lines of at most 75 octets, continued after CRLF and a space, never inside a UTF-8
    character."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        octets = len(char.encode("utf-8"))
        limit = _LINE_OCTETS if not parts else _LINE_OCTETS - 1     # the space counts
        if size + octets > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += octets
    parts.append(current)
    return "\r\n ".join(parts)
