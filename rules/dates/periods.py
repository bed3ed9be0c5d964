"""Quarters and halves of (fiscal) years: the third quarter, the year-earlier period, H2."""

from __future__ import annotations

import re

from rules.dates import calendar as cal
from rules.dates.context import Context, Handler
from rules.dates.lexicon import ORDINAL, ORDINALS, YEAR

_I = "(?i:{})".format
_YEAR_REL = r"(?:this|last|next)\s+year"


def _quarter_year(m: re.Match[str], ctx: Context, quarter: int) -> int:
    ref = ctx.reference
    current = cal.quarter_of(ref)
    tense = ctx.tense(m)
    if tense == "future" and quarter < current - 1:
        return ref.year + 1
    if tense != "future" and quarter > current and current <= 2:
        return ref.year - 1
    return ref.year


def quarter(m: re.Match[str], ctx: Context) -> str | None:
    g = m.groupdict()
    if g.get("period"):
        # "the latest period" in earnings copy is the quarter being reported, if there is one.
        return None if ctx.last_quarter is None else "{:04d}-Q{}".format(*ctx.last_quarter)
    which = g["ord"].lower()
    ref = ctx.reference
    explicit = g.get("y1") or g.get("y2")
    year_shift = 0
    rel = (g.get("rel") or g.get("yrel") or "").lower()
    if "last" in rel or "ago" in rel or "earlier" in rel:
        year_shift = -1
    elif "next" in rel:
        year_shift = 1
    if which in ORDINALS or which in ("final", "fourth"):
        q = ORDINALS.get(which, 4)
        if explicit:
            y = int(explicit)
        elif rel:
            y = ref.year + year_shift
        else:
            y = _quarter_year(m, ctx, q)
        ctx.last_quarter = (y, q)
        return f"{y:04d}-Q{q}"
    current = (ref.year, cal.quarter_of(ref))
    if which in ("year-earlier", "year-ago", "comparable", "same"):
        base = ctx.last_quarter or cal.shift_quarter(*current, -1)
        y, q = cal.shift_quarter(*base, -4)
        return f"{y:04d}-Q{q}"
    if which in ("current", "this"):
        y, q = current
    elif which in ("next", "coming"):
        y, q = cal.shift_quarter(*current, 1)
    elif which == "latest" or (which in ("last", "previous", "past") and not g.get("the")):
        y, q = cal.shift_quarter(*current, -1)      # the last one completed
    else:   # "the quarter", "the latest quarter": the one the story is about
        y, q = ctx.last_quarter or cal.shift_quarter(*current, -1)
    ctx.last_quarter = (y, q)
    return f"{y:04d}-Q{q}"


def quarter_of_year(m: re.Match[str], ctx: Context) -> str | None:
    """'the 1988 quarter', "last year's quarter", 'the quarter a year ago': the quarter in play,
    in that year."""
    if ctx.last_quarter is None:
        return None if m["y"] or m["rel"] else year_earlier(m, ctx)
    if m["y"]:
        year = int(m["y"])
    elif m["rel"]:
        year = ctx.reference.year + {"last": -1, "this": 0, "next": 1}[m["rel"].lower()]
    else:
        year = ctx.last_quarter[0] - 1
    return f"{year:04d}-Q{ctx.last_quarter[1]}"


def half(m: re.Match[str], ctx: Context) -> str | None:
    """'the second half of 2024', 'the first half of next year': TimeML's H1 and H2."""
    which = 1 if m["which"].lower() in ("first", "1st", "early") else 2
    if m["y"]:
        year = int(m["y"])
    else:
        year = ctx.reference.year + {"this": 0, "the": 0, "last": -1, "next": 1}[
            m["rel"].lower()]
    return f"{year:04d}-H{which}"


def year_earlier(m: re.Match[str], ctx: Context) -> str | None:
    """'year-earlier', 'the year-ago period': a year before the quarter in play, or last year."""
    return ctx.year_before_story(m.start()) or f"{ctx.reference.year - 1:04d}"


# (characters an expression can start with, pattern, handler)
PATTERNS: list[tuple[str, str, Handler]] = [
    ("tTiIaA0-9lLnNfFsScCyYpP",
     _I(rf"(?:(?P<the>the|this|that|its|a)\s+)?(?:(?P<y1>{YEAR})\s+|(?P<rel>this\s+year's|"
        rf"last\s+year's|next\s+year's)\s+)?(?:fiscal[- ]\s*)?(?P<ord>{ORDINAL}|final|last|"
        r"latest|current|year-earlier|year-ago|comparable|previous|past|same|next|coming|this)"
        rf"[- ](?:fiscal[- ])?quarter(?![\w-])(?:\s+(?:of\s+)?(?:fiscal\s+)?(?P<y2>{YEAR})"
        rf"|\s+(?:of\s+)?(?P<yrel>{_YEAR_REL}|a\s+year\s+(?:ago|earlier)))?"), quarter),
    ("tT",
     _I(r"(?:the|this|that)\s+(?P<ord>quarter)(?![\w-])"
        r"|the\s+(?:latest|current|most\s+recent)\s+(?P<period>period)\b"), quarter),
    ("tTlLnN",
     _I(rf"(?:the\s+(?P<y>{YEAR})|(?P<rel>last|this|next)\s+year['’]s)\s+quarter(?![\w-])"
        r"|the\s+quarter\s+a\s+year\s+(?:ago|earlier)\b"), quarter_of_year),
    ("tTfFsSlL12",
     _I(rf"(?:the\s+)?(?P<which>first|second|last|latter|1st|2nd)\s+half\s+of\s+"
        rf"(?:(?:fiscal\s+)?(?P<y>{YEAR})|(?P<rel>this|last|next|the)\s+year)\b"), half),
    ("tTcCsSyY",
     _I(r"(?:the\s+)?(?:comparable\s+|same\s+)?year[- ](?:earlier|ago)(?:\s+(?:quarter|period))?"
        r"|the\s+(?:same|corresponding|comparable)\s+(?:period|quarter)\s+(?:a\s+year\s+"
        r"(?:ago|earlier)|(?:of\s+)?last\s+year)"), year_earlier),
]
