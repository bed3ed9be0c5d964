"""Sitemap discovery: sitemap indexes, sitemaps and Google News sitemaps, plain or gzipped.

Only recent entries are followed (the source's `max_age`, by publication date or lastmod), nested
indexes to `max_depth` levels, at most `max_entries` <url> entries in all, and an index that lists
itself (or a loop of indexes) is read once. XML is parsed without entity expansion or network
access: a sitemap is hostile input like any page.
"""

from __future__ import annotations

import asyncio
import io
import zlib
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from scrapers import errors
from scrapers.errors import ScrapeError
from scrapers.fetch import Fetcher, Response
from scrapers.metadata import parse_date
from scrapers.models import Discovery, FeedEntry, FetchKind, SourceConfig, Validators
from scrapers.records import error_record, ok_record
from scrapers.source_document import source_get
from scrapers.urls import canonicalize, url_problem

# The sitemap protocol's own limit for one uncompressed file.
MAX_UNCOMPRESSED_BYTES = 50_000_000
_GZIP_MAGIC = b"\x1f\x8b"
_KIND_HINTS = {"rss": " (a feed: use kind: feed)", "feed": " (a feed: use kind: feed)",
               "rdf": " (a feed: use kind: feed)", "html": " (a web page: use kind: listing)"}


@dataclass(frozen=True)
class SitemapRef:
    url: str
    lastmod: datetime | None


@dataclass
class SitemapDoc:
    is_index: bool
    children: list[SitemapRef] = field(default_factory=list)
    entries: list[FeedEntry] = field(default_factory=list)
    truncated: bool = False     # stopped at max_entries


def parse_sitemap(body: bytes, *, url: str, max_entries: int = 50_000) -> SitemapDoc:
    """Read a <urlset> or <sitemapindex>, gzipped or not. Elements are matched by local name,
    so any namespace prefix works (news:, n:, none)."""
    if body[:2] == _GZIP_MAGIC:
        body = _gunzip(body, url)
    # Only the entry elements are reported (any namespace); each is cleared once read, and
    # earlier siblings dropped, so a large sitemap is never held whole in memory.
    events = etree.iterparse(
        io.BytesIO(body), events=("end",), tag=("{*}url", "{*}sitemap", "url", "sitemap"),
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
        remove_comments=True, remove_pis=True)
    doc: SitemapDoc | None = None
    try:
        for _, element in events:
            if doc is None:
                doc = _document(element.getroottree().getroot(), url)
            name = _local(element.tag)
            if name == "url" and not doc.is_index:
                entry = _entry(_fields(element))
                if entry is not None:
                    doc.entries.append(entry)
            elif name == "sitemap" and doc.is_index:
                fields = _fields(element)
                loc = fields.get("loc")
                if loc and loc.startswith(("http://", "https://")) and not url_problem(loc):
                    doc.children.append(SitemapRef(loc, parse_date(fields.get("lastmod"))))
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
            if len(doc.entries) >= max_entries:
                doc.truncated = True
                break
    except etree.XMLSyntaxError as exc:
        if doc is None or not (doc.entries or doc.children):
            raise errors.MalformedSitemap(f"sitemap XML is broken: {exc}"[:500], url=url) from exc
        doc.truncated = True   # keep what was read before the break
    if doc is None:
        try:
            root = events.root
        except AttributeError:
            root = None
        if root is None:
            raise errors.NotASitemap("empty document: not a sitemap", url=url)
        doc = _document(root, url)   # a sitemap with no entries, or not a sitemap at all
    return doc


def _document(root: etree._Element, url: str) -> SitemapDoc:
    name = _local(root.tag)
    if name not in ("urlset", "sitemapindex"):
        raise errors.NotASitemap(
            f"the document's root is <{name}>, not <urlset> or <sitemapindex>: "
            f"not a sitemap{_KIND_HINTS.get(name.lower(), '')}", url=url)
    return SitemapDoc(is_index=name == "sitemapindex")


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _fields(element: etree._Element) -> dict[str, str]:
    """Text of each descendant by local name (the first of each name): loc, lastmod, and the
    news extension's publication_date, title, keywords."""
    out: dict[str, str] = {}
    for child in element.iterdescendants():
        name = _local(child.tag)
        if name and name not in out and child.text and child.text.strip():
            out[name] = child.text.strip()
    return out


def _gunzip(body: bytes, url: str) -> bytes:
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        out = decoder.decompress(body, MAX_UNCOMPRESSED_BYTES + 1)
    except zlib.error as exc:
        raise errors.MalformedSitemap(f"bad gzip data: {exc}", url=url) from exc
    if len(out) > MAX_UNCOMPRESSED_BYTES:
        raise errors.TooLarge(f"sitemap larger than {MAX_UNCOMPRESSED_BYTES} bytes once "
                              "unzipped; cut off", url=url)
    return out


def _entry(fields: dict[str, str]) -> FeedEntry | None:
    loc = fields.get("loc")
    if not loc or not loc.startswith(("http://", "https://")) or url_problem(loc):
        return None   # one bad <loc> (a broken host, a port of 99999) is skipped
    title = fields.get("title")
    tags = tuple(k.strip() for k in fields.get("keywords", "").split(",") if k.strip())
    return FeedEntry(url=canonicalize(loc), title=" ".join(title.split()) if title else None,
                     summary=None, published_at=parse_date(fields.get("publication_date")),
                     tags=tags, updated_at=parse_date(fields.get("lastmod")))


def entry_time(entry: FeedEntry) -> datetime | None:
    """The latest date an entry carries: a recently changed old article counts as recent."""
    dates = [d for d in (entry.published_at, entry.updated_at) if d is not None]
    return max(dates) if dates else None


async def discover_sitemap(source: SourceConfig, fetcher: Fetcher,
                           validators: Validators | None, now: datetime) -> Discovery:
    """Walk the sitemap (index) at source.url level by level; failures become records."""
    found = Discovery()
    limit = source.age_limit
    cutoff = now - limit if limit is not None else None
    visited = {canonicalize(source.url)}
    level: list[str] = [source.url]
    depth = 0
    while level:
        responses = await asyncio.gather(*(
            _get(fetcher, url, source, validators if depth == 0 else None) for url in level))
        next_level: list[str] = []
        for url, outcome in zip(level, responses, strict=True):
            kind: FetchKind = "feed" if depth == 0 else "sitemap"
            doc = _read(url, kind, outcome, source.max_entries - len(found.entries), found)
            if doc is None:
                continue
            found.entries.extend(doc.entries)
            if doc.truncated and len(found.entries) >= source.max_entries:
                found.notes.append(f"stopped after {source.max_entries} entries (max_entries)")
            next_level += _children(doc, url, depth, source.max_depth, cutoff, visited, found)
        if len(found.entries) >= source.max_entries:
            break
        level, depth = next_level, depth + 1
    if cutoff is not None:
        recent = [e for e in found.entries if (entry_time(e) or now) >= cutoff]
        found.skipped_old += len(found.entries) - len(recent)
        found.entries = recent
    found.entries.sort(key=lambda e: entry_time(e) or datetime.min.replace(tzinfo=now.tzinfo),
                       reverse=True)
    found.entries = _unique(found.entries)
    return found


async def _get(fetcher: Fetcher, url: str, source: SourceConfig,
               validators: Validators | None) -> Response | ScrapeError:
    try:
        return await source_get(source, fetcher, url, validators)
    except ScrapeError as exc:
        return exc


def _read(url: str, kind: FetchKind, outcome: Response | ScrapeError, room: int,
          found: Discovery) -> SitemapDoc | None:
    """Record one fetched sitemap and parse it; None when there is nothing to walk."""
    top = kind == "feed"
    if isinstance(outcome, ScrapeError):
        found.fetches.append(error_record(url, kind, outcome))
        found.failed = found.failed or top
        return None
    if outcome.not_modified:
        found.fetches.append(ok_record(outcome, kind, "not_modified", url=url))
        found.not_modified = top
        return None
    try:
        doc = parse_sitemap(outcome.body, url=url, max_entries=max(room, 0))
    except ScrapeError as exc:
        found.fetches.append(error_record(url, kind, exc, outcome))
        found.failed = found.failed or top
        return None
    found.fetches.append(ok_record(outcome, kind, "ok", url=url))
    if top:
        found.validators = outcome.validators
    return doc


def _children(doc: SitemapDoc, url: str, depth: int, max_depth: int,
              cutoff: datetime | None, visited: set[str], found: Discovery) -> list[str]:
    follow: list[str] = []
    old = 0
    for child in doc.children:
        key = canonicalize(child.url)
        if key in visited:
            found.notes.append(f"sitemap index {url} lists {child.url}, already read in this "
                               "run (a loop); not read again")
            continue
        if depth + 1 > max_depth:
            found.notes.append(f"{child.url} is nested deeper than max_depth={max_depth}; "
                               "not read")
            continue
        if cutoff is not None and child.lastmod is not None and child.lastmod < cutoff:
            old += 1
            continue
        visited.add(key)
        follow.append(child.url)
    if old:
        found.notes.append(f"{old} sitemap(s) of {url} unchanged within max_age; not read")
    return follow


def _unique(entries: list[FeedEntry]) -> list[FeedEntry]:
    seen: set[str] = set()
    out = []
    for entry in entries:
        if entry.url not in seen:
            seen.add(entry.url)
            out.append(entry)
    return out


def newest(entries: list[FeedEntry]) -> datetime | None:
    dates = [d for d in map(entry_time, entries) if d is not None]
    return max(dates) if dates else None

