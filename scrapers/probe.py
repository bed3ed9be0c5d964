"""Trying a source once, for a person editing sources.yaml: what it lists, or why it fails and
what to do. Nothing is stored."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scrapers import errors
from scrapers.errors import ScrapeError
from scrapers.extract import decode_html
from scrapers.fetch import Fetcher
from scrapers.models import FetchRecord, SourceConfig
from scrapers.pipeline import discover
from scrapers.selectors import extract_with_selectors
from scrapers.sitemaps import newest
from scrapers.source_document import source_get
from scrapers.url_filters import UrlFilter

SAMPLES = 3


@dataclass
class Probe:
    source_id: str
    kind: str
    url: str
    ok: bool = False
    status: int | None = None
    entries: int = 0            # followed: recent enough and allowed by include/exclude
    skipped_old: int = 0
    skipped_filtered: int = 0
    newest: datetime | None = None
    samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    hint: str | None = None
    notes: list[str] = field(default_factory=list)


async def probe_source(source: SourceConfig, fetcher: Fetcher, *, timeout: float,
                       now: datetime | None = None) -> Probe:
    """Discover the source's entries once (no validators: a full answer), and with article
    selectors read the first article too, so a selector that no longer matches shows here."""
    probe = Probe(source.id, source.kind, source.url)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            await _probe(source, fetcher, probe, now or datetime.now(UTC))
    except TimeoutError:
        probe.ok = False
        probe.error = f"timeout: no result within {timeout:g} s"
        probe.hint = ("the site is slow or does not answer: open the URL in a browser; raise "
                      "--timeout if it is only slow")
    except Exception as exc:   # a bug: this source's probe fails, the others still run
        probe.ok = False
        probe.error = f"internal_error: {errors.unexpected(exc, source.url).message}"
        probe.hint = _HINTS["internal_error"]
    probe.seconds = time.perf_counter() - started
    return probe


async def _probe(source: SourceConfig, fetcher: Fetcher, probe: Probe, now: datetime) -> None:
    found = await discover(source, fetcher, None, now)
    top = next((f for f in found.fetches if f.kind == "feed"), None)
    probe.status = top.status_code if top else None
    probe.notes = found.notes
    failed = [f for f in found.fetches if f.outcome == "error"]
    if found.failed or top is None:
        record = failed[0] if failed else None
        probe.error = (f"{record.error_class}: {record.message}" if record
                       else "no answer recorded")
        probe.hint = hint_for(record, source)
        if record is not None and probe.status is None:
            probe.status = _status_in(record.message)
        return
    probe.notes += [f"{f.url}: {f.error_class}: {f.message}" for f in failed]
    allowed = UrlFilter.of(source.include, source.exclude)
    entries = [e for e in found.entries if allowed.allows(e.url)]
    probe.skipped_old = found.skipped_old
    probe.skipped_filtered = len(found.entries) - len(entries)
    probe.entries = len(entries)
    probe.newest = newest(entries)
    probe.samples = [e.title or e.url for e in entries[:SAMPLES]]
    probe.ok = True
    if not entries:
        probe.notes.append("no entries to follow: " + (
            "all were filtered out by include/exclude" if probe.skipped_filtered else
            f"all are older than max_age ({source.age_limit})" if probe.skipped_old else
            "the document lists nothing"))
        return
    selectors = source.selectors
    if selectors is not None and (selectors.title or selectors.date or selectors.body):
        await _check_article_selectors(source, fetcher, entries[0].url, probe)


async def _check_article_selectors(source: SourceConfig, fetcher: Fetcher, url: str,
                                   probe: Probe) -> None:
    assert source.selectors is not None
    try:
        response = await source_get(source, fetcher, url)
        article = extract_with_selectors(
            decode_html(response.body, response.encoding), url=response.url,
            source_id=source.id, fetched_at=datetime.now(UTC), selectors=source.selectors,
            entry=None, language=source.language)
    except ScrapeError as exc:
        probe.ok = False
        probe.error = f"first article {url}: {exc.error_class}: {exc.message}"
        probe.hint = ("fix `selectors` (title, date, body) for this site's article pages"
                      if exc.error_class == "selector_matched_nothing" else
                      "the first article could not be read; open it in a browser")
        return
    probe.samples[0] = article.title
    probe.notes.append(f"first article read with selectors: {article.word_count} words, "
                       f"published {article.published_at or 'unknown'}")


_HINTS = {
    "timeout": "the site is slow or does not answer: open the URL in a browser; raise "
               "--timeout if it is only slow",
    "connect": "could not reach the host: check the URL's host name and this machine's network "
               "or proxy",
    "server_error": "the site is failing or rate-limiting now (5xx/429): try again later",
    "too_large": "the document is larger than the fetch size limit: point `url` at a smaller "
                 "feed or a news sitemap",
    "not_a_feed": "the URL does not serve a feed: look for <link rel=\"alternate\"> in the "
                  "site's HTML, or use kind: listing with selectors for an HTML page",
    "malformed_feed": "the feed is broken XML/JSON: check it in a feed validator; try the "
                      "site's other feeds",
    "not_a_sitemap": "the URL does not serve a sitemap: the site's robots.txt usually names "
                     "its sitemaps (Sitemap: lines); a feed needs kind: feed",
    "malformed_sitemap": "the sitemap is broken XML (or bad gzip): open it in a browser",
    "selector_matched_nothing": "the `selectors.links` selector matches nothing on the page: "
                                "open the page, inspect an article link and fix the selector",
    "blocked_address": "the host is a loopback, private, link-local or otherwise non-public "
                       "address: set `allow_private_addresses: true` on the source if it is "
                       "yours to reach (an intranet site)",
    "bad_url": "the site sent an address that is no URL (a redirect or link): check `url` "
               "in a browser; if it is right, the site is broken",
    "too_deep": "the document is nested deeper than any real feed or page: the site is broken "
                "or hostile; try another of its feeds",
    "internal_error": "newswatch itself failed on this source (a bug): see the log for the "
                      "traceback and report it",
}


def hint_for(record: FetchRecord | None, source: SourceConfig) -> str:
    if record is None:
        return "try the URL in a browser"
    if record.error_class == "http_status":
        status = record.status_code or _status_in(record.message)
        if status in (401, 403):
            return ("the site refuses newswatch (401/403): it may block bots or need a "
                    "login; extra `headers` can help only if the owner agrees")
        if status in (404, 410):
            return "the address does not exist (any more): check `url` in a browser"
        return "the site answered with an error status: check `url` in a browser"
    return _HINTS.get(record.error_class or "", "see the message; try the URL in a browser")


def _status_in(message: str | None) -> int | None:
    parts = (message or "").split()
    if len(parts) >= 2 and parts[0] == "HTTP" and parts[1].isdigit():
        return int(parts[1])
    return None
