"""One source, one run: discover entries, skip known ones, fetch and extract the new pages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from scrapers.errors import ScrapeError
from scrapers.extract import decode_html, extract_article
from scrapers.feeds import parse_feed
from scrapers.fetch import Fetcher, Response
from scrapers.models import (
    Article,
    FeedEntry,
    FetchRecord,
    SourceConfig,
    SourceResult,
    Validators,
)

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def scrape_source(source: SourceConfig, fetcher: Fetcher, *,
                        known_urls: Collection[str] = (),
                        validators: Validators | None = None,
                        now: Clock = _utcnow) -> SourceResult:
    """Never raises for a bad site: every failure becomes a FetchRecord in the result."""
    result = SourceResult(source_id=source.id)
    try:
        response = await fetcher.get(source.url, headers=source.headers, validators=validators,
                                     robots=source.robots)
    except ScrapeError as exc:
        result.fetches.append(_error_record(source.url, "feed", exc))
        return result
    if response.not_modified:
        result.fetches.append(_record(response, "feed", "not_modified", url=source.url))
        return result
    try:
        entries = parse_feed(response.body, url=source.url,
                             content_type=response.headers.get("content-type"))
    except ScrapeError as exc:
        result.fetches.append(_error_record(source.url, "feed", exc, response))
        return result
    result.fetches.append(_record(response, "feed", "ok", url=source.url))
    result.validators = response.validators
    result.entries_seen = len(entries)

    new_entries = [e for e in entries if e.url not in known_urls]
    result.skipped_known = len(entries) - len(new_entries)
    new_entries = new_entries[: source.max_articles]
    outcomes = await asyncio.gather(
        *(_fetch_article(source, fetcher, entry, now) for entry in new_entries))
    for record, article in outcomes:
        result.fetches.append(record)
        if article is not None:
            result.articles.append(article)
    return result


async def _fetch_article(source: SourceConfig, fetcher: Fetcher, entry: FeedEntry,
                         now: Clock) -> tuple[FetchRecord, Article | None]:
    try:
        response = await fetcher.get(entry.url, headers=source.headers, robots=source.robots)
    except ScrapeError as exc:
        return _error_record(entry.url, "article", exc), None
    try:
        html = decode_html(response.body, response.encoding)
        article = extract_article(html, url=response.url, source_id=source.id,
                                  fetched_at=now(), entry=entry, language=source.language)
    except ScrapeError as exc:
        return _error_record(entry.url, "article", exc, response), None
    except Exception as exc:
        return FetchRecord(url=entry.url, kind="article", outcome="error",
                           status_code=response.status, error_class="extract_failed",
                           transient=False, message=f"{type(exc).__name__}: {exc}"[:500]), None
    return _record(response, "article", "ok", url=entry.url), article


def _record(response: Response, kind: str, outcome: str, url: str | None = None) -> FetchRecord:
    return FetchRecord(url=url or response.url, kind=kind, outcome=outcome,  # type: ignore[arg-type]
                       status_code=response.status, bytes=len(response.body),
                       elapsed_ms=round(response.elapsed_ms, 1),
                       final_url=response.url if response.redirects else None,
                       redirects=len(response.redirects), attempts=response.attempts)


def _error_record(url: str, kind: str, exc: ScrapeError,
                  response: Response | None = None) -> FetchRecord:
    return FetchRecord(
        url=url, kind=kind,  # type: ignore[arg-type]
        outcome="skipped" if exc.skipped else "error",   # robots.txt: not asked, not failed
        status_code=response.status if response else None,
        bytes=len(response.body) if response else 0,
        error_class=exc.error_class, transient=exc.transient, message=exc.message[:500],
        attempts=exc.attempts,
    )
