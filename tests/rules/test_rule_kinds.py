"""Threshold and event decisions alone, and the example rules of docs/rule-kinds.md."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml

from core.records import ArticleText
from rules.dates import DateMention
from rules.entities import load_entities
from rules.events import find_event_date
from rules.kinds import Hit, threshold_crossing
from rules.models import Rule

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RULE = Rule.model_validate({
    "id": "wave", "name": "Wave", "kind": "threshold", "match": {"any": ["ceasefire"]},
    "threshold": {"articles": 3, "sources": 2, "within": "6h"}, "channels": ["desk"]})


def hit(n: int, source: str, hours_ago: float) -> Hit:
    return Hit(f"a{n}", source, T0 - timedelta(hours=hours_ago), f"Headline {n}")


def test_threshold_needs_both_the_articles_and_the_sources() -> None:
    three_one_source = [hit(1, "a", 1), hit(2, "a", 2), hit(3, "a", 3)]
    assert threshold_crossing(RULE, three_one_source, T0) is None
    two_sources = [hit(1, "a", 1), hit(2, "b", 2)]
    assert threshold_crossing(RULE, two_sources, T0) is None
    crossing = threshold_crossing(RULE, [*two_sources, hit(3, "a", 5.5), hit(4, "b", 7)], T0)
    assert crossing is not None
    assert [h.article_id for h in crossing.hits] == ["a3", "a2", "a1"]   # a4 is too old
    assert crossing.sources == ("a", "b")


def test_threshold_stays_quiet_after_firing_and_counts_only_new_articles() -> None:
    hits = [hit(1, "a", 1), hit(2, "b", 2), hit(3, "a", 3)]
    assert threshold_crossing(RULE, hits, T0, last_fired_at=T0 - timedelta(hours=5)) is None
    later = threshold_crossing(RULE, hits, T0, last_fired_at=T0 - timedelta(hours=6),
                               already_counted=frozenset({"a1"}))
    assert later is None   # two uncounted articles are not three
    assert threshold_crossing(RULE, [*hits, hit(5, "b", 0)], T0,
                              last_fired_at=T0 - timedelta(hours=6),
                              already_counted=frozenset({"a1"})) is not None


class Sentences:
    def __init__(self, *sentences: str) -> None:
        self.sentences = sentences

    def event_sentences(self, article: ArticleText, rule: Rule) -> list[tuple[str, int, int, str]]:
        return [("body", 0, len(s), s) for s in self.sentences]


def days_from_now(text: str, reference: datetime) -> list[DateMention]:
    """A small real finder: "in N days"."""
    out = []
    for m in re.finditer(r"in (\d+) days", text):
        day = reference.date() + timedelta(days=int(m.group(1)))
        out.append(DateMention(m.start(), m.end(), m.group(), "DATE", day.isoformat(), day, day))
    return out


ARTICLE = ArticleText("a1", "s1", "harbour-times", "Summit", None, "", published_at=T0,
                      first_seen_at=T0)


def test_the_event_window_is_counted_from_publication() -> None:
    rule = Rule.model_validate({"id": "s", "name": "S", "match": {"any": ["summit"]},
                                "event": {"terms": ["summit"], "window_days": [2, 10]},
                                "channels": ["desk"]})
    found = find_event_date(Sentences("A summit in 1 days.", "The summit in 4 days."),
                            ARTICLE, rule, days_from_now)
    assert found is not None and found.start == date(2026, 11, 24)
    assert found.text == "in 4 days" and found.sentence == "The summit in 4 days."
    assert find_event_date(Sentences("A summit in 11 days."), ARTICLE, rule,
                           days_from_now) is None


def test_every_example_rule_in_the_doc_validates() -> None:
    doc = (REPO / "docs" / "rule-kinds.md").read_text("utf-8")
    entities = load_entities(REPO / "config" / "entities.yaml")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    assert len(blocks) == 3
    for block in blocks:
        for item in yaml.safe_load(block):
            Rule.model_validate(item, context={"entities": entities})
