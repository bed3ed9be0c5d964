"""Rule kinds that look beyond one article: threshold and first_seen. Pure decisions; the
state they decide on (earlier matches, firings, subjects seen) comes from the warehouse.

- `threshold`: at least `articles` matching articles from at least `sources` sources, first
  seen within `within`. It fires once when crossed, naming what made it cross; it does not fire
  again until `within` (or the rule's `realert`, when given) has passed since it fired, and
  then only on articles it has not already counted.
- `first_seen`: a term or entity of the rule that the rule has not seen in the last `days`
  days fires once, on the article that brings it back (or in for the first time).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.records import Match
from rules.models import Rule


@dataclass(frozen=True)
class Hit:
    """One matching article, for counting: ingest time, source and headline."""

    article_id: str
    source_id: str
    seen_at: datetime
    title: str


@dataclass(frozen=True)
class Crossing:
    firing_id: str
    window_start: datetime
    hits: tuple[Hit, ...]          # what counted, oldest first

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({h.source_id for h in self.hits}))


def threshold_crossing(rule: Rule, hits: Sequence[Hit], now: datetime, *,
                       last_fired_at: datetime | None = None,
                       already_counted: frozenset[str] = frozenset()) -> Crossing | None:
    """Whether the rule crosses its threshold now, given every hit in its window."""
    assert rule.threshold is not None
    quiet = rule.realert or rule.threshold.within
    if last_fired_at is not None and now - last_fired_at < quiet:
        return None
    start = now - rule.threshold.within
    counted: dict[str, Hit] = {}
    for hit in sorted(hits, key=lambda h: (h.seen_at, h.article_id)):
        # No upper bound: a run's clock starts before its articles are stored.
        if start <= hit.seen_at and hit.article_id not in already_counted:
            counted.setdefault(hit.article_id, hit)
    sources = {h.source_id for h in counted.values()}
    if len(counted) < rule.threshold.articles or len(sources) < rule.threshold.sources:
        return None
    firing = hashlib.sha256(f"{rule.id}\x1f{now.isoformat()}".encode()).hexdigest()[:24]
    return Crossing(f"threshold-{firing}", start, tuple(counted.values()))


def describe_crossing(rule: Rule, crossing: Crossing, source_names: dict[str, str],
                      max_titles: int = 5) -> str:
    """The alert's sentence: how many articles from which sources, and their headlines."""
    assert rule.threshold is not None
    names = [source_names.get(s, s) for s in crossing.sources]
    titles = [f"{h.title} ({source_names.get(h.source_id, h.source_id)})"
              for h in crossing.hits[-max_titles:]]
    more = len(crossing.hits) - len(titles)
    text = (f"{len(crossing.hits)} articles from {len(names)} sources within "
            f"{_duration(rule.threshold.within)} ({', '.join(names)}): {'; '.join(titles)}")
    return text + (f"; and {more} more" if more > 0 else "")


def crossing_match(rule: Rule, crossing: Crossing, matches: dict[str, Match],
                   sentence: str) -> Match:
    """The match that carries the alert: the latest article, in a story of the firing's own
    (so each crossing is one alert, however many stories it spans)."""
    latest = crossing.hits[-1]
    base = matches.get(latest.article_id)
    terms = tuple(dict.fromkeys(t for m in matches.values() for t in m.terms))
    return Match(rule_id=rule.id, article_id=latest.article_id, story_id=crossing.firing_id,
                 field=base.field if base else "title", terms=terms, sentence=sentence,
                 evidence=base.evidence if base else ())


def subjects(match: Match) -> list[str]:
    """What a first-seen rule remembers: the conditions that matched (a term as written in
    the rule, an entity id); without evidence, the matched words in lower case."""
    found = [e.condition for e in match.evidence] or [t.lower() for t in match.terms]
    return list(dict.fromkeys(found))


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds // 60}m"
