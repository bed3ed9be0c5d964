"""Event dates: date expressions found in text, resolved against a reference date.

The contract the rest of newswatch relies on is `find_dates(text, reference)`: every DATE or
TIME expression in `text`, with character offsets, its TIMEX3 value resolved against
`reference` (the article's publication time) and the first and last day it covers.
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
    """Every date expression in `text`, in order of position. Not built yet: returns none."""
    return []
