"""What a rule needs while resolving one text: the reference, the locale and the story so far."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from rules.dates.tense import Tense, tense_near

# Regions that write numeric dates month first (3/24/2025); everyone else writes 24/3/2025.
_MONTH_FIRST_REGIONS = {"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "UM", "VI"}


def month_first(locale: str) -> bool:
    """en-US, en_US and similar read 3/4 as March 4; en, en-GB and others as 3 April."""
    parts = re.split(r"[-_]", locale.strip())
    return len(parts) > 1 and parts[-1].upper() in _MONTH_FIRST_REGIONS


class Resolved(NamedTuple):
    value: str
    first_day: date | None = None   # set only when it differs from the value's own span (ranges)
    last_day: date | None = None


@dataclass
class Context:
    text: str
    reference: date
    month_first: bool
    last_quarter: tuple[int, int] | None = None     # (year, quarter) most recently mentioned
    # The last date written with its year ("May 22, 1995", "in 1996"): where it ends, its
    # first day and its value. A story that has moved to another time tells it from there.
    anchor: tuple[int, date, str] | None = None
    _tenses: dict[tuple[int, int], Tense] = field(default_factory=dict)

    def tense(self, m: re.Match[str]) -> Tense:
        key = (m.start(), m.end())
        if key not in self._tenses:
            self._tenses[key] = tense_near(self.text, m.start(), m.end())
        return self._tenses[key]

    def word_before(self, position: int) -> str:
        found = re.search(r"([A-Za-z']+)\W*$", self.text[max(0, position - 30):position])
        return found.group(1).lower() if found else ""


Handler = Callable[[re.Match[str], Context], "Resolved | str | None"]
