"""The demo catalogue itself: dates, stories, traps for rules, recurring names."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from demo.articles import ARTICLES, DemoArticle
from demo.clock import ADVANCE_HOURS, DEFAULT_START

from .serving import AFTER_ADVANCE, CEASEFIRE_WORDS, appearing_in_advance, only, published_by


def test_article_counts_before_and_after_the_advance() -> None:
    assert datetime(2026, 11, 21, 12, 0, tzinfo=UTC) == DEFAULT_START
    assert ADVANCE_HOURS == 24.0
    assert len(ARTICLES) >= 33
    assert len(published_by(DEFAULT_START)) >= 30
    assert len(appearing_in_advance()) >= 3
    for article in ARTICLES:
        assert datetime(2026, 11, 15, tzinfo=UTC) <= article.published_at
        assert article.published_at < datetime(2026, 11, 23, tzinfo=UTC)
        assert article.published_at.utcoffset() == timedelta(0)
        assert 4 <= len(article.paragraphs) <= 9, article.path
        assert article.byline and article.section and article.tags and article.summary



def test_paths_are_unique_and_related_links_stay_on_the_same_site() -> None:
    keys = [(a.site, a.path) for a in ARTICLES]
    assert len(keys) == len(set(keys))
    for article in ARTICLES:
        for path in article.related:
            assert (article.site, path) in keys, (article.path, path)
            assert path != article.path



def test_wire_story_has_two_early_copies_and_a_late_third() -> None:
    copies = [a for a in ARTICLES if a.story is not None]
    assert len({a.story for a in copies}) == 1
    assert len({a.site for a in copies}) == 3
    early = [a for a in copies if a.published_at <= DEFAULT_START]
    late = only([a for a in copies if a.published_at > DEFAULT_START])
    assert len(early) == 2 and early[0].site != early[1].site
    assert early[0].paragraphs == early[1].paragraphs
    assert late.published_at <= AFTER_ADVANCE
    assert late.paragraphs == early[0].paragraphs[: len(late.paragraphs)]
    assert len(late.paragraphs) < len(early[0].paragraphs)
    assert len({a.headline for a in copies}) == 3
    # The ceasefire is stated in a sentence of its own, not just implied by the headline.
    sentences = re.split(r"(?<=[.”])\s+", " ".join(early[0].paragraphs))
    assert any(s.startswith("Negotiators") and "talks on a ceasefire" in s for s in sentences)
    for copy in copies:
        assert copy.labels >= {"ceasefire"}



def test_summit_story_never_mentions_a_ceasefire() -> None:
    summit = only([a for a in ARTICLES if "summit" in a.labels])
    assert summit.published_at.date().isoformat() == "2026-11-19"
    assert summit.published_at.strftime("%A") == "Thursday"
    assert "will meet in Geneva next Tuesday" in " ".join(summit.paragraphs)
    assert "ceasefire" not in summit.labels
    assert not CEASEFIRE_WORDS.search(summit.full_text())
    assert not CEASEFIRE_WORDS.search(summit.dateline or "")



def test_new_ceasefire_story_is_separate_from_the_wire_copy() -> None:
    fresh = only([a for a in ARTICLES if "ceasefire" in a.labels and a.story is None])
    assert DEFAULT_START < fresh.published_at <= AFTER_ADVANCE
    wire_paragraphs = {p for a in ARTICLES if a.story for p in a.paragraphs}
    assert not wire_paragraphs & set(fresh.paragraphs)
    assert CEASEFIRE_WORDS.search(" ".join(fresh.paragraphs))



def test_distractors_tempt_but_never_say_ceasefire() -> None:
    def find(pattern: str) -> DemoArticle:
        return only([a for a in ARTICLES if re.search(pattern, a.full_text())])

    distractors = [
        find(r"\btruce\b.*players’ union|players’ union.*\btruce\b"),
        find(r"will cease production in March"),
        find(r"ceased\. Fire"),
        find(r"^Firefighters"),
    ]
    assert distractors[0].section == "Sport"
    assert distractors[1] is distractors[2]  # one business story carries both traps
    for article in distractors:
        assert "ceasefire" not in article.labels
        assert not CEASEFIRE_WORDS.search(article.full_text()), article.path
    # The same holds for every article that is not labelled as being about a ceasefire.
    for article in ARTICLES:
        if "ceasefire" not in article.labels:
            assert not CEASEFIRE_WORDS.search(article.full_text()), article.path



def test_fictional_leaders_and_mediator_recur_and_some_stories_have_several_authors() -> None:
    texts = [a.full_text() for a in ARTICLES]
    for name in ("Volkas", "Marsk", "Halvorsen"):
        assert sum(name in text for text in texts) >= 4, name
    assert sum(len(a.byline) > 1 for a in ARTICLES) >= 3
    assert any(a.updated_at is not None and a.updated_at > a.published_at for a in ARTICLES)

