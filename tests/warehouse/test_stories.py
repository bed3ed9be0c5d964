"""Story clustering over the demo's articles: wire copies join one story, nothing else does."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.articles import ARTICLES, WIRE_CREDITS, DemoArticle
from demo.content.wire import SERIN_TALKS_STORY
from scrapers.models import SourceResult
from tests.warehouse.builders import FOOTER_SITE, demo_url, digest, from_demo, results_by_source
from warehouse.articles import load_results
from warehouse.connection import reader, writer
from warehouse.stories import StoryIndex, signature

WIRE = [d for d in ARTICLES if d.story == SERIN_TALKS_STORY]


def _wire(site: str) -> DemoArticle:
    [found] = [d for d in WIRE if d.site == site]
    return found


def test_the_demo_wire_copies_are_what_this_test_assumes() -> None:
    full = [d for d in WIRE if d.paragraphs == _wire(FOOTER_SITE).paragraphs]
    trimmed = [d for d in WIRE if d.paragraphs != _wire(FOOTER_SITE).paragraphs]
    assert len(WIRE) == 3 and len(full) == 2 and len(trimmed) == 1
    assert len({d.headline for d in WIRE}) == 3
    assert trimmed[0].paragraphs == full[0].paragraphs[:-1]
    footer = WIRE_CREDITS[SERIN_TALKS_STORY].footer
    assert from_demo(_wire(FOOTER_SITE)).body.endswith(f"\n\n{footer}")
    [plain] = [d for d in full if d.site != FOOTER_SITE]
    assert from_demo(plain).body == "\n\n".join(plain.paragraphs)


def _stories(path: Path) -> dict[str, set[str]]:
    with reader(path) as con:
        rows = con.execute("SELECT story_id, url FROM articles").fetchall()
    out: dict[str, set[str]] = {}
    for story_id, url in rows:
        out.setdefault(story_id, set()).add(url)
    return out


def test_wire_copies_join_one_story_and_every_other_article_has_its_own(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with writer(path) as con:
        load_results(con, "run-1", results_by_source([from_demo(d) for d in ARTICLES]))
        similarities = dict(con.execute(
            "SELECT a.url, s.similarity FROM articles a JOIN article_signatures s "
            "USING (article_id)").fetchall())
        stories = con.execute("SELECT story_id, title FROM stories").fetchall()

    groups = _stories(path)
    wire_urls = {demo_url(d) for d in WIRE}
    # The earliest copy founds the story and names it.
    founder = min(WIRE, key=lambda d: d.published_at)
    assert groups[digest(demo_url(founder))] == wire_urls
    others = [urls for story_id, urls in groups.items() if story_id != digest(demo_url(founder))]
    assert sorted(len(u) for u in others) == [1] * (len(ARTICLES) - 3)
    assert len(stories) == len(ARTICLES) - 2
    assert (digest(demo_url(founder)), founder.headline) in stories
    # Each joined copy records how close it was to its nearest member.
    assert similarities[demo_url(founder)] is None
    for d in WIRE:
        if d is not founder:
            assert similarities[demo_url(d)] is not None
            assert 0.5 <= similarities[demo_url(d)] <= 1.0
    assert all(similarities[demo_url(d)] is None for d in ARTICLES if d not in WIRE)


def test_a_later_copy_joins_the_story_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    first, *later = sorted(WIRE, key=lambda d: d.published_at)
    with writer(path) as con:
        report = load_results(con, "run-1", [SourceResult(first.site, articles=[
            from_demo(first), *(from_demo(d) for d in ARTICLES if d not in WIRE)])])
        assert report.joined_stories == 0
    # Each later copy arrives in its own run, on a new connection: the index is rebuilt from
    # the stored signatures, not from memory.
    for copy in later:
        with writer(path) as con:
            report = load_results(con, f"run-{copy.site}",
                                  [SourceResult(copy.site, articles=[from_demo(copy)])])
            assert (report.new_stories, report.joined_stories) == (0, 1)
    assert _stories(path)[digest(demo_url(first))] == {demo_url(d) for d in WIRE}


def test_stored_signatures_equal_freshly_computed_ones(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    article = from_demo(WIRE[0])
    with writer(path) as con:
        load_results(con, "run-1", [SourceResult(article.source_id, articles=[article])])
        [(stored,)] = con.execute("SELECT signature FROM article_signatures").fetchall()
    assert stored == signature(f"{article.title}\n{article.body}").tolist()
    assert len(stored) == 128


@pytest.mark.parametrize("site", sorted({d.site for d in WIRE}))
def test_index_places_each_copy_with_the_others(site: str) -> None:
    index = StoryIndex()
    for d in ARTICLES:
        if d.site != site or d.story != SERIN_TALKS_STORY:
            a = from_demo(d)
            index.assign(a.article_id, signature(f"{a.title}\n{a.body}"))
    copy = from_demo(_wire(site))
    assignment = index.assign(copy.article_id, signature(f"{copy.title}\n{copy.body}"))
    assert assignment.similarity is not None
    assert assignment.story_id in {digest(demo_url(d)) for d in WIRE if d.site != site}


def test_a_new_topic_article_on_the_same_subject_is_not_joined() -> None:
    index = StoryIndex()
    for d in WIRE:
        a = from_demo(d)
        index.assign(a.article_id, signature(f"{a.title}\n{a.body}"))
    for d in ARTICLES:
        if d not in WIRE and "border-conflict" in d.labels:
            a = from_demo(d)
            assignment = index.assign(a.article_id, signature(f"{a.title}\n{a.body}"))
            assert (assignment.story_id, assignment.similarity) == (a.article_id, None), d.path
