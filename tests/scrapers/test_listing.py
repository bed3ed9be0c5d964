"""Listing-page sources: links picked by a CSS selector, article pages read with selectors."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from demo.catalog import article_path, front_path, visible_articles
from demo.clock import DemoClock
from demo.routes import DemoApp
from scrapers.fetch import Fetcher, FetchPolicy
from scrapers.listing import listing_entries
from scrapers.models import Selectors, SourceConfig, SourceResult
from scrapers.pipeline import scrape_source

from .hostile_server import HostileServer, demo_app
from .sitemap_site import article_page, html, words

NOW = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)
CARD_LINKS = "h3.ht-card-headline a"


def scrape(source: SourceConfig, **kwargs: Any) -> SourceResult:
    async def run() -> SourceResult:
        policy = FetchPolicy(connect_timeout=1.0, read_timeout=2.0, total_timeout=3.0,
                             retries=0, allow_private_addresses=True)
        async with Fetcher(policy) as fetcher:
            return await scrape_source(source, fetcher, now=lambda: NOW, **kwargs)
    return asyncio.run(run())


def serve_demo(server: HostileServer) -> DemoClock:
    clock = DemoClock()
    server.fallback = demo_app(DemoApp(clock, server.base_url))
    return clock


def test_links_selector_finds_every_card_on_the_demo_front_page(
        hostile: HostileServer) -> None:
    clock = serve_demo(hostile)
    expected = visible_articles("harbour-times", clock.now())
    source = SourceConfig(id="ht", kind="listing", url=hostile.base_url + front_path(
        "harbour-times"), selectors=Selectors(links=CARD_LINKS), max_articles=3)
    result = scrape(source)

    assert not result.failed and result.errors == []
    assert result.entries_seen == len(expected)
    assert [a.url for a in result.articles] == \
        [hostile.base_url + article_path(a) for a in expected[:3]]      # page order
    assert [a.title for a in result.articles] == [a.headline for a in expected[:3]]
    assert result.fetches[0].kind == "feed" and result.fetches[0].status_code == 200


def test_title_date_and_body_selectors_win(hostile: HostileServer) -> None:
    """The page's metadata says one thing, the user's selectors point at another: the
    selectors win, and the body is exactly what the body selector holds."""
    page = article_page(
        "Metadata headline", ["Intro paragraph that the extractor would keep.", *words("tram")],
        published=datetime(2020, 1, 1, tzinfo=UTC),
        extra_body='<div class="real"><h2 class="t">Headline from the selector</h2>'
                   '<p class="when">Saturday 21 November 2026 08.00 GMT</p>'
                   "<p>Only this sentence is the body.</p><p>And this one.</p>"
                   "<script>var noise = 1;</script></div>")
    hostile.route("/story", html(page))
    hostile.route("/", html(b'<ul><li class="item"><a href="/story">Story</a></li>'
                            b'<li class="item"><a href="mailto:desk@x">mail</a></li></ul>'))
    source = SourceConfig(id="l", kind="listing", url=hostile.base_url + "/", selectors=Selectors(
        links="li.item", title="h2.t", date="p.when", body="div.real p:not(.when)"))
    result = scrape(source)

    [article] = result.articles
    assert article.title == "Headline from the selector"
    assert article.published_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    assert article.body == "Only this sentence is the body.\nAnd this one."
    assert article.word_count == 9
    assert result.entries_seen == 1        # the mailto: link is not an article


def test_date_selector_reads_the_datetime_attribute_on_a_demo_page(
        hostile: HostileServer) -> None:
    clock = serve_demo(hostile)
    first = visible_articles("harbour-times", clock.now())[0]
    source = SourceConfig(id="ht", kind="listing", url=hostile.base_url + "/harbour-times/",
                          max_articles=1, selectors=Selectors(
                              links=CARD_LINKS, title=".ht-standfirst",
                              date=".ht-published time", body=".ht-story-body"))
    [article] = scrape(source).articles
    assert article.title == " ".join(first.summary.split())
    assert article.published_at == first.published_at
    assert article.body.split("\n") == [" ".join(p.split()) for p in first.paragraphs]


def test_links_selector_that_matches_nothing_fails_the_source_loudly(
        hostile: HostileServer) -> None:
    serve_demo(hostile)
    source = SourceConfig(id="ht", kind="listing", url=hostile.base_url + "/harbour-times/",
                          selectors=Selectors(links="h3.renamed-class a"))
    result = scrape(source)
    assert result.failed and result.articles == []
    [error] = result.errors
    assert error.error_class == "selector_matched_nothing"
    assert "h3.renamed-class a" in (error.message or "")


def test_body_selector_that_matches_nothing_is_an_article_error(hostile: HostileServer) -> None:
    clock = serve_demo(hostile)
    source = SourceConfig(id="ht", kind="listing", url=hostile.base_url + "/harbour-times/",
                          max_articles=2, selectors=Selectors(links=CARD_LINKS,
                                                              body="div.no-such-body"))
    result = scrape(source)
    assert result.articles == [] and not result.failed
    assert [e.error_class for e in result.errors] == ["selector_matched_nothing"] * 2
    assert len(visible_articles("harbour-times", clock.now())) > 2


def test_listing_entries_resolve_relative_links_and_base_href() -> None:
    page = ('<html><head><base href="https://paper.example/news/"></head><body>'
            '<div class="card"><a href="one?utm_source=x">One</a></div>'
            '<div class="card"><a href="/two">  Two\n </a></div>'
            '<div class="card"><a href="one">Duplicate</a></div>'
            '<div class="card">no link</div></body></html>')
    entries = listing_entries(page, page_url="https://paper.example/", links="div.card")
    assert [(e.url, e.title) for e in entries] == [
        ("https://paper.example/news/one", "One"), ("https://paper.example/two", "Two")]
