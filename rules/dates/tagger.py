"""Finding date expressions: every pattern's candidates, leftmost-longest, then joins."""

from __future__ import annotations

import re
from datetime import date, datetime

from rules.dates import absolute, periods, relative
from rules.dates.calendar import span_of
from rules.dates.context import Context, Handler, Resolved, month_first

_COMPILED: list[tuple[re.Pattern[str], Handler]] = [
    # Every expression starts at a word boundary (or a decade's apostrophe) with one of a few
    # characters: saying so up front lets the engine skip most positions of a text quickly.
    (re.compile(rf"(?=[{first}])(?:\b|(?=['’]))" + pattern), handler)
    for first, pattern, handler in (*absolute.PATTERNS, *periods.PATTERNS, *relative.PATTERNS)
]
# What may stand between two dates of a range ("March 24-26", "from Monday to Wednesday").
_RANGE_GAP = re.compile(r"\s*(?:-|–|—|to|through|thru|until|till|and)\s*$", re.I)
_RANGE_OPENER = re.compile(r"(?:from|between)\s+$", re.I)
# A clock time and the day it belongs to: "3 p.m. Tuesday", "Tuesday at 3 p.m.".
# A short parenthesis may stand between them: "10:35 a.m. (0735 GMT) Friday".
_TIME_DAY_GAP = re.compile(r"\s*(?:\([^()]{1,24}\)\s*)?(?:,\s*)?(?:on\s+)?$", re.I)
_DAY_TIME_GAP = re.compile(r"\s*(?:,\s*)?(?:at\s+|around\s+|about\s+)?$", re.I)
_DAY = re.compile(r"^\d{4}-\d\d-\d\d$")
_WRITTEN_YEAR = re.compile(r"(?<!\d)(?:1[6-9]|20)\d\d(?!\d)")


class Span:
    __slots__ = ("end", "first_day", "last_day", "start", "value")

    def __init__(self, start: int, end: int, value: str, first: date | None,
                 last: date | None) -> None:
        self.start, self.end, self.value = start, end, value
        self.first_day, self.last_day = first, last


# Every expression contains one of these words or a digit. The patterns only run in windows
# around them, which is most of the speed: most of a text is far from any date.
_ANCHOR = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun"
    r"|today|tonight|yesterday|tomorrow|now|current|present|recent|lately|past|future|near"
    r"|short|day|week|month|year|quarter|decade|centur|spring|summer|fall|autumn|winter|christmas"
    r"|new\s+year|halloween|independence|valentine|thanksgiving|labor|memorial|election"
    r"|easter|noon|midnight|midday|morning|afternoon|evening|night|ago|earlier|nineteen"
    r"|two\s+thousand|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties"
    r"|these\s+days)", re.I)
# Room around an anchor for the rest of an expression: "by the end of the" before "year",
# ", 2025" or " EST" after "March 24" or "3 p.m.".
_BEFORE, _AFTER = 48, 48


def _windows(text: str) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    for anchor in _ANCHOR.finditer(text):
        start, end = max(0, anchor.start() - _BEFORE), min(len(text), anchor.end() + _AFTER)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _candidates(text: str) -> list[tuple[int, int, int, re.Match[str], Handler]]:
    found = []
    windows = _windows(text)
    for order, (pattern, handler) in enumerate(_COMPILED):
        for start, end in windows:
            for m in pattern.finditer(text, start, end):
                if m.end() > m.start():
                    found.append((m.start(), -(m.end() - m.start()), order, m, handler))
    found.sort(key=lambda c: c[:3])
    return found


def _resolve(text: str, ctx: Context) -> list[Span]:
    spans: list[Span] = []
    for start, negative_length, _, m, handler in _candidates(text):
        end = start - negative_length
        if spans and start < spans[-1].end:
            continue
        try:
            resolved = handler(m, ctx)
            if resolved is None:
                continue
            if isinstance(resolved, str):
                resolved = Resolved(resolved)
            first, last = span_of(resolved.value)
            if first is None and not resolved.value.endswith("_REF"):
                continue    # a year beyond 9999 or before 1 has no calendar span
        except (ValueError, OverflowError):
            continue        # beyond what the calendar holds (year 10000): not a date for us
        spans.append(Span(start, end, resolved.value, resolved.first_day or first,
                          resolved.last_day or last))
        if "-Q" in resolved.value:
            ctx.last_quarter_at = end
        elif len(resolved.value) == 4:
            ctx.last_year_at = end
        if first is not None and _WRITTEN_YEAR.search(text, start, end):
            ctx.anchor = (end, first, resolved.value)
    return spans


def _join(text: str, spans: list[Span]) -> list[Span]:
    """Merge a clock time with its day, and two dates of a range, into one expression."""
    out: list[Span] = []
    for span in spans:
        if out:
            prev = out[-1]
            gap = text[prev.end:span.start]
            if "T" in span.value and _DAY.match(prev.value) and _DAY_TIME_GAP.fullmatch(gap) \
                    and ":" in span.value:
                out[-1] = Span(prev.start, span.end, prev.value + span.value[10:],
                               prev.first_day, prev.last_day)
                continue
            if ":" in prev.value and _DAY.match(span.value) and _TIME_DAY_GAP.fullmatch(gap):
                out[-1] = Span(prev.start, span.end, span.value + prev.value[10:],
                               span.first_day, span.last_day)
                continue
            if _is_range(text, prev, span, gap):
                out[-1] = Span(prev.start, span.end, prev.value, prev.first_day, span.last_day)
                continue
        out.append(span)
    return out


def _is_range(text: str, prev: Span, span: Span, gap: str) -> bool:
    if not _RANGE_GAP.fullmatch(gap) or prev.first_day is None or span.last_day is None:
        return False
    if span.last_day < prev.first_day or len(gap.strip()) == 0:
        return False
    opened = _RANGE_OPENER.search(text, max(0, prev.start - 12), prev.start) is not None
    word = gap.strip().lower()
    if word == "and":
        return opened and text[max(0, prev.start - 8):prev.start].lower().rstrip().endswith(
            "between")
    return opened or word in ("-", "–", "—", "through", "thru") or (
        prev.last_day is not None and span.first_day is not None
        and (prev.last_day - prev.first_day) == (span.last_day - span.first_day))


def tag(text: str, reference: datetime | date, locale: str) -> list[Span]:
    day = reference.date() if isinstance(reference, datetime) else reference
    return _join(text, _resolve(text, Context(text, day, month_first(locale))))
