"""Whatever a site sends, a source's scrape ends in records, never in an exception: malformed
redirects and links, documents nested to exhaust the parser, and even a bug in newswatch's own
code for one source or one article (found by a new user: one item answering `301 Location:
mailto:x` raised httpx.InvalidURL out of the run and silenced every alert)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

import scrapers.pipeline as scrape_module
from scrapers.fetch import Fetcher
from scrapers.models import Selectors, SourceConfig, SourceResult
from scrapers.pipeline import scrape_source

from .fetching import fast
from .hostile_server import HostileServer, redirect_to, reply

ARTICLE = ("<html><head><title>Pilots count barges</title></head><body><article>"
           "<h1>Pilots count barges</h1><p>" + "The harbour pilots counted barges again. " * 12
           + "</p></article></body></html>")
BAD_LOCATIONS = [("mailto:x", "redirect"), ("javascript:alert(1)", "redirect"),
                 ("data:text/html,<b>x</b>", "redirect"), ("http://[oops/", "bad_url"),
                 ("http://news.example:99999/a", "bad_url"), ("http://:80/", "bad_url"),
                 ("https://[::1", "bad_url")]


def scrape_all(*sources: SourceConfig) -> list[SourceResult]:
    async def run() -> list[SourceResult]:
        async with Fetcher(fast(retries=0)) as fetcher:
            return list(await asyncio.gather(*(scrape_source(s, fetcher) for s in sources)))
    return asyncio.run(run())


def _rss(*links: str) -> bytes:
    items = "".join(f"<item><title>Item {n}</title><link>{link}</link></item>"
                    for n, link in enumerate(links))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>{items}'
            "</channel></rss>").encode()


def _site(hostile: HostileServer) -> str:
    """A good article at /good and robots.txt allowing everything."""
    hostile.route("/robots.txt", reply(404))
    return hostile.route("/good", reply(200, ARTICLE.encode(), content_type="text/html"))


@pytest.mark.parametrize(("location", "error_class"), BAD_LOCATIONS)
def test_an_article_redirecting_anywhere_is_a_record(hostile: HostileServer, location: str,
                                                     error_class: str) -> None:
    good = _site(hostile)
    bad = hostile.route("/bad", redirect_to(location, 301))
    feed = hostile.route("/feed", reply(200, _rss(bad, good),
                                        content_type="application/rss+xml"))
    moved = hostile.route("/moved", redirect_to(location, 301))
    result, moved_result = scrape_all(SourceConfig(id="s", url=feed),
                                      SourceConfig(id="m", url=moved))
    records = {r.url: r for r in result.fetches}
    assert (records[bad].outcome, records[bad].error_class) == ("error", error_class)
    assert records[bad].message and records[good].outcome == "ok"
    assert len(result.articles) == 1
    [feed_record] = moved_result.fetches
    assert (feed_record.kind, feed_record.error_class) == ("feed", error_class)


def test_malformed_links_on_a_listing_page_are_skipped(hostile: HostileServer) -> None:
    good = _site(hostile)
    page = hostile.route("/list", reply(200, (
        '<html><head><base href="http://[base-oops/"></head><body>'
        '<h3><a href="http://[oops/">a</a></h3><h3><a href="http://news.example:99999/b">b'
        '</a></h3><h3><a href="javascript:void(0)">c</a></h3><h3><a href="http://:80/">d</a>'
        f'</h3><h3><a href="{good}">Good</a></h3></body></html>').encode(),
        content_type="text/html"))
    [result] = scrape_all(SourceConfig(id="l", url=page, kind="listing",
                                       selectors=Selectors(links="h3 a")))
    assert [r.outcome for r in result.fetches] == ["ok", "ok"]
    assert [a.discovered_url for a in result.articles] == [good]


def test_malformed_sitemap_locations_are_skipped(hostile: HostileServer) -> None:
    good = _site(hostile)
    locs = ["http://[oops/", "http://news.example:99999/b", "http://:80/", good]
    index = hostile.route("/index.xml", reply(200, (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        '<sitemap><loc>http://[oops/child.xml</loc></sitemap>'
        f'<sitemap><loc>{hostile.base_url}/child.xml</loc></sitemap></sitemapindex>'
    ).encode(), content_type="application/xml"))
    hostile.route("/child.xml", reply(200, (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{loc}</loc></url>" for loc in locs) + "</urlset>").encode(),
        content_type="application/xml"))
    [result] = scrape_all(SourceConfig(id="m", url=index, kind="sitemap", max_age="3650d"))
    assert [(r.kind, r.outcome) for r in result.fetches] == [
        ("feed", "ok"), ("sitemap", "ok"), ("article", "ok")]
    assert [a.discovered_url for a in result.articles] == [good]


@pytest.mark.parametrize("depth", [2_000, 200_000])
def test_a_json_feed_nested_to_exhaust_the_parser_is_too_deep(hostile: HostileServer,
                                                              depth: int) -> None:
    body = (b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"url": "/a", '
            b'"title": ' + b"[" * depth + b"]" * depth + b"}]}")
    feed = hostile.route("/feed.json", reply(200, body, content_type="application/feed+json"))
    hostile.route("/robots.txt", reply(404))
    [result] = scrape_all(SourceConfig(id="j", url=feed))
    [record] = result.fetches
    assert (record.kind, record.error_class) == ("feed", "too_deep")


def test_a_listing_page_nested_80000_deep_is_refused_quickly(hostile: HostileServer) -> None:
    good = _site(hostile)
    page = hostile.route("/list", reply(200, (
        "<html><body>" + "<div>" * 80_000 + f'<h3><a href="{good}">Good</a></h3>'
        + "</div>" * 80_000 + "</body></html>").encode(), content_type="text/html"))
    started = time.perf_counter()
    [result] = scrape_all(SourceConfig(id="l", url=page, kind="listing",
                                       selectors=Selectors(links="h3 a")))
    assert time.perf_counter() - started < 1.5   # parsing 100,000 levels took 2.6 s of CPU
    [record] = result.fetches
    assert (record.kind, record.error_class) == ("feed", "too_deep")


def test_deep_json_ld_in_an_article_is_skipped_and_the_article_read(
        hostile: HostileServer) -> None:
    deep = "[" * 5000 + "]" * 5000
    page = ARTICLE.replace("</head>",
                           f'<script type="application/ld+json">{deep}</script></head>')
    hostile.route("/robots.txt", reply(404))
    url = hostile.route("/a", reply(200, page.encode(), content_type="text/html"))
    feed = hostile.route("/feed", reply(200, _rss(url), content_type="application/rss+xml"))
    [result] = scrape_all(SourceConfig(id="s", url=feed))
    assert [a.title for a in result.articles] == ["Pilots count barges"]


def test_a_bug_in_one_source_is_recorded_against_it_alone(
        hostile: HostileServer, monkeypatch: pytest.MonkeyPatch) -> None:
    good = _site(hostile)
    feed = hostile.route("/feed", reply(200, _rss(good), content_type="application/rss+xml"))
    discover_feed = scrape_module.DISCOVERERS["feed"]

    async def broken_for_one(source: SourceConfig, *args: Any) -> Any:
        if source.id == "broken":
            raise KeyError("no such field: 'pubDate'")
        return await discover_feed(source, *args)
    monkeypatch.setitem(scrape_module.DISCOVERERS, "feed", broken_for_one)
    healthy, broken = scrape_all(SourceConfig(id="healthy", url=feed),
                                 SourceConfig(id="broken", url=feed))
    assert len(healthy.articles) == 1 and not healthy.errors
    [record] = broken.fetches
    assert (record.url, record.kind, record.outcome, record.error_class) == (
        feed, "feed", "error", "internal_error")
    assert "KeyError" in (record.message or "") and "pubDate" in (record.message or "")
    assert broken.failed and record.transient is False


def test_a_bug_fetching_one_article_fails_that_article_alone(
        hostile: HostileServer, monkeypatch: pytest.MonkeyPatch) -> None:
    good = _site(hostile)
    other = hostile.route("/other", reply(200, ARTICLE.encode(), content_type="text/html"))
    feed = hostile.route("/feed", reply(200, _rss(good, other),
                                        content_type="application/rss+xml"))
    source_get = scrape_module.source_get

    async def broken_for_other(source: SourceConfig, fetcher: Fetcher, url: str,
                               *args: Any) -> Any:
        if url == other:
            raise AttributeError("'NoneType' object has no attribute 'body'")
        return await source_get(source, fetcher, url, *args)
    monkeypatch.setattr(scrape_module, "source_get", broken_for_other)
    [result] = scrape_all(SourceConfig(id="s", url=feed))
    records = {r.url: r for r in result.fetches}
    assert records[good].outcome == "ok" and len(result.articles) == 1
    assert records[other].error_class == "internal_error"
    assert "AttributeError" in (records[other].message or "")
