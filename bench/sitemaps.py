"""Reading discovery documents: a 5,000-entry Google News sitemap (plain and gzipped) against an
RSS feed with the same entries (the baseline, parsed by feedparser in the same run)."""

from __future__ import annotations

import gzip
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from scrapers.feeds import parse_feed
from scrapers.sitemaps import parse_sitemap

ENTRIES = 5_000
_NOW = datetime(2026, 11, 21, tzinfo=UTC)


def _news_sitemap() -> bytes:
    rows = []
    for i in range(ENTRIES):
        when = (_NOW - timedelta(minutes=i)).isoformat()
        rows.append(
            f"<url><loc>https://paper.example/news/{i}?utm_source=feed</loc>"
            f"<lastmod>{when}</lastmod><news:news><news:publication><news:name>Paper"
            "</news:name><news:language>en</news:language></news:publication>"
            f"<news:publication_date>{when}</news:publication_date>"
            f"<news:title>Headline number {i}</news:title></news:news></url>")
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/'
            'schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            + "".join(rows) + "</urlset>").encode()


def _rss() -> bytes:
    items = "".join(
        f"<item><title>Headline number {i}</title><link>https://paper.example/news/{i}"
        f"?utm_source=feed</link><pubDate>{format_datetime(_NOW - timedelta(minutes=i))}"
        "</pubDate></item>" for i in range(ENTRIES))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Paper</title>{items}'
            "</channel></rss>").encode()


def _median(work: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(repeats: int = 5) -> list[tuple[str, str]]:
    sitemap, rss = _news_sitemap(), _rss()
    packed = gzip.compress(sitemap)
    feed = _median(lambda: parse_feed(rss, url="https://paper.example/rss"), repeats)
    plain = _median(lambda: parse_sitemap(sitemap, url="https://paper.example/s.xml"), repeats)
    zipped = _median(lambda: parse_sitemap(packed, url="https://paper.example/s.xml.gz"),
                     repeats)
    return [
        (f"RSS feed, {ENTRIES} entries (baseline)", f"{ENTRIES / feed:,.0f} entries/s"),
        (f"news sitemap, {ENTRIES} entries", f"{ENTRIES / plain:,.0f} entries/s "
                                             f"({feed / plain:.1f}x the feed's rate)"),
        (f"news sitemap .xml.gz, {ENTRIES} entries", f"{ENTRIES / zipped:,.0f} entries/s "
                                                     f"({feed / zipped:.1f}x)"),
    ]
