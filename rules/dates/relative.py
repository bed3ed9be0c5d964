"""Dates relative to the reference: today, last week, next Tuesday, two years ago, 3 p.m., now."""

from __future__ import annotations

import re
from datetime import date, timedelta

from rules.dates import calendar as cal
from rules.dates.context import Context, Handler
from rules.dates.lexicon import (
    DAY_PARTS,
    NUMBER,
    NUMBER_WORDS,
    PART,
    TIMEZONE,
    UNIT,
    WEEKDAY,
    WEEKDAYS,
)

_I = "(?i:{})".format


def _part(m: re.Match[str]) -> str:
    return f"T{DAY_PARTS[m['part'].lower()]}" if m["part"] else ""


def relative_day(m: re.Match[str], ctx: Context) -> str | None:
    word = " ".join(m["rd"].lower().split())
    offset = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1, "last": -1, "this": 0,
              "the day before yesterday": -2, "the day after tomorrow": 2}[word]
    suffix = _part(m)
    if word == "tonight":
        suffix = "TNI"
    elif word == "last" and not m["part"]:
        return None
    if word == "this" and not m["part"]:
        return None
    return cal.day_value(ctx.reference + timedelta(days=offset)) + suffix


def weekday(m: re.Match[str], ctx: Context) -> str | None:
    if ctx.word_before(m.start()) in ("every", "each") or \
            ctx.text[m.end():m.end() + 1] == "s":
        return None         # "every Monday", "on Mondays": a set, not a date
    target = WEEKDAYS[m["wd"].lower()]
    ref = ctx.reference
    back = (ref.weekday() - target) % 7          # days since the latest such weekday (0: today)
    ahead = (target - ref.weekday()) % 7
    rel = " ".join((m["rel"] or "").lower().split())
    if rel in ("last", "this past", "previous", "the previous"):
        d = ref - timedelta(days=back or 7)
    elif rel == "next":
        d = ref + timedelta(days=ahead or 7)
    elif rel in ("this coming", "coming", "the following"):
        d = ref + timedelta(days=ahead)
    elif rel == "this":
        d = cal.monday_of(ref) + timedelta(days=target)
    else:
        tense = ctx.tense(m)
        if tense == "none" and re.search(r"['’]s$", m.group(0)):
            tense = "past"  # "Wednesday's ruling": news names a day by an event that happened
        if tense == "past":
            d = ref - timedelta(days=back)
        elif tense == "future":
            d = ref + timedelta(days=ahead)
        else:
            d = ref - timedelta(days=back) if back <= ahead else ref + timedelta(days=ahead)
    return cal.day_value(d) + _part(m)


def _weekend(ref: date, direction: int) -> str:
    if direction < 0:
        base = ref if ref.weekday() >= 5 else ref - timedelta(days=7)
    elif direction > 0:
        base = ref + timedelta(days=7)
    else:
        base = ref
    return cal.week_value(base) + "-WE"


def unit_relative(m: re.Match[str], ctx: Context) -> str | None:
    """this/last/next week, month, year, quarter, weekend, decade (with early/late/end of)."""
    if m["unit"][0].isupper() and ctx.text[max(0, m.start() - 1):m.start()] in ('"', "“", "'"):
        return None         # a capitalised "Week" in quotes names something: ABC's "This Week"
    rel = " ".join(m["rel"].lower().split())
    unit = m["unit"].lower().split()[-1]
    ref = ctx.reference
    shift = {"this": 0, "the current": 0, "current": 0, "last": -1, "the previous": -1,
             "previous": -1, "next": 1, "the following": 1, "this coming": 1,
             "this past": -1, "the latest": 0}[rel]
    if rel == "the latest" and unit == "year":
        shift = -1              # "sales in the latest fiscal year": the last one reported
    if rel in ("the following", "the previous") and ctx.anchor is not None:
        ref = ctx.anchor[1]     # "the following year" counts from the year the story is in
    if unit == "week" and rel == "this coming" and ref.weekday() == 0:
        shift = 0                                # said on a Monday, the week ahead is this one
    if unit == "weekend":
        if rel == "this coming":
            return _weekend(ref, 0 if ref.weekday() < 5 else 1)
        return _weekend(ref, shift)
    if unit == "week":
        return cal.week_value(ref + timedelta(weeks=shift))
    if unit == "month":
        return cal.month_value(*cal.add_months(ref.year, ref.month, shift))
    if unit == "quarter":
        y, q = cal.shift_quarter(ref.year, cal.quarter_of(ref), shift)
        ctx.last_quarter = (y, q)
        return f"{y:04d}-Q{q}"
    if unit == "decade":
        return f"{ref.year // 10 + shift:03d}"
    if unit in ("century",):
        return f"{ref.year // 100 + shift:02d}"
    if unit == "year" and rel == "last" and _COMPARED.search(
            ctx.text, max(0, m.start() - 60), m.start()):
        # "earnings of $33 million last year" set against this quarter: the same quarter then
        story = ctx.year_before_story(m.start())
        if story and "-Q" in story:
            return story
    return f"{ref.year + shift:04d}"


# A figure set against another ("compared with $3 million", "from $4.10 a share").
_COMPARED = re.compile(r"\b(?:compared\s+with|from|versus|against)\s+[^.;]*$", re.I)


def in_the_unit(m: re.Match[str], ctx: Context) -> str | None:
    """'earlier in the year', 'later in the week', 'the end of the year', 'year-end'."""
    unit = (m["unit"] or "year").lower()
    ref = ctx.reference
    if unit == "week":
        return cal.week_value(ref)
    if unit == "month":
        return cal.month_value(ref.year, ref.month)
    return f"{ref.year:04d}"


def the_weekend(m: re.Match[str], ctx: Context) -> str | None:
    ref = ctx.reference
    tense = ctx.tense(m)
    if tense == "past" or (tense == "none" and ref.weekday() <= 1):
        return _weekend(ref, -1)
    return _weekend(ref, 0 if ref.weekday() < 5 else 1)


def _count(word: str) -> int | None:
    word = " ".join(word.lower().split())
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def shifted(m: re.Match[str], ctx: Context) -> str | None:
    """'two weeks ago', 'in three days', 'a year earlier': the reference moved by an amount."""
    n = _count(m["n"])
    direction = (m["dir"] or "").lower()
    if n is None:
        return "PAST_REF" if direction in ("ago", "earlier") else None
    unit = m["unit"].lower().rstrip("s")
    if m["pre"]:
        if ctx.tense(m) != "future":
            return None                 # "the first time in four years": a duration
        sign = 1
    elif direction in ("ago", "earlier", "back"):
        sign = -1
    elif direction in ("from now", "hence"):
        sign = 1
    else:
        return None
    story = ctx.year_before_story(m.start()) if unit == "year" and n == 1 and sign < 0 else None
    if story:
        return story
    ref = ctx.reference
    if unit == "day":
        return cal.day_value(ref + timedelta(days=sign * n))
    if unit == "week":
        return cal.week_value(ref + timedelta(weeks=sign * n))
    if unit == "month":
        return cal.month_value(*cal.add_months(ref.year, ref.month, sign * n))
    if unit == "decade":
        return f"{(ref.year + sign * 10 * n) // 10:03d}"
    if unit in ("century", "centurie"):
        return f"{(ref.year + sign * 100 * n) // 100:02d}"
    return f"{ref.year + sign * n:04d}"


_REFS = {"present": "PRESENT_REF", "past": "PAST_REF", "future": "FUTURE_REF"}


def reference_word(m: re.Match[str], ctx: Context) -> str | None:
    kind = next(k for k in ("present", "past", "future") if m[k])
    if kind == "present" and ctx.word_before(m.start()) == "then":
        return "PAST_REF"   # "the then current price": the present of a past time
    if m.group(0) == "Now" and re.search(r"(?:^|[.!?\n][\"'`’”]*)\s*[\"'`‘“]*$",
                                        ctx.text[max(0, m.start() - 6):m.start()]):
        return None         # "Now, he says ...": a discourse marker opening a sentence
    return _REFS[kind]


def clock_time(m: re.Match[str], ctx: Context) -> str | None:
    if m["word"]:
        word = m["word"].lower()
        hour, minute = (0, 0) if word == "midnight" else (12, 0)
    else:
        hour, minute = int(m["h"]), int(m["mi"] or 0)
        ap = (m["ap"] or "").lower().replace(".", "")
        if (hour > 12 and ap) or hour > 23:
            return None
        if ap == "pm" and hour < 12:
            hour += 12
        elif ap == "am" and hour == 12:
            hour = 0
    return f"{cal.day_value(ctx.reference)}T{hour:02d}:{minute:02d}"


_NOT_A_NUMBER_BEFORE = r"(?<![\w.,-])"
_WEEKDAY_RELS = ("last|next|this coming|this past|this|coming|previous|the previous|the following"
                 "|early|late|earlier|later")

# (characters an expression can start with, pattern, handler)
PATTERNS: list[tuple[str, str, Handler]] = [
    ("eElLtTyY",
     _I(rf"(?:(?:early|late|earlier|later)\s+)?(?P<rd>today|tonight|yesterday|tomorrow"
        rf"|the\s+day\s+before\s+yesterday|the\s+day\s+after\s+tomorrow|last|this)"
        rf"(?:\s+(?P<part>{PART}))?\b"), relative_day),
    ("lLnNtTcCpPeEMWFS",
     rf"(?:(?P<rel>{_I(_WEEKDAY_RELS)})\s+)?"
     rf"(?P<wd>{WEEKDAY})(?:['’]s)?(?:\s+(?P<part>{_I(PART)}))?", weekday),
    ("eElLtTbBmMrRnNcCpP",
     _I(r"(?:(?:early|late|earlier|later|the\s+end\s+of|the\s+beginning\s+of|the\s+start\s+of"
        r"|the\s+middle\s+of|the\s+rest\s+of|end\s+of|by\s+the\s+end\s+of)\s+)?"
        r"(?P<rel>this\s+coming|this\s+past|this|last|next|the\s+current|the\s+previous"
        r"|the\s+following|current|previous|the\s+latest(?=\s+(?:fiscal\s+)?year))"
        r"\s+(?P<unit>week|weekend|month|year|quarter"
        r"|decade|century|fiscal\s+year)(?![\w-])"), unit_relative),
    ("oOtT",
     _I(r"(?:over\s+)?the\s+weekend\b"), the_weekend),
    ("eElLtTyYaAbB",
     _I(r"(?:(?:earlier|later|early|late)\s+in|(?:at|by|around|before)?\s*the\s+end\s+of)"
        r"\s+the\s+(?P<unit>year|month|week)\b|year[- ]end\b|year['’]s\s+end\b"), in_the_unit),
    ("iI0-9aAoOtTfFsSeEnN",
     _I(rf"(?:(?P<pre>in)\s+)?{_NOT_A_NUMBER_BEFORE}(?P<n>{NUMBER})\s+(?P<unit>{UNIT})s?"
        r"(?:\s+or\s+so)?(?:\s+(?P<dir>ago|earlier|from\s+now|hence|back))?(?![\w-])"),
     shifted),
    ("nNcCaApPtTrRlLiI",
     _I(r"(?P<present>\bnow\b(?![\s-]+(?:defunct|retired|famous))|currently|at\s+present"
        r"|presently|nowadays|these\s+days|right\s+now|the\s+present\s+time|current(?![\w-]))"
        r"|(?P<past>recently|lately|in\s+the\s+past\b(?!\s+(?:\d|few"
        r"|several|two|three|four|five|six|seven|eight|nine|ten|twelve|year|month|week|day"
        r"|decade|century|quarter))|recent\s+(?:years|months|weeks|days))"
        r"|(?P<future>the\s+(?:near\s+|distant\s+|not-too-distant\s+)?future"
        r"|the\s+near\s+term|the\s+short\s+term)"), reference_word),
    ("0-9nNmM",
     rf"(?<![\d.:])(?P<h>[012]?\d)(?::(?P<mi>[0-5]\d))?\s*(?P<ap>[ap]\.m\.?|[AP]\.M\.?|[ap]m\b"
     rf"|[AP]M\b|(?i:o['’]clock))(?:\s+(?P<tz>{TIMEZONE}))?"
     rf"|(?P<word>{_I('noon|midnight|midday')})",
     clock_time),
]
