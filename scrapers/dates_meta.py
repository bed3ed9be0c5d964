"""Publication dates as pages and feeds declare them: with their UTC offset, junk rejected.

Order of trust for an article page (see `scrapers.metadata`): JSON-LD, meta tags, `<time>`,
the feed entry, a date in the URL, then htmldate's guess from the whole page.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from lxml.html import HtmlElement

# Dates before this are placeholders (0001-01-01, 1970-01-01), not publication dates.
EARLIEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)
# A page may be a few hours "ahead" through a wrong zone; a date days ahead is a template bug.
FUTURE_SLACK = timedelta(days=2)

# "2024-05-01 12:00:00 +0000", "2024/05/01 12:00", "20240501T120000Z"
_LOOSE_ISO = re.compile(
    r"^(?P<y>\d{4})[-/.]?(?P<m>\d{1,2})[-/.]?(?P<d>\d{1,2})"
    r"(?:[T\s]+(?P<H>\d{1,2}):?(?P<M>\d{2})(?::?(?P<S>\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)
# /2024/05/01/, /2024-05-01-, /20240501/ in a path; the day must be a real day.
_URL_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[/_-]?)(?P<m>0?[1-9]|1[0-2])(?P=sep)"
    r"(?P<d>0?[1-9]|[12]\d|3[01])(?!\d)")

# Month abbreviations in the languages of feeds we have met that write RFC 822 dates locally.
_LOCAL_MONTHS = {
    **dict.fromkeys(["jan", "janv", "ene", "gen", "jän", "janeiro", "enero"], "Jan"),
    **dict.fromkeys(["fev", "fév", "févr", "feb", "febr"], "Feb"),
    **dict.fromkeys(["mar", "mär", "mars", "mrt"], "Mar"),
    **dict.fromkeys(["abr", "avr", "apr"], "Apr"),
    **dict.fromkeys(["mai", "may", "mei", "mag", "mayo", "maio"], "May"),
    **dict.fromkeys(["jun", "juin", "giu"], "Jun"),
    **dict.fromkeys(["jul", "juil", "lug"], "Jul"),
    **dict.fromkeys(["ago", "aoû", "août", "aug"], "Aug"),
    **dict.fromkeys(["set", "sep", "sept"], "Sep"),
    **dict.fromkeys(["out", "okt", "oct", "ott"], "Oct"),
    **dict.fromkeys(["nov"], "Nov"),
    **dict.fromkeys(["dez", "dic", "déc", "dec"], "Dec"),
}
_LOCAL_WORD = re.compile(r"(?<=\d )[^\W\d_]{3,7}\.?(?= \d{4})")
_LOCAL_WEEKDAY = re.compile(r"^\s*[^\W\d_]{2,12}\.?,\s*")

logging.getLogger("htmldate").setLevel(logging.CRITICAL)


def plausible(when: datetime | None, now: datetime | None = None) -> datetime | None:
    """The date if it could be a publication date; None for placeholders and far-future
    template values. It keeps the page's own UTC offset (a naive time is UTC): the instant is
    the same, and the page's calendar day stays the day it printed (a Tokyo page's
    2020-02-15 07:00 +09:00 is not moved to the 14th)."""
    if when is None:
        return None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    latest = (now or datetime.now(UTC)) + FUTURE_SLACK
    return when if EARLIEST_PLAUSIBLE <= when <= latest else None


def parse_date(value: object, now: datetime | None = None) -> datetime | None:
    """ISO 8601 (and its loose variants) or RFC 2822 to UTC; naive times are UTC.

    A list takes its first value (JSON-LD often repeats a date). Anything else, an invalid
    day, a placeholder or a date far in the future gives None.
    """
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    return plausible(_iso(text) or _loose(text) or _rfc2822(text), now)


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _loose(text: str) -> datetime | None:
    match = _LOOSE_ISO.match(text)
    if not match:
        return None
    parts = {k: int(v) for k, v in match.groupdict().items() if v and k != "tz"}
    try:
        when = datetime(parts["y"], parts["m"], parts["d"], parts.get("H", 0), parts.get("M", 0),
                        parts.get("S", 0))
    except ValueError:
        return None
    zone = (match["tz"] or "").upper()
    if zone and zone not in {"Z", "UTC", "GMT"}:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return when.replace(tzinfo=timezone(sign * offset))
    return when.replace(tzinfo=UTC)


def _rfc2822(text: str) -> datetime | None:
    if not re.search(r"[^\W\d_]{3}", text):
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    # "Seg, 24 Set 2018 19:42:40 -0300": RFC 822 with the day and month in another language.
    words = _LOCAL_WORD.sub(lambda m: _LOCAL_MONTHS.get(m[0].casefold().rstrip("."), m[0]),
                            _LOCAL_WEEKDAY.sub("", text))
    if words == text:
        return None
    try:
        return parsedate_to_datetime(words.strip())
    except (TypeError, ValueError, IndexError):
        return None


def date_from_url(url: str, now: datetime | None = None) -> datetime | None:
    """/2024/05/01/ or /2024-05-01 in the path, as midnight UTC of that day."""
    path = url.split("?", 1)[0].split("//", 1)[-1]
    for match in _URL_DATE.finditer(path):
        try:
            when = datetime(int(match["y"]), int(match["m"]), int(match["d"]), tzinfo=UTC)
        except ValueError:
            continue
        if plausible(when, now):
            return when
    return None


# A timestamp written with a UTC offset other than zero, in scripts, meta tags and <time>:
# "2020-02-24T21:25:54-05:00", "2023-11-08 23:30:59 -0600".
_OFFSET_STAMP = re.compile(
    r"(?<!\d)(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?\s?"
    r"([+-])(\d\d):?(\d\d)(?!\d)")
_STAMP_PLACES = "//script/text() | //meta/@content | //time/@datetime"


def in_page_calendar(tree: HtmlElement, when: datetime | None) -> datetime | None:
    """A date the page declared in UTC, told in the page's own zone when the page writes the
    same instant elsewhere with its offset: a Minneapolis page whose meta says 05:30 UTC on
    the 9th and whose scripts say 23:30 -06:00 on the 8th was published on the 8th, its
    readers' day. The instant never changes; without such a twin the date stays in UTC."""
    if when is None or when.utcoffset() != timedelta(0):
        return when
    for text in tree.xpath(_STAMP_PLACES):
        if not isinstance(text, str) or "-" not in text:
            continue
        for m in _OFFSET_STAMP.finditer(text, 0, 2_000_000):
            sign = -1 if m[7] == "-" else 1
            offset = timedelta(hours=int(m[8]), minutes=int(m[9]))
            if not offset or offset > timedelta(hours=14):
                continue
            try:
                local = datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]),
                                 int(m[6] or 0), tzinfo=timezone(sign * offset))
            except ValueError:
                continue
            if abs(local - when) <= timedelta(minutes=1):
                return when.astimezone(local.tzinfo)
    return when


def guess_date(tree: HtmlElement, url: str | None,
               now: datetime | None = None) -> datetime | None:
    """htmldate's guess from the page's text and markup: the last resort, ~3 ms."""
    from htmldate import find_date

    try:
        found = find_date(tree, url=url, original_date=True, extensive_search=False,
                          outputformat="%Y-%m-%dT%H:%M:%S%z")
    except Exception:   # htmldate has no error contract: a guess that fails is no guess
        return None
    return parse_date(found, now) if found else None
