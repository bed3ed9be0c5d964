"""Listing-page discovery: the article links a user's CSS selector picks out of an HTML page."""

from __future__ import annotations

from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from scrapers.errors import SelectorMatchedNothing, TooDeep
from scrapers.extract import MAX_DEPTH, decode_html, nested_too_deep
from scrapers.fetch import Fetcher
from scrapers.models import Discovery, FeedEntry, SourceConfig, Validators
from scrapers.source_document import document_failed, document_read, fetch_source_document
from scrapers.urls import canonicalize, url_problem


def listing_entries(html: str, *, page_url: str, links: str) -> list[FeedEntry]:
    """Entries in page order, one per distinct link. An element the selector matches that is
    not itself a link stands for the first link inside it (e.g. a card)."""
    soup = BeautifulSoup(html, "lxml")
    base = page_url
    base_tag = soup.find("base", href=True)
    if isinstance(base_tag, Tag):
        base = _joined(page_url, str(base_tag["href"])) or page_url
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for element in soup.select(links):
        anchor = element if element.name == "a" and element.get("href") else \
            element.find("a", href=True)
        if not isinstance(anchor, Tag):
            continue
        url = _joined(base, str(anchor["href"]).strip())
        if url is None:
            continue      # mailto:, javascript:, http://[oops/, a port of 99999
        url = canonicalize(url)
        if url in seen or url == canonicalize(page_url):
            continue
        seen.add(url)
        title = " ".join(anchor.get_text(" ").split()) or None
        entries.append(FeedEntry(url=url, title=title, summary=None, published_at=None))
    return entries


def _joined(base: str, href: str) -> str | None:
    """`href` made absolute against `base`, when that is a usable http(s) URL."""
    try:
        url = urljoin(base, href)
    except ValueError:
        return None
    return None if url_problem(url) else url


async def discover_listing(source: SourceConfig, fetcher: Fetcher,
                           validators: Validators | None, now: object = None) -> Discovery:
    found = Discovery()
    assert source.selectors is not None and source.selectors.links is not None
    response = await fetch_source_document(source, fetcher, validators, found)
    if response is None:
        return found
    html = decode_html(response.body, response.encoding)
    if nested_too_deep(html):   # parsing it would hold the whole run for seconds
        document_failed(found, source, TooDeep(
            f"the page nests elements more than {MAX_DEPTH} deep: not a listing page, not "
            "parsed", url=source.url), response)
        return found
    entries = listing_entries(html, page_url=response.url, links=source.selectors.links)
    if not entries:
        exc = SelectorMatchedNothing(
            f"the links selector {source.selectors.links!r} matched no links on the page: the "
            "site may have changed its markup; open the page, find the article links and fix "
            "`selectors.links`", url=source.url)
        document_failed(found, source, exc, response)
        return found
    document_read(found, source, response)
    found.entries = entries
    return found
