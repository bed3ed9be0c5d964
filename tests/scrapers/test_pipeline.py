"""scrape_source end to end: the demo news web over real HTTP, failures as data."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from demo.articles import DemoArticle
from demo.catalog import article_path, feed_path, visible_articles
from demo.clock import DemoClock
from demo.routes import GARBAGE_BODY, DemoApp
from demo.server import DemoNewsServer
from scrapers.fetch import Fetcher, FetchPolicy
from scrapers.models import SourceConfig, SourceResult, Validators
from scrapers.pipeline import scrape_source

from .hostile_server import HostileServer, demo_app, drip, gzipped, redirect_to, reply

NOW = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)
SITES = ["harbour-times", "northern-ledger", "valley-courier"]


def fast() -> FetchPolicy:
    return FetchPolicy(connect_timeout=1.0, read_timeout=2.0, total_timeout=3.0, retries=1,
                       backoff_base=0.01, max_retry_after=5.0, max_bytes=1_000_000,
                       min_delay=0.0, allow_private_addresses=True)


def scrape(source: SourceConfig, policy: FetchPolicy | None = None, **kwargs: Any
           ) -> SourceResult:
    async def run() -> SourceResult:
        async with Fetcher(policy or fast()) as fetcher:
            return await scrape_source(source, fetcher, now=lambda: NOW, **kwargs)
    return asyncio.run(run())


@pytest.fixture
def counted_demo(hostile: HostileServer) -> Iterator[HostileServer]:
    """The demo web's own pages, served by a server that counts every request."""
    hostile.fallback = demo_app(DemoApp(DemoClock(), hostile.base_url))
    yield hostile


def _visible(slug: str, clock: DemoClock | None = None) -> list[DemoArticle]:
    return visible_articles(slug, (clock or DemoClock()).now())


@pytest.mark.parametrize("slug", SITES)
def test_every_entry_is_fetched_and_extracted(demo_server: DemoNewsServer, slug: str) -> None:
    site = next(s for s in demo_server.sites() if s.slug == slug)
    source = SourceConfig(id=slug, url=site.feed_url, language="en")
    result = scrape(source)

    expected = _visible(slug, demo_server.clock)
    urls = [demo_server.base_url + article_path(a) for a in expected]
    assert result.source_id == slug
    assert not result.failed and result.errors == []
    assert result.entries_seen == len(expected) >= 5
    assert result.skipped_known == 0
    assert [a.url for a in result.articles] == urls      # feed order kept
    by_url = {a.url: a for a in result.articles}
    for article in expected:
        got = by_url[demo_server.base_url + article_path(article)]
        assert got.title == article.headline
        assert got.published_at == article.published_at
        assert got.authors == tuple(article.byline)
        assert got.source_id == slug
        assert got.fetched_at == NOW
        assert got.language == "en"
        assert " ".join(article.paragraphs[-1].split()) in " ".join(got.body.split())

    feed, *pages = result.fetches
    assert (feed.kind, feed.outcome, feed.status_code, feed.url) == \
        ("feed", "ok", 200, site.feed_url)
    assert feed.bytes > 1000
    assert [(p.kind, p.outcome, p.status_code) for p in pages] == \
        [("article", "ok", 200)] * len(expected)
    assert all(p.bytes > 1000 and p.error_class is None for p in pages)
    assert result.validators is not None
    assert result.validators.etag and result.validators.last_modified


def test_harbour_times_feed_links_lose_their_tracking_parameters(
        demo_server: DemoNewsServer) -> None:
    site = next(s for s in demo_server.sites() if s.slug == "harbour-times")
    result = scrape(SourceConfig(id="ht", url=site.feed_url))
    assert result.articles
    for article in result.articles:
        assert "utm_" not in article.url and "utm_" not in article.discovered_url
    assert all("utm_" not in f.url for f in result.fetches)


def test_known_urls_are_skipped_before_download(counted_demo: HostileServer) -> None:
    slug = "northern-ledger"
    expected = _visible(slug)
    known = {counted_demo.base_url + article_path(a) for a in expected[2:]}
    source = SourceConfig(id=slug, url=counted_demo.base_url + feed_path(slug))
    result = scrape(source, known_urls=known)

    assert result.entries_seen == len(expected)
    assert result.skipped_known == len(expected) - 2
    assert [a.url for a in result.articles] == \
        [counted_demo.base_url + article_path(a) for a in expected[:2]]
    for article in expected:
        hits = counted_demo.hits[article_path(article)]
        assert hits == (0 if counted_demo.base_url + article_path(article) in known else 1)
    # robots.txt, the feed and two new pages
    assert sum(counted_demo.hits.values()) == 1 + 1 + 2


def test_max_articles_caps_the_fetches(counted_demo: HostileServer) -> None:
    slug = "harbour-times"
    expected = _visible(slug)
    source = SourceConfig(id=slug, url=counted_demo.base_url + feed_path(slug), max_articles=3)
    result = scrape(source)
    assert result.entries_seen == len(expected) > 3
    assert [a.url for a in result.articles] == \
        [counted_demo.base_url + article_path(a) for a in expected[:3]]   # newest first
    assert sum(counted_demo.hits.values()) == 1 + 1 + 3     # robots.txt, feed, pages
    assert len(result.fetches) == 1 + 3


def test_second_run_with_validators_is_not_modified(demo_server: DemoNewsServer) -> None:
    site = next(s for s in demo_server.sites() if s.slug == "valley-courier")
    source = SourceConfig(id="vc", url=site.feed_url)
    first = scrape(source)
    assert first.articles and first.validators is not None

    second = scrape(source, validators=first.validators,
                    known_urls={a.url for a in first.articles})
    assert second.articles == []
    assert second.validators is None
    assert second.entries_seen == 0
    assert not second.failed
    [record] = second.fetches
    assert (record.kind, record.outcome, record.status_code, record.bytes) == \
        ("feed", "not_modified", 304, 0)


def test_after_the_clock_moves_only_new_stories_are_fetched(demo_server: DemoNewsServer) -> None:
    site = next(s for s in demo_server.sites() if s.slug == "harbour-times")
    source = SourceConfig(id="ht", url=site.feed_url)
    first = scrape(source)
    before = {a.url for a in first.articles}

    demo_server.clock.advance(24)
    second = scrape(source, validators=first.validators, known_urls=before)
    after = [demo_server.base_url + article_path(a)
             for a in _visible("harbour-times", demo_server.clock)]
    new = [u for u in after if u not in before]
    assert new, "the demo publishes on this site within a day"
    assert second.fetches[0].outcome == "ok"              # validators changed: a full answer
    assert second.validators != first.validators
    assert [a.url for a in second.articles] == new
    assert second.skipped_known == len(after) - len(new)


def test_unavailable_feed_is_an_error_record_not_an_exception(
        demo_server: DemoNewsServer) -> None:
    source = SourceConfig(id="down", url=demo_server.error_feed_url)
    started = time.monotonic()
    result = scrape(source)
    assert time.monotonic() - started < 2     # Retry-After: 3600 is not waited for
    assert result.failed
    assert result.articles == [] and result.validators is None
    [record] = result.fetches
    assert record.url == demo_server.error_feed_url
    assert (record.kind, record.outcome, record.error_class, record.transient) == \
        ("feed", "error", "server_error", True)
    assert record.message == "HTTP 503 Service Unavailable"
    assert record.status_code is None


def test_garbage_feed_is_an_error_record(demo_server: DemoNewsServer) -> None:
    result = scrape(SourceConfig(id="junk", url=demo_server.garbage_feed_url))
    assert result.failed
    [record] = result.fetches
    assert (record.kind, record.outcome, record.error_class, record.transient) == \
        ("feed", "error", "malformed_feed", False)
    assert record.status_code == 200
    assert record.bytes == len(GARBAGE_BODY)
    assert record.message is not None and "broken before its first entry" in record.message
    assert result.entries_seen == 0


def test_html_page_instead_of_a_feed(demo_server: DemoNewsServer) -> None:
    site = demo_server.sites()[0]
    result = scrape(SourceConfig(id="html", url=site.front_url))
    [record] = result.fetches
    assert (record.outcome, record.error_class, record.status_code) == \
        ("error", "not_a_feed", 200)


@pytest.mark.parametrize(("path", "route", "error_class"), [
    ("/slow.xml", drip([b"<rss>"] * 40, interval=0.1), "timeout"),
    ("/bomb.xml", gzipped(b"\0" * 5_000_000, "application/rss+xml"), "too_large"),
    ("/gone.xml", reply(410, b"gone"), "http_status"),
    ("/loop.xml", redirect_to("/loop.xml"), "redirect"),
])
def test_misbehaving_feed_servers(hostile: HostileServer, path: str, route: Any,
                                  error_class: str) -> None:
    url = hostile.route(path, route)
    result = scrape(SourceConfig(id="bad", url=url),
                    FetchPolicy(total_timeout=1.0, read_timeout=2.0, retries=0,
                                max_bytes=500_000, max_redirects=3,
                                allow_private_addresses=True))
    assert result.failed
    [record] = result.fetches
    assert (record.kind, record.outcome, record.error_class) == ("feed", "error", error_class)
    assert record.message


def test_unreachable_feed(hostile: HostileServer) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/feed.xml"
    result = scrape(SourceConfig(id="gone", url=url))
    [record] = result.fetches
    assert (record.outcome, record.error_class, record.transient) == ("error", "connect", True)


def _rss(*links: str) -> bytes:
    items = "".join(f"<item><title>Item {i}</title><link>{link}</link></item>"
                    for i, link in enumerate(links))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Mixed</title>'
            f"{items}</channel></rss>").encode()


def test_article_failures_are_records_and_the_rest_still_arrive(
        counted_demo: HostileServer) -> None:
    base = counted_demo.base_url
    good = _visible("northern-ledger")[0]
    good_url = base + article_path(good)
    counted_demo.route("/down", reply(503, b"", {"Retry-After": "3600"}))
    links = [good_url, base + "/northern-ledger/news/no-such-story-1",
             base + "/", base + "/down"]
    feed_url = counted_demo.route("/mixed.xml", reply(200, _rss(*links), content_type=None))
    result = scrape(SourceConfig(id="mixed", url=feed_url))

    assert not result.failed
    assert [a.url for a in result.articles] == [good_url]
    records = {f.url: f for f in result.fetches if f.kind == "article"}
    assert set(records) == set(links)
    assert records[good_url].outcome == "ok"
    missing, stub, down = (records[u] for u in links[1:])
    assert (missing.error_class, missing.status_code, missing.transient) == \
        ("http_status", None, False)
    assert missing.message == "HTTP 404 Not Found"
    assert (stub.error_class, stub.status_code) == ("not_an_article", 200)
    assert stub.bytes > 0 and stub.message is not None and "words of body text" in stub.message
    assert (down.error_class, down.transient) == ("server_error", True)
    assert len(result.errors) == 3


def test_redirected_article_keeps_the_link_it_was_found_by(counted_demo: HostileServer) -> None:
    base = counted_demo.base_url
    target = _visible("valley-courier")[0]
    counted_demo.route("/go/42", redirect_to(article_path(target), 301))
    feed_url = counted_demo.route("/short.xml", reply(200, _rss(base + "/go/42?utm_source=x"),
                                                      content_type="application/rss+xml"))
    result = scrape(SourceConfig(id="short", url=feed_url))
    [article] = result.articles
    assert article.discovered_url == base + "/go/42"
    assert article.url == base + article_path(target)       # rel=canonical of the final page
    assert article.title == target.headline
    assert result.fetches[1].url == base + "/go/42"


def test_source_headers_are_sent_with_every_request(counted_demo: HostileServer) -> None:
    slug = "valley-courier"
    source = SourceConfig(id=slug, url=counted_demo.base_url + feed_path(slug), max_articles=2,
                          headers={"X-Api-Key": "sekrit-123"})
    result = scrape(source)
    assert len(result.articles) == 2
    assert len(counted_demo.log) == 4      # robots.txt, the feed and two pages
    assert all(r.headers.get("x-api-key") == "sekrit-123" for r in counted_demo.log)


def test_validators_are_kept_from_a_200(counted_demo: HostileServer) -> None:
    slug = "harbour-times"
    source = SourceConfig(id=slug, url=counted_demo.base_url + feed_path(slug), max_articles=1)
    result = scrape(source)
    assert result.validators is not None
    again = scrape(source, validators=Validators(etag=result.validators.etag))
    assert again.fetches[0].outcome == "not_modified"
    feed_requests = counted_demo.requests_to(feed_path(slug))
    assert feed_requests[1].headers["if-none-match"] == result.validators.etag


def test_feed_max_age_and_patterns_skip_before_download(counted_demo: HostileServer) -> None:
    slug = "harbour-times"
    expected = _visible(slug)
    cutoff = NOW - timedelta(days=2)
    recent = [a for a in expected if a.modified_at(DemoClock().now()) >= cutoff]
    assert 0 < len(recent) < len(expected)
    source = SourceConfig(id=slug, url=counted_demo.base_url + feed_path(slug), max_age="2d",
                          exclude=("/business/",))
    result = scrape(source)
    wanted = [a for a in recent if a.section != "Business"]
    assert [a.url for a in result.articles] == \
        [counted_demo.base_url + article_path(a) for a in wanted]
    assert result.skipped_old == len(expected) - len(recent)
    assert result.skipped_filtered == len(recent) - len(wanted) > 0
    assert result.entries_seen == len(expected)
    assert sum(counted_demo.hits.values()) == 1 + 1 + len(wanted)     # robots.txt, feed, pages
