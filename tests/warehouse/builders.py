"""Hand-built scrape results for warehouse tests: the demo's articles as scrapers would emit."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime

import duckdb

from demo.articles import ARTICLES, WIRE_CREDITS, DemoArticle
from scrapers.models import Article, FetchKind, FetchRecord, SourceConfig, SourceResult
from tests.sql import one_row

FETCHED_AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
# The outlet that prints the agency's "Reporting by ..." footer under wire copy.
FOOTER_SITE = "harbour-times"

TABLES = ("sources", "fetches", "articles", "article_urls", "article_versions", "stories",
          "article_signatures", "matches", "alerts", "deliveries")


def digest(text: str, size: int = 24) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:size]


def make_article(url: str, title: str, body: str, *, source_id: str = "harbour-times",
                 summary: str | None = None, published_at: datetime | None = None,
                 discovered_url: str | None = None) -> Article:
    return Article(
        article_id=digest(url), source_id=source_id, url=url,
        discovered_url=discovered_url or url, title=title, authors=("Staff",),
        published_at=published_at, updated_at=None, fetched_at=FETCHED_AT, language="en",
        section="World", tags=("Corvania",), summary=summary, body=body,
        word_count=len(body.split()), content_hash=digest(f"{title}\n{body}"))


def demo_url(demo: DemoArticle) -> str:
    return f"https://{demo.site}.example/{demo.path}"


def from_demo(demo: DemoArticle) -> Article:
    """Headline and paragraphs as the extractor keeps them (plus the agency footer line where
    the outlet prints one)."""
    paragraphs = list(demo.paragraphs)
    if demo.site == FOOTER_SITE and demo.story in WIRE_CREDITS:
        paragraphs.append(WIRE_CREDITS[demo.story].footer)
    article = make_article(demo_url(demo), demo.headline, "\n\n".join(paragraphs),
                           source_id=demo.site, summary=demo.summary,
                           published_at=demo.published_at)
    return replace(article, authors=tuple(demo.byline), section=demo.section,
                   tags=tuple(demo.tags))


def demo_articles() -> list[Article]:
    return [from_demo(d) for d in ARTICLES]


def ok_fetch(url: str, kind: FetchKind = "article") -> FetchRecord:
    return FetchRecord(url=url, kind=kind, outcome="ok", status_code=200,
                       bytes=1234, elapsed_ms=12.5)


def results_by_source(articles: list[Article]) -> list[SourceResult]:
    grouped: dict[str, list[Article]] = {}
    for a in articles:
        grouped.setdefault(a.source_id, []).append(a)
    return [SourceResult(source_id, articles=items,
                         fetches=[ok_fetch(f"https://{source_id}.example/feed.xml", "feed"),
                                  *(ok_fetch(a.url) for a in items)])
            for source_id, items in grouped.items()]


def source_configs(ids: list[str]) -> list[SourceConfig]:
    return [SourceConfig(id=i, name=i.replace("-", " ").title(),
                         url=f"https://{i}.example/feed.xml") for i in ids]


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: one_row(con, f"SELECT count(*) FROM {t}")[0]
            for t in TABLES}
