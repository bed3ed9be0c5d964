"""Event dates: date expressions found in text, resolved against a reference date.

The contract the rest of newswatch relies on is `find_dates(text, reference)`: every DATE or
TIME expression in `text`, with character offsets, its TIMEX3 value resolved against
`reference` (the article's publication time) and the first and last day it covers.

A range ("March 24-26", "from Monday to Wednesday") is one expression: its value is the value
of its first date, and `first_day`/`last_day` cover the whole range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal


@dataclass(frozen=True)
class DateMention:
    start: int                     # character offsets into the text
    end: int
    text: str
    type: Literal["DATE", "TIME"]
    value: str                     # TIMEX3: 2026-11-24, 2026-W48, 2026-11, 2026-11-24T15:00
    first_day: date | None         # the days the value covers; None when it is not a calendar span
    last_day: date | None


def find_dates(text: str, reference: datetime | date, locale: str = "en") -> list[DateMention]:
    """Every date expression in `text`, in order of position.

    `locale` only matters for all-numeric dates: "en-US" reads 3/4 as March 4, "en", "en-GB"
    and the others as 3 April.
    """
    from rules.dates.tagger import tag

    return [DateMention(s.start, s.end, text[s.start:s.end], "TIME" if "T" in s.value else "DATE",
                        s.value, s.first_day, s.last_day)
            for s in tag(text, reference, locale)]
