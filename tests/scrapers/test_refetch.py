"""A changed sitemap <lastmod> or feed <updated> fetches a known article again, and the load
stores the change as a new version: scrape and load into a real DuckDB file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scrapers.fetch import Fetcher, FetchPolicy
from scrapers.models import SourceConfig, SourceResult
from scrapers.pipeline import scrape_source
from warehouse.articles import LoadReport, load_results, register_sources, source_state
from warehouse.connection import writer

from .hostile_server import HostileRequest, HostileServer
from .sitemap_site import Url, article_page, urlset, words

T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


class ChangingSite:
    """One article whose text and whose sitemap/feed dates the test changes between runs."""

    def __init__(self, server: HostileServer) -> None:
        self.server = server
        self.text = words("the harbour tram")
        self.modified = T0
        self.article_url = server.route("/news/tram", self._article)
        self.sitemap_url = server.route("/news-sitemap.xml", self._sitemap)
        self.feed_url = server.route("/atom.xml", self._feed)

    def _article(self, req: HostileRequest) -> None:
        req.send(200, article_page("Tram route chosen", self.text, published=T0),
                 {"Content-Type": "text/html; charset=utf-8"})

    def _sitemap(self, req: HostileRequest) -> None:
        body = urlset([Url(self.article_url, lastmod=self.modified, published=T0,
                           news_title="Tram route chosen")])
        req.send(200, body, {"Content-Type": "application/xml"})

    def _feed(self, req: HostileRequest) -> None:
        body = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Test</title><id>urn:t</id>
<updated>{self.modified.isoformat()}</updated>
<entry><title>Tram route chosen</title><id>urn:tram</id>
<link href="{self.article_url}"/><published>{T0.isoformat()}</published>
<updated>{self.modified.isoformat()}</updated></entry></feed>""".encode()
        req.send(200, body, {"Content-Type": "application/atom+xml"})


def run_once(path: Path, source: SourceConfig, now: datetime) -> tuple[SourceResult, LoadReport]:
    """One monitor-like run: read the source's state, scrape, load."""
    with writer(path) as con:
        register_sources(con, [source])
        known, _ = source_state(con, source.id)

    async def scrape() -> SourceResult:
        async with Fetcher(FetchPolicy(retries=0, total_timeout=5.0,
                                             allow_private_addresses=True)) as fetcher:
            return await scrape_source(source, fetcher, known_urls=known, now=lambda: now)
    result = asyncio.run(scrape())
    with writer(path) as con:
        report = load_results(con, f"run-{now.isoformat()}", [result])
    return result, report


def stored(path: Path) -> tuple[list[tuple], list[tuple]]:
    with writer(path) as con:
        articles = con.execute("SELECT article_id, body, fetched_at, evaluated_at IS NULL "
                               "FROM articles").fetchall()
        versions = con.execute("SELECT article_id, body FROM article_versions").fetchall()
    return articles, versions


def check_refetch_cycle(tmp_path: Path, hostile: HostileServer, source: SourceConfig,
                        site: ChangingSite) -> None:
    db = tmp_path / "wh.duckdb"
    first, report = run_once(db, source, T0 + timedelta(hours=1))
    assert len(first.articles) == 1 and report.new_article_ids
    old_body = first.articles[0].body

    # Nothing changed: the known URL is not downloaded.
    quiet, _ = run_once(db, source, T0 + timedelta(hours=2))
    assert (quiet.articles, quiet.skipped_known, quiet.refetched) == ([], 1, 0)
    assert hostile.hits["/news/tram"] == 1

    # The site edits the story and says so: fetched again, stored as a new version.
    site.text = [*site.text, "Update: the council has now chosen the seafront route."]
    site.modified = T0 + timedelta(hours=3)
    changed, report = run_once(db, source, T0 + timedelta(hours=4))
    assert changed.refetched == 1 and len(changed.articles) == 1
    assert hostile.hits["/news/tram"] == 2
    assert report.updated_article_ids == [changed.articles[0].article_id]
    articles, versions = stored(db)
    [(article_id, body, fetched_at, queued_again)] = articles
    assert "seafront route" in body and queued_again
    assert fetched_at == T0 + timedelta(hours=4)
    assert versions == [(article_id, old_body)]

    # The same lastmod again: not fetched a third time.
    again, _ = run_once(db, source, T0 + timedelta(hours=5))
    assert again.articles == [] and hostile.hits["/news/tram"] == 2

    # A newer date but the same text: fetched, no new version, and not fetched again next run.
    site.modified = T0 + timedelta(hours=6)
    same, report = run_once(db, source, T0 + timedelta(hours=7))
    assert same.refetched == 1 and report.unchanged == 1
    assert report.updated_article_ids == []
    assert stored(db)[1] == versions
    later, _ = run_once(db, source, T0 + timedelta(hours=8))
    assert later.articles == [] and hostile.hits["/news/tram"] == 3


def test_changed_sitemap_lastmod_stores_a_second_version(tmp_path: Path,
                                                         hostile: HostileServer) -> None:
    site = ChangingSite(hostile)
    source = SourceConfig(id="gazette", kind="sitemap", url=site.sitemap_url)
    check_refetch_cycle(tmp_path, hostile, source, site)


def test_changed_feed_updated_stores_a_second_version(tmp_path: Path,
                                                      hostile: HostileServer) -> None:
    site = ChangingSite(hostile)
    source = SourceConfig(id="gazette", url=site.feed_url)
    check_refetch_cycle(tmp_path, hostile, source, site)
