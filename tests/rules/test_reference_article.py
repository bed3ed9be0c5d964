"""The date parts of the worked example in ../shared/corpus/reference-article/README.md.

The article is third-party text, so it is read from the corpus (skipped when absent), not copied.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rules.dates import DateMention, find_dates
from tests.conftest import SHARED_CORPUS

ARTICLE = SHARED_CORPUS / "reference-article" / "ceasefire-talks-2025-03-17.txt"
PUBLISHED = date(2025, 3, 17)          # a Monday, ISO week 2025-W12

pytestmark = pytest.mark.skipif(not ARTICLE.is_file(), reason=f"no reference article {ARTICLE}")


@pytest.fixture(scope="module")
def text() -> str:
    return Path(ARTICLE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def mentions(text: str) -> list[DateMention]:
    return find_dates(text, PUBLISHED)


def _at(mentions: list[DateMention], text: str, phrase: str) -> list[DateMention]:
    start = text.index(phrase)
    return [m for m in mentions if m.start < start + len(phrase) and start < m.end]


def test_the_announcement_day(text: str, mentions: list[DateMention]) -> None:
    [m] = _at(mentions, text, "Sunday, March 16, 2025")
    assert (m.text, m.value) == ("Sunday, March 16, 2025", "2025-03-16")


def test_this_coming_week_is_the_week_of_publication(text: str,
                                                       mentions: list[DateMention]) -> None:
    [m] = _at(mentions, text, "this coming week")
    assert (m.text, m.value) == ("this coming week", "2025-W12")
    # The call did take place on 18 March: inside the span the expression covers.
    assert m.first_day is not None and m.last_day is not None
    assert m.first_day <= date(2025, 3, 18) <= m.last_day


def test_last_week(text: str, mentions: list[DateMention]) -> None:
    found = _at(mentions, text, "discussions he had with Putin last week")
    assert [(m.text, m.value) for m in found] == [("last week", "2025-W11")]


def test_the_coming_weeks_are_vague_and_30_days_a_duration(text: str,
                                                          mentions: list[DateMention]) -> None:
    assert all(m.first_day is None for m in _at(mentions, text, "in the coming weeks"))
    assert _at(mentions, text, "30-day ceasefire") == []


def test_the_headline_next_week_is_read_from_publication(text: str,
                                                         mentions: list[DateMention]) -> None:
    # Said on Sunday 16 March, so the speaker meant W12; the literal reading gives W13. The
    # alert quotes the sentence and the expression so a person can judge.
    [m] = _at(mentions, text, "Ceasefire Next Week")
    assert (m.text, m.value) == ("Next Week", "2025-W13")


def test_the_shipped_summit_rule_dates_the_call_from_the_body(text: str) -> None:
    """upcoming-summits fires with the body's "this coming week" (the call took place on
    18 March), not the headline's "Next Week", which was said the day before publication."""
    from datetime import UTC, datetime

    from core.records import ArticleText
    from pipeline.config import load_config
    from rules.events import apply_events
    from rules.matcher import CompiledRules

    config = load_config(Path(__file__).resolve().parents[2] / "config")
    rule = next(r for r in config.rules if r.id == "upcoming-summits")
    compiled = CompiledRules([rule], config.entities)
    lines = text.split("\n")
    headline = next(line for line in lines if "Next Week" in line)
    body = "\n".join(lines[lines.index(headline) + 1:])
    article = ArticleText("ref", "ref", "ref", headline, None, body,
                          published_at=datetime(2025, 3, 17, 9, tzinfo=UTC))
    [found] = apply_events(compiled, article, compiled.evaluate(article), {rule.id: rule},
                           find_dates)
    assert found.event_date is not None
    assert (found.event_date.text, found.event_date.value) == ("this coming week", "2025-W12")
    assert "engage with Russian President Vladimir Putin" in found.sentence
