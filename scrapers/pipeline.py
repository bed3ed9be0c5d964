"""One source, one run: discover entries, filter them, skip known ones (unless their entry says
the page changed), fetch and extract the rest."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime

from scrapers import errors
from scrapers.errors import ScrapeError
from scrapers.extract import decode_html, extract_article
from scrapers.feeds import parse_feed
from scrapers.fetch import Fetcher
from scrapers.listing import discover_listing
from scrapers.models import (
    Article,
    Discovery,
    FeedEntry,
    FetchRecord,
    SourceConfig,
    SourceResult,
    Validators,
)
from scrapers.records import error_record, ok_record
from scrapers.selectors import extract_with_selectors
from scrapers.sitemaps import discover_sitemap, entry_time
from scrapers.source_document import (
    document_failed,
    document_read,
    fetch_source_document,
    source_get,
)
from scrapers.url_filters import UrlFilter

logger = logging.getLogger("newswatch.scrape")
Clock = Callable[[], datetime]
Discover = Callable[[SourceConfig, Fetcher, Validators | None, datetime], Awaitable[Discovery]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def discover_feed(source: SourceConfig, fetcher: Fetcher, validators: Validators | None,
                        now: datetime) -> Discovery:
    found = Discovery()
    response = await fetch_source_document(source, fetcher, validators, found)
    if response is None:
        return found
    try:
        entries = parse_feed(response.body, url=source.url,
                             content_type=response.headers.get("content-type"))
    except ScrapeError as exc:
        document_failed(found, source, exc, response)
        return found
    document_read(found, source, response)
    limit = source.age_limit
    if limit is not None:
        recent = [e for e in entries if (entry_time(e) or now) >= now - limit]
        found.skipped_old = len(entries) - len(recent)
        entries = recent
    found.entries = entries
    return found


# One discovery function per source kind (the `kind:` of sources.yaml).
DISCOVERERS: dict[str, Discover] = {
    "feed": discover_feed,
    "sitemap": discover_sitemap,
    "listing": discover_listing,
}


async def discover(source: SourceConfig, fetcher: Fetcher, validators: Validators | None = None,
                   now: datetime | None = None) -> Discovery:
    """The source's entries, newest first for sitemaps, in page or feed order otherwise."""
    return await DISCOVERERS[source.kind](source, fetcher, validators, now or _utcnow())


async def scrape_source(source: SourceConfig, fetcher: Fetcher, *,
                        known_urls: Collection[str] = (),
                        validators: Validators | None = None,
                        now: Clock = _utcnow) -> SourceResult:
    """Never raises: every failure becomes a FetchRecord in the result, whatever the site
    sends, and even a bug met on the way is recorded against this source (`failed_result`).

    `known_urls` may be a `KnownUrls` carrying when each stored article was last fetched: an
    entry updated after that (feed <updated>, sitemap <lastmod>) is fetched again.
    """
    try:
        return await _scrape(source, fetcher, known_urls, validators, now)
    except Exception as exc:   # the last line of defence: this source fails, not the run
        return failed_result(source, exc)


def failed_result(source: SourceConfig, exc: BaseException) -> SourceResult:
    """The result of a source whose scrape raised: one `internal_error` record against its
    own URL, so the run summary, `fetches` and `v_source_health` show the failure."""
    logger.error("source %s: unexpected %s while scraping", source.id, type(exc).__name__,
                 exc_info=exc)
    record = error_record(source.url, "feed", errors.unexpected(exc, source.url))
    return SourceResult(source_id=source.id, fetches=[record])


async def _scrape(source: SourceConfig, fetcher: Fetcher, known_urls: Collection[str],
                  validators: Validators | None, now: Clock) -> SourceResult:
    result = SourceResult(source_id=source.id)
    found = await discover(source, fetcher, validators, now())
    result.fetches.extend(found.fetches)
    result.notes.extend(found.notes)
    result.skipped_old = found.skipped_old
    if found.failed or found.not_modified:
        return result
    result.validators = found.validators
    entries = found.entries
    result.entries_seen = len(entries) + found.skipped_old

    allowed = UrlFilter.of(source.include, source.exclude)
    kept = [e for e in entries if allowed.allows(e.url)]
    result.skipped_filtered = len(entries) - len(kept)
    wanted = [e for e in kept if e.url not in known_urls or _changed(e, known_urls)]
    result.skipped_known = len(kept) - len(wanted)
    wanted = wanted[: source.max_articles]
    result.refetched = sum(1 for e in wanted if e.url in known_urls)
    outcomes = await asyncio.gather(
        *(_fetch_article(source, fetcher, entry, now) for entry in wanted))
    for record, article in outcomes:
        result.fetches.append(record)
        if article is not None:
            result.articles.append(article)
    return result


def _changed(entry: FeedEntry, known_urls: Collection[str]) -> bool:
    """True when the entry says the page changed after we last fetched it."""
    last = getattr(known_urls, "last_fetched", {}).get(entry.url)
    return entry.updated_at is not None and last is not None and entry.updated_at > last


async def _fetch_article(source: SourceConfig, fetcher: Fetcher, entry: FeedEntry,
                         now: Clock) -> tuple[FetchRecord, Article | None]:
    try:
        response = await source_get(source, fetcher, entry.url)
    except ScrapeError as exc:
        return error_record(entry.url, "article", exc), None
    except Exception as exc:   # a bug: this article fails, not the source
        logger.error("%s: unexpected %s", entry.url, type(exc).__name__, exc_info=exc)
        return error_record(entry.url, "article", errors.unexpected(exc, entry.url)), None
    try:
        html = decode_html(response.body, response.encoding)
        if source.selectors is not None and (source.selectors.title or source.selectors.date
                                             or source.selectors.body):
            article = extract_with_selectors(
                html, url=response.url, source_id=source.id, fetched_at=now(),
                selectors=source.selectors, entry=entry, language=source.language)
        else:
            article = extract_article(html, url=response.url, source_id=source.id,
                                      fetched_at=now(), entry=entry, language=source.language)
    except ScrapeError as exc:
        return error_record(entry.url, "article", exc, response), None
    except RecursionError:
        deep = errors.TooDeep("page nested deeper than the extractor follows: not read",
                              url=entry.url)
        return error_record(entry.url, "article", deep, response), None
    except Exception as exc:
        return FetchRecord(url=entry.url, kind="article", outcome="error",
                           status_code=response.status, error_class="extract_failed",
                           transient=False, message=f"{type(exc).__name__}: {exc}"[:500]), None
    return ok_record(response, "article", "ok", url=entry.url), article
