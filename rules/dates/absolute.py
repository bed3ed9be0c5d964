"""Dates written with calendar names and numbers: March 24, 24/3/2025, 2025, the 1990s, Q3."""

from __future__ import annotations

import re
from datetime import date, timedelta

from rules.dates import calendar as cal
from rules.dates.context import Context, Handler, Resolved
from rules.dates.lexicon import (
    DAY,
    MONTH,
    MONTHS,
    NUMBER_WORDS,
    SEASON,
    SEASONS,
    WEEKDAY,
    YEAR,
)

# Words before a bare month name that make it a date ("in May", not "May said").
_MONTH_CUES = {"in", "since", "until", "till", "by", "of", "from", "through", "during",
               "before", "after", "to", "between", "and", "or", "last", "next", "this", "early",
               "late", "mid", "end", "beginning", "for", "around", "on", "that"}
_AMBIGUOUS_MONTHS = {"may", "march", "mar", "jun", "jul", "aug", "dec", "jan", "feb", "apr",
                     "sep", "sept", "oct", "nov"}


_FULL_NAMES = {"january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december"}


def _month_number(name: str) -> int:
    return MONTHS[name.rstrip(".").lower()]


def _day_number(text: str) -> int:
    digits = re.match(r"\d+", text)
    if digits is None:
        raise ValueError(f"no day number at the start of {text!r}")
    return int(digits.group(0))


# "since May", "since shortly after the Oct. 23 slaying": what follows since is past.
_SINCE = re.compile(r"\bsince\s+(?:[a-z]+ly\s+)?(?:after\s+|before\s+)?(?:the\s+)?$", re.I)
# Days beyond which the nearest year of a bare month yields to a clear tense.
_FAR_FOR_A_MONTH = 90


def _pick_year(ctx: Context, m: re.Match[str], month: int, day: int | None) -> int:
    """Year of a month (and day) written without one.

    A day follows the tense of its sentence (past or coming, within about ten months); a day
    without a tense clue takes the nearest year. A bare month takes the nearest year too unless
    that is more than three months away against a clear tense: on newswire, tense clues picked
    the wrong year for months near the reference more often than the nearest year did. Only a
    future tense moves a month the other side of a near reference.
    """
    ref = ctx.reference
    options = []
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            options.append((date(year, month, day or 15), year))
        except ValueError:
            continue
    if not options:
        return ref.year
    nearest = min(options, key=lambda o: abs((o[0] - ref).days))
    # "in office since May 18": since points back, whatever the sentence's tense. "Effective
    # Feb. 1" announces a change in either direction: the nearest such date.
    if _SINCE.search(ctx.text, max(0, m.start() - 40), m.start()):
        tense = "past"
    else:
        tense = "none" if ctx.word_before(m.start()) == "effective" else ctx.tense(m)
    if day is None:
        # A bare month takes the nearest year unless that puts it months away on the other side
        # of a clear tense: "stepped down in March" said in November is this year's March.
        far = abs((nearest[0] - ref).days) > _FAR_FOR_A_MONTH
        if far and tense == "past" and nearest[0] > ref:
            return nearest[1] - 1
        # "Will" is rarer and surer than "said": a month already gone this year in a sentence
        # that looks ahead is next year's ("will fly a mission in December", said in March).
        if tense == "future" and (nearest[1], month) < (ref.year, ref.month):
            return nearest[1] + 1
    else:
        slack = timedelta(days=1)
        if tense == "past":
            past = [o for o in options if o[0] <= ref + slack and (ref - o[0]).days < 300]
            if past:
                return max(past)[1]
        elif tense == "future":
            coming = [o for o in options if o[0] >= ref - slack and (o[0] - ref).days < 300]
            if coming:
                return min(coming)[1]
    return nearest[1]


def _day_range(ctx: Context, m: re.Match[str], year: int | None, month: int,
               first: int, last: int | None) -> Resolved | None:
    year = year if year is not None else _pick_year(ctx, m, month, first)
    try:
        start = date(year, month, first)
        end = date(year, month, last) if last else start
    except ValueError:
        return None
    if end < start:
        return None
    return Resolved(cal.day_value(start), start, end) if last else Resolved(cal.day_value(start))


def month_day(m: re.Match[str], ctx: Context) -> Resolved | None:
    year = int(m["y"]) if m["y"] else None
    d2 = _day_number(m["d2"]) if m["d2"] else None
    return _day_range(ctx, m, year, _month_number(m["mon"]), _day_number(m["d1"]), d2)


def week_of(m: re.Match[str], ctx: Context) -> str | None:
    """'the week of March 6': the week that holds the day."""
    day = month_day(m, ctx)
    return None if day is None else cal.week_value(date.fromisoformat(day.value))


def month_alone(m: re.Match[str], ctx: Context) -> str | None:
    month = _month_number(m["mon"])
    mod, rel = (m["mod"] or "").lower(), (m["rel"] or "").lower()
    if m["y"]:
        return cal.month_value(int(m["y"]), month)
    ref = ctx.reference
    if ctx.word_before(m.start()) in ("each", "every") and not mod and not rel:
        return None                     # "march each July": a set of months, not a date
    if m["yrel"]:
        shift = {"this": 0, "last": -1, "next": 1}[m["yrel"].lower()]
        return cal.month_value(ref.year + shift, month)
    if rel == "last":
        return cal.month_value(ref.year if month < ref.month else ref.year - 1, month)
    if rel == "next":
        return cal.month_value(ref.year if month > ref.month else ref.year + 1, month)
    if rel.startswith("this"):
        return cal.month_value(ref.year, month)
    if re.fullmatch(r"[A-Z][a-z]+", m["mon"]) and m["mon"].lower() not in _FULL_NAMES and \
            re.match(r"\s+[A-Z][a-z]", ctx.text[m.end():m.end() + 3]):
        return None                     # "Jan Kavan": a first name, not January
    # "Sept." with its capital and full stop is the month whatever precedes it ("an official
    # visit to Brazil Sept."); the bare abbreviation or name may be a word or a name.
    written_as_month = re.fullmatch(r"[A-Z][a-z]{2,3}\.", m["mon"]) is not None
    if not mod and not written_as_month and m["mon"].rstrip(".").lower() in _AMBIGUOUS_MONTHS \
            and ctx.word_before(m.start()) not in _MONTH_CUES:
        return None
    return cal.month_value(_pick_year(ctx, m, month, None), month)


def numeric(m: re.Match[str], ctx: Context) -> Resolved | None:
    year: int | None    # None when the date is written without one ("3/4")
    if m["iso"]:
        year, month, day = int(m["iy"]), int(m["im"]), int(m["id"])
        return _day_range(ctx, m, year, month, day, None)
    a, b = int(m["a"]), int(m["b"])
    month, day = (a, b) if ctx.month_first else (b, a)
    if month > 12 and day <= 12:        # unambiguous whichever the locale
        month, day = day, month
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    year = None
    if m["y"]:
        year = int(m["y"])
        year += 0 if year >= 100 else (2000 if year < 50 else 1900)
    elif ctx.word_before(m.start()) not in {"on", "from", "until", "till", "by", "since",
                                            "before", "after", "through", "to", "and"} \
            and not re.search(WEEKDAY + r",?\s*$", ctx.text[max(0, m.start() - 12):m.start()]):
        return None                     # "3/4" alone is more often a fraction than a date
    return _day_range(ctx, m, year, month, day, None)


def year(m: re.Match[str], ctx: Context) -> str | None:
    value = int(m["y"])
    after = ctx.text[m.end():m.end() + 16]
    if not m["mod"] and re.match(r"\s+(?:[a-z]+s|percent|per|to\s+\d)\b", after) and \
            ctx.word_before(m.start()) not in _MONTH_CUES:
        return None                     # "2000 employees": a count, not a year
    return f"{value:04d}"


_TENS = {w: n for w, n in NUMBER_WORDS.items() if n >= 20 and n % 10 == 0 and n < 100}
_UNITS = {w: n for w, n in NUMBER_WORDS.items() if 1 <= n <= 9 and w not in ("a", "an")}


def spoken_year(m: re.Match[str], ctx: Context) -> str | None:
    if re.match(r"\s+(?:years|days|people|dollars|miles|men|troops)\b",
                ctx.text[m.end():m.end() + 12]):
        return None                     # "two thousand years": an amount, not the year 2000
    if m["tens"]:
        units = _UNITS.get((m["units"] or "").lower(), 0)
        return f"19{_TENS[m['tens'].lower()] + units:02d}"
    units = {**_UNITS, "ten": 10}.get((m["units2"] or "").lower(), 0)
    return f"20{units:02d}"


def decade(m: re.Match[str], ctx: Context) -> str | None:
    if m["c"]:
        return f"{m['c']}{m['d']}"
    if m["short"]:
        digit = int(m["short"])
        century = "19" if digit >= 3 else "20"
        return f"{century}{digit}"
    tens = _TENS[m["word"].lower().rstrip("ies").rstrip("y") + "y"] // 10
    return f"19{tens}"


def century(m: re.Match[str], ctx: Context) -> str | None:
    n = int(m["n"])
    return f"{n - 1:02d}" if 1 <= n <= 21 else None


def _season_year(ctx: Context, m: re.Match[str], season: str, rel: str) -> int:
    ref = ctx.reference
    def span(y: int) -> tuple[date, date]:
        first, last = cal.span_of(f"{y:04d}-{season}")
        if first is None or last is None:
            raise ValueError(f"no {season} in year {y}")
        return first, last
    years = (ref.year - 2, ref.year - 1, ref.year, ref.year + 1)
    tense = ctx.tense(m) if rel in ("", "the", "in", "early", "late", "mid") else "none"
    if rel in ("last", "this past") or tense == "past":
        return max(y for y in years if span(y)[0] <= ref) if rel not in ("last", "this past") \
            else max(y for y in years if span(y)[1] < ref)
    if rel in ("next", "this coming") or tense == "future":
        return min(y for y in years if span(y)[1] >= ref) if rel not in ("next",) \
            else min(y for y in years if span(y)[0] > ref)
    return min(years, key=lambda y: abs((span(y)[0] - ref).days))


def season(m: re.Match[str], ctx: Context) -> str | None:
    code = SEASONS[m["s"].lower()]
    rel = " ".join((m["rel"] or "").lower().split())
    if m["y"]:
        return f"{int(m['y']):04d}-{code}"
    if not rel:
        return None
    if rel == "the" and re.match(r"\s+(?:of|in)\s+(?!\d)", ctx.text[m.end():m.end() + 8]):
        return None                     # "the fall of the Berlin Wall"
    if rel == "this":
        return f"{ctx.reference.year:04d}-{code}"
    return f"{_season_year(ctx, m, code, rel):04d}-{code}"


_HOLIDAYS = {
    "christmas day": lambda y: date(y, 12, 25), "christmas eve": lambda y: date(y, 12, 24),
    "christmas": lambda y: date(y, 12, 25), "new year's day": lambda y: date(y, 1, 1),
    "new year's eve": lambda y: date(y, 12, 31), "halloween": lambda y: date(y, 10, 31),
    "independence day": lambda y: date(y, 7, 4), "valentine's day": lambda y: date(y, 2, 14),
    "thanksgiving day": lambda y: cal.nth_weekday(y, 11, 3, 4),
    "thanksgiving": lambda y: cal.nth_weekday(y, 11, 3, 4),
    "labor day": lambda y: cal.nth_weekday(y, 9, 0, 1),
    "memorial day": lambda y: cal.nth_weekday(y, 5, 0, -1),
    "election day": lambda y: cal.nth_weekday(y, 11, 0, 1) + timedelta(days=1),
    "easter sunday": cal.easter, "easter": cal.easter,
}


def holiday(m: re.Match[str], ctx: Context) -> str | None:
    rule = _HOLIDAYS[" ".join(m["h"].lower().replace("’", "'").split())]
    ref = ctx.reference
    if m["y"]:
        return cal.day_value(rule(int(m["y"])))
    rel = (m["rel"] or "").lower()
    days = [rule(y) for y in (ref.year - 1, ref.year, ref.year + 1)]
    if rel == "last" or (not rel and ctx.tense(m) == "past"):
        return cal.day_value(max(d for d in days if d <= ref))
    if rel == "next" or (not rel and ctx.tense(m) == "future"):
        return cal.day_value(min(d for d in days if d >= ref))
    return cal.day_value(min(days, key=lambda d: abs((d - ref).days)))


_I = "(?i:{})".format
_HOLIDAY = "|".join(sorted((re.escape(h).replace("'", "['’]").replace(r"\ ", r"\s+")
                            for h in _HOLIDAYS), key=len, reverse=True))
_PARTS_OF = "the end of|the beginning of|the start of|the middle of"
_MONTH_MODS = f"early|late|mid|{_PARTS_OF}|end|beginning|the first half of|the second half of"
_YEAR_MODS = f"fiscal|early|late|mid|{_PARTS_OF}|the year"
_SEASON_RELS = "this coming|this past|this|last|next|the|early|late|mid|the early|the late|in"

# (characters an expression can start with, pattern, handler)
PATTERNS: list[tuple[str, str, Handler]] = [
    ("tTwW",
     rf"(?:{_I('the')}\s+)?{_I('week')}\s+{_I('of')}\s+(?P<mon>{MONTH})\s*(?P<d1>{DAY})"
     rf"(?P<d2>)(?:,?\s*(?P<y>{YEAR}))?(?!\s*[-–]\s*\d)", week_of),
    ("JFMASONDTWt",
     rf"(?:(?P<wd>{WEEKDAY}),?\s+)?(?:{_I('the')}\s+)?(?P<mon>{MONTH})\s*(?P<d1>{DAY})"
     rf"(?:\s*(?:-|–|{_I('to|through')})\s*(?P<d2>{DAY}))?(?:,?\s*(?P<y>{YEAR}))?"
     r"(?!\s*(?:%|percent|[.,]\d))", month_day),
    ("MTWFSTt0-9",
     rf"(?:(?P<wd>{WEEKDAY}),?\s+)?(?:{_I('the')}\s+)?(?P<d1>{DAY})"
     rf"(?:\s*(?:-|–)\s*(?P<d2>{DAY}))?\s+(?:of\s+)?(?P<mon>{MONTH})(?:,?\s*(?P<y>{YEAR}))?",
     month_day),
    ("eElLmMtTbBnNJFMASOND",
     rf"(?:(?P<mod>{_I(_MONTH_MODS)})[- ]\s*)?"
     rf"(?:(?P<rel>{_I('last|next|this past|this coming|this')})\s+)?(?P<mon>{MONTH})"
     rf"(?:(?:,?\s+|\s+of\s+)(?P<y>{YEAR})|\s+(?P<yrel>{_I('this|last|next')})\s+{_I('year')})?",
     month_alone),
    ("0-9",
     r"(?<![\d/.,-])(?:(?P<iso>(?P<iy>(?:19|20)\d\d)-(?P<im>0[1-9]|1[0-2])-(?P<id>[0-3]\d))"
     r"|(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?)(?![\d/-])", numeric),
    ("fFeElLmMtT12",
     rf"(?:(?P<mod>{_I(_YEAR_MODS)})[- ]?\s*)?"
     rf"(?P<y>{YEAR})(?!s|'s|\s*[-–]\s*\d)", year),
    ("tTnN",
     _I(r"(?:the\s+year\s+)?nineteen[- ](?P<tens>twenty|thirty|forty|fifty|sixty|seventy|eighty"
        r"|ninety)(?:[- ](?P<units>one|two|three|four|five|six|seven|eight|nine))?\b"
        r"|(?:the\s+year\s+)?two\s+thousand(?:\s+and\s+(?P<units2>one|two|three|four|five|six"
        r"|seven|eight|nine|ten))?\b"), spoken_year),
    ("tTeEmMlL12'’fFsSnN",
     _I(r"(?:the\s+)?(?:(?:early|mid|late)[- ]?\s*)?(?:(?P<c>19|20)(?P<d>\d)0'?s"
        r"|['’](?P<short>\d)0s|(?P<word>twenties|thirties|forties|fifties|sixties|seventies"
        r"|eighties|nineties))\b"), decade),
    ("tT0-9",
     _I(r"(?:the\s+)?(?P<n>\d{1,2})(?:st|nd|rd|th)[- ]century\b"), century),
    ("tTlLnNeEmMiIsSfFaAwW",
     rf"(?:(?P<rel>{_I(_SEASON_RELS)})\s+)?"
     rf"(?P<s>{_I(SEASON)})(?:\s+(?:of\s+)?(?P<y>{YEAR}))?(?![\w-])", season),
    ("lLnNcChHiIvVtTmMeE",
     rf"(?:(?P<rel>{_I('last|next')})\s+)?(?P<h>{_I(_HOLIDAY)})(?:\s+(?P<y>{YEAR}))?(?![\w'])",
     holiday),
]
