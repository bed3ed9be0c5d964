"""Sitemap sources over real HTTP: indexes, gzipped and news sitemaps, age and loop limits."""

from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scrapers.errors import MalformedSitemap, NotASitemap, TooLarge
from scrapers.fetch import Fetcher, FetchPolicy
from scrapers.models import SourceConfig, SourceResult
from scrapers.pipeline import scrape_source
from scrapers.sitemaps import parse_sitemap

from ..conftest import SHARED_CORPUS
from .hostile_server import HostileServer, with_etag
from .sitemap_site import Url, article_page, gz_file, html, sitemap_index, urlset, words, xml

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
WAPO = SHARED_CORPUS / "feeds" / "washingtonpost-politics-news-sitemap-2017-11.xml"


def fast() -> FetchPolicy:
    return FetchPolicy(connect_timeout=1.0, read_timeout=2.0, total_timeout=3.0, retries=0,
                       backoff_base=0.01, allow_private_addresses=True)


def scrape(source: SourceConfig, now: datetime = NOW, **kwargs: Any) -> SourceResult:
    async def run() -> SourceResult:
        async with Fetcher(fast()) as fetcher:
            return await scrape_source(source, fetcher, now=lambda: now, **kwargs)
    return asyncio.run(run())


def add_articles(server: HostileServer, paths: list[str]) -> list[str]:
    """An article page at each path; returns their URLs."""
    return [server.route(p, html(article_page(f"Story {p}", words(p), published=NOW)))
            for p in paths]


def test_index_with_a_plain_and_a_gzipped_child(hostile: HostileServer) -> None:
    a, b, c = add_articles(hostile, ["/news/a", "/news/b", "/news/c"])
    plain = hostile.route("/sitemap-news.xml", xml(urlset([
        Url(a, lastmod=NOW - timedelta(hours=1)), Url(b, lastmod=NOW - timedelta(hours=3))])))
    packed = hostile.route("/sitemap-more.xml.gz", gz_file(urlset([
        Url(c, lastmod=NOW - timedelta(hours=2))])))
    index = hostile.route("/sitemap_index.xml", xml(sitemap_index([
        (plain, NOW - timedelta(hours=1)), (packed, NOW - timedelta(hours=2))])))

    result = scrape(SourceConfig(id="s", kind="sitemap", url=index))

    assert not result.failed and result.errors == []
    assert [x.url for x in result.articles] == [a, c, b]     # newest lastmod first
    assert result.entries_seen == 3
    kinds = [(f.kind, f.url, f.outcome) for f in result.fetches if f.kind != "article"]
    assert kinds == [("feed", index, "ok"), ("sitemap", plain, "ok"), ("sitemap", packed, "ok")]
    assert result.articles[0].title == "Story /news/a"
    assert result.validators is not None


def test_gzip_bomb_in_a_sitemap_is_cut_off() -> None:
    huge = b"<urlset>" + b" " * 60_000_000 + b"</urlset>"
    with pytest.raises(TooLarge, match="larger than 50000000 bytes once unzipped"):
        parse_sitemap(gzip.compress(huge, compresslevel=1), url="http://127.0.0.1/x.xml.gz")


def test_google_news_sitemap_entries_carry_title_date_and_keywords(
        hostile: HostileServer) -> None:
    [a] = add_articles(hostile, ["/world/talks"])
    body = urlset([Url(a, news_title="Talks  open\n in Lakeside", published=NOW,
                       keywords="Diplomacy, Talks")])
    doc = parse_sitemap(body, url="http://127.0.0.1/news.xml")
    [entry] = doc.entries
    assert (entry.url, entry.title, entry.published_at, entry.tags) == \
        (a, "Talks open in Lakeside", NOW, ("Diplomacy", "Talks"))
    assert entry.updated_at is None and not doc.is_index


@pytest.mark.skipif(not WAPO.is_file(), reason="shared corpus (news sitemap) not present")
def test_real_news_sitemap_from_the_corpus(hostile: HostileServer) -> None:
    """A real Google News sitemap (n: prefix, whitespace around every value). It is read from
    the corpus, not copied into the project: its origin has no licence file."""
    body = WAPO.read_bytes()
    doc = parse_sitemap(body, url="https://www.washingtonpost.com/news-sitemap.xml")
    assert len(doc.entries) == 4
    first = doc.entries[0]
    assert first.url.startswith("https://www.washingtonpost.com/politics/the-latest-roy-moore")
    assert first.title == "The Latest: Roy Moore thanks Trump in new fundraising appeal"
    assert first.published_at == datetime(2017, 11, 23, 2, 5, 12, tzinfo=UTC)
    assert "Roy Moore" in first.tags
    assert all(e.published_at and e.title for e in doc.entries)

    url = hostile.route("/news-sitemap.xml", xml(body))
    fresh = datetime(2017, 11, 23, 12, 0, tzinfo=UTC)
    source = SourceConfig(id="wp", kind="sitemap", url=url, max_articles=1)
    # The articles live on the real site: with include matching nothing, nothing is fetched.
    recent = scrape(source.model_copy(update={"include": ("^http://127\\.0\\.0\\.1",)}), fresh)
    assert (recent.entries_seen, recent.skipped_old, recent.skipped_filtered) == (4, 0, 4)
    late = scrape(source, fresh + timedelta(days=3))
    assert (late.entries_seen, late.skipped_old, late.articles) == (4, 4, [])
    assert [f.kind for f in late.fetches] == ["feed"]


def test_index_that_lists_itself_or_loops_is_read_once(hostile: HostileServer) -> None:
    [a] = add_articles(hostile, ["/news/a"])
    base = hostile.base_url
    hostile.route("/index.xml", xml(sitemap_index([
        (base + "/index.xml", NOW), (base + "/loop.xml", NOW), (base + "/news.xml", NOW)])))
    hostile.route("/loop.xml", xml(sitemap_index([(base + "/index.xml", NOW)])))
    hostile.route("/news.xml", xml(urlset([Url(a, lastmod=NOW)])))

    result = scrape(SourceConfig(id="s", kind="sitemap", url=base + "/index.xml"))

    assert [x.url for x in result.articles] == [a]
    assert hostile.hits["/index.xml"] == 1 and hostile.hits["/loop.xml"] == 1
    assert sum("a loop" in note for note in result.notes) == 2
    assert not result.failed


def test_max_depth_stops_nested_indexes(hostile: HostileServer) -> None:
    [a] = add_articles(hostile, ["/news/a"])
    base = hostile.base_url
    hostile.route("/top.xml", xml(sitemap_index([(base + "/mid.xml", NOW)])))
    hostile.route("/mid.xml", xml(sitemap_index([(base + "/leaf.xml", NOW)])))
    hostile.route("/leaf.xml", xml(urlset([Url(a, lastmod=NOW)])))

    shallow = scrape(SourceConfig(id="s", kind="sitemap", url=base + "/top.xml", max_depth=1))
    assert shallow.articles == [] and hostile.hits["/leaf.xml"] == 0
    assert any("deeper than max_depth=1" in n for n in shallow.notes)
    deep = scrape(SourceConfig(id="s", kind="sitemap", url=base + "/top.xml", max_depth=2))
    assert [x.url for x in deep.articles] == [a]


def test_old_entries_and_old_child_sitemaps_are_not_followed(hostile: HostileServer) -> None:
    new, old, undated = add_articles(hostile, ["/news/new", "/news/old", "/news/undated"])
    base = hostile.base_url
    hostile.route("/archive-2019.xml", xml(urlset([Url(base + "/news/ancient")])))
    hostile.route("/current.xml", xml(urlset([
        Url(new, lastmod=NOW - timedelta(hours=30)),
        Url(old, lastmod=NOW - timedelta(days=3)),
        Url(old.replace("old", "older"), published=NOW - timedelta(days=9)),
        Url(undated)])))
    hostile.route("/index.xml", xml(sitemap_index([
        (base + "/archive-2019.xml", datetime(2019, 12, 31, tzinfo=UTC)),
        (base + "/current.xml", NOW)])))

    result = scrape(SourceConfig(id="s", kind="sitemap", url=base + "/index.xml"))   # 2d
    assert [x.url for x in result.articles] == [new, undated]
    assert result.skipped_old == 2 and result.entries_seen == 4
    assert hostile.hits["/archive-2019.xml"] == 0 and hostile.hits["/news/old"] == 0
    assert any("unchanged within max_age" in n for n in result.notes)

    wider = scrape(SourceConfig(id="s", kind="sitemap", url=base + "/current.xml",
                                max_age="4d"))
    assert sorted(x.url for x in wider.articles) == sorted([new, old, undated])


def test_include_and_exclude_patterns(hostile: HostileServer) -> None:
    urls = add_articles(hostile, ["/world/a", "/world/video/b", "/sport/c", "/world/d.pdf"])
    sitemap = hostile.route("/s.xml", xml(urlset([Url(u, lastmod=NOW) for u in urls])))
    source = SourceConfig(id="s", kind="sitemap", url=sitemap, include=("/world/",),
                          exclude=("/video/", r"\.pdf$"))
    result = scrape(source)
    assert [x.url for x in result.articles] == [urls[0]]
    assert result.skipped_filtered == 3
    assert hostile.hits["/sport/c"] == hostile.hits["/world/video/b"] == 0


def test_max_entries_caps_what_is_read(hostile: HostileServer) -> None:
    urls = [f"{hostile.base_url}/n/{i}" for i in range(50)]
    sitemap = hostile.route("/s.xml", xml(urlset([Url(u, lastmod=NOW) for u in urls])))
    result = scrape(SourceConfig(id="s", kind="sitemap", url=sitemap, max_entries=10,
                                 max_articles=1))
    assert result.entries_seen == 10
    assert any("max_entries" in n for n in result.notes)


def test_sitemap_conditional_get_answers_304(hostile: HostileServer) -> None:
    [a] = add_articles(hostile, ["/news/a"])
    body = urlset([Url(a, lastmod=NOW)])
    url = hostile.route("/s.xml", with_etag('"s1"', "Sat, 21 Nov 2026 11:00:00 GMT", body,
                                            content_type="application/xml"))
    source = SourceConfig(id="s", kind="sitemap", url=url)
    first = scrape(source)
    assert first.validators is not None and first.validators.etag == '"s1"'
    second = scrape(source, validators=first.validators)
    assert second.articles == [] and second.entries_seen == 0 and not second.failed
    assert [(f.outcome, f.status_code) for f in second.fetches] == [("not_modified", 304)]
    assert hostile.requests_to("/s.xml")[1].headers["if-none-match"] == '"s1"'
    assert hostile.hits["/news/a"] == 1


def test_broken_child_is_recorded_and_the_rest_still_read(hostile: HostileServer) -> None:
    [a] = add_articles(hostile, ["/news/a"])
    base = hostile.base_url
    hostile.route("/bad.xml", xml(b"<urlset><url><loc>http://x</loc>"))
    hostile.route("/good.xml", xml(urlset([Url(a, lastmod=NOW)])))
    index = hostile.route("/i.xml", xml(sitemap_index([(base + "/bad.xml", NOW),
                                                       (base + "/missing.xml", NOW),
                                                       (base + "/good.xml", NOW)])))
    result = scrape(SourceConfig(id="s", kind="sitemap", url=index))
    assert [x.url for x in result.articles] == [a]
    assert not result.failed
    failed = {(f.url, f.error_class) for f in result.errors}
    assert failed == {(base + "/bad.xml", "malformed_sitemap"),
                      (base + "/missing.xml", "http_status")}


def test_a_feed_or_page_is_not_a_sitemap(hostile: HostileServer) -> None:
    with pytest.raises(NotASitemap, match=r"root is <rss>.*use kind: feed"):
        parse_sitemap(b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', url="u")
    with pytest.raises(NotASitemap, match=r"root is <html>.*use kind: listing"):
        parse_sitemap(b"<html><body>a page</body></html>", url="u")
    with pytest.raises(MalformedSitemap):
        parse_sitemap(b"<urlset><url><loc>http://127.0.0.1/a</lo", url="u")
    empty = parse_sitemap(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>',
                          url="u")
    assert (empty.is_index, empty.entries, empty.children) == (False, [], [])
    url = hostile.route("/feed.xml", xml(b'<rss version="2.0"><channel></channel></rss>'))
    result = scrape(SourceConfig(id="s", kind="sitemap", url=url))
    assert result.failed and result.errors[0].error_class == "not_a_sitemap"


def test_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-read")
    body = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{secret}">'
            '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
            '<loc>http://127.0.0.1/p?q=&x;&b;</loc></url></urlset>').encode()
    doc = parse_sitemap(body, url="u")
    assert all("do-not-read" not in e.url and "aaaa" not in e.url for e in doc.entries)
