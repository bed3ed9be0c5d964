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
    last_quarter_at: int = 0                        # where that mention ends
    last_year_at: int = -1                          # where the last whole year mentioned ends
    # The last date written with its year ("May 22, 1995", "in 1996"): where it ends, its
    # first day and its value. A story that has moved to another time tells it from there.
    anchor: tuple[int, date, str] | None = None
    _tenses: dict[tuple[int, int], Tense] = field(default_factory=dict)

    def tense(self, m: re.Match[str]) -> Tense:
        key = (m.start(), m.end())
        if key not in self._tenses:
            self._tenses[key] = tense_near(self.text, m.start(), m.end())
        return self._tenses[key]

    def year_before_story(self, position: int) -> str | None:
        """ "A year earlier" in a story about a quarter: that quarter a year before, or the year
        before it once the text has moved on to a longer period ("In the nine months, net rose
        ... from a year earlier", "Last year ...; the year-earlier results")."""
        if self.last_quarter is None:
            return None
        year, quarter = self.last_quarter
        if self.last_year_at > self.last_quarter_at or _LONGER_PERIOD.search(
                self.text, self.last_quarter_at, position):
            return f"{year - 1:04d}"
        return f"{year - 1:04d}-Q{quarter}"

    def word_before(self, position: int) -> str:
        found = re.search(r"([A-Za-z']+)\W*$", self.text[max(0, position - 30):position])
        return found.group(1).lower() if found else ""


_LONGER_PERIOD = re.compile(
    r"\b(?:nine|six|12|twelve)[- ]months?\b|\b(?:first|second)\s+half\b"
    r"|\byear[- ]to[- ]date\b|\b(?:fiscal|full|the)\s+year\b(?![- ](?:earlier|ago))", re.I)

Handler = Callable[[re.Match[str], Context], "Resolved | str | None"]
