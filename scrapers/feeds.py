"""Feed discovery: RSS, Atom and JSON Feed entries through feedparser."""

from __future__ import annotations

import calendar
import json
import re
from datetime import UTC, datetime

import feedparser

from scrapers.errors import MalformedFeed, NotAFeed
from scrapers.metadata import clean_authors, parse_date
from scrapers.models import FeedEntry
from scrapers.urls import canonicalize

# RSS 2.0 <author> is "address (Name)". feedparser's address pattern stops at a four-letter
# top-level domain, so "desk@paper.example (Ana Ruiz)" came out as the name "ple (Ana Ruiz".
_EMAIL_AND_NAME = re.compile(r"^\s*[^\s()@]+@[^\s()]+\s*(?:\((?P<names>[^()]*)\))?\s*$")
# Flags feedparser raises for a well-formed feed served with an odd content type or charset.
_BENIGN_BOZO = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)


def parse_feed(body: bytes, *, url: str, content_type: str | None = None) -> list[FeedEntry]:
    """Entries in feed order. Raises NotAFeed when the document is not a feed at all.

    A feed with small syntax errors (feedparser's "bozo") still yields what it could read;
    only a document with no feed version and no entries is rejected.
    """
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return _json_feed_entries(body, url)   # feedparser 6.0 releases do not read JSON Feed
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True)
    reason = parsed.get("bozo_exception")
    detail = f": {type(reason).__name__}: {reason}" if reason else ""
    if not parsed.entries and not parsed.get("version"):
        raise NotAFeed(f"not an RSS, Atom or JSON feed{detail}"[:500], url=url)
    if not parsed.entries and parsed.get("bozo") and not isinstance(reason, _BENIGN_BOZO):
        raise MalformedFeed(f"{parsed.version} feed is broken before its first entry{detail}"
                            [:500], url=url)
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for raw in parsed.entries:
        link = raw.get("link") or _first_alternate(raw)
        if not link or not link.startswith(("http://", "https://")):
            continue
        link = _canonical(link)
        if link is None:
            continue
        if link in seen:   # duplicate items in one feed are one article
            continue
        seen.add(link)
        entries.append(FeedEntry(
            url=link,
            title=(raw.get("title") or "").strip() or None,
            summary=(raw.get("summary") or "").strip() or None,
            published_at=_entry_time(raw),
            authors=_entry_authors(raw),
            tags=tuple(t["term"] for t in raw.get("tags", []) if t.get("term")),
            updated_at=_updated_time(raw),
        ))
    return entries


def _entry_authors(raw: feedparser.FeedParserDict) -> tuple[str, ...]:
    names = [a["name"] for a in raw.get("authors", []) if a.get("name")]
    match = _EMAIL_AND_NAME.match(raw.get("author") or "")
    if match and len(names) <= 1:
        names = [match["names"]] if match["names"] else []
    return tuple(clean_authors(names))   # "Ana Ruiz and Tom Bell" is two people


def _json_feed_entries(body: bytes, url: str) -> list[FeedEntry]:
    """JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)."""
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise MalformedFeed(f"JSON feed does not parse: {exc}"[:500], url=url) from exc
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        raise NotAFeed("a JSON document, but not a JSON Feed", url=url)
    items = doc.get("items")
    if not isinstance(items, list):
        raise MalformedFeed("JSON Feed has no items list", url=url)
    feed_authors = doc.get("authors") or ([doc["author"]] if doc.get("author") else [])
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        if not isinstance(link, str) or not link.startswith(("http://", "https://")):
            continue
        link = _canonical(link)
        if link is None:
            continue
        if link in seen:
            continue
        seen.add(link)
        people = item.get("authors") or ([item["author"]] if item.get("author") else [])
        names = [p["name"] for p in (people or feed_authors)
                 if isinstance(p, dict) and isinstance(p.get("name"), str)]
        title, summary = item.get("title"), item.get("summary") or item.get("content_text")
        tags = item.get("tags") if isinstance(item.get("tags"), list) else []
        entries.append(FeedEntry(
            url=link,
            title=title.strip() or None if isinstance(title, str) else None,
            summary=summary.strip() or None if isinstance(summary, str) else None,
            published_at=parse_date(item.get("date_published"))
            or parse_date(item.get("date_modified")),
            authors=tuple(clean_authors(names)),
            tags=tuple(t for t in tags if isinstance(t, str) and t),
            updated_at=parse_date(item.get("date_modified")),
        ))
    return entries


def _canonical(link: str) -> str | None:
    """None for a link that is no URL at all (a port out of range, a broken IPv6 host): one
    bad item is skipped, it must not take the feed and the run down with it."""
    try:
        return canonicalize(link)
    except ValueError:
        return None


def _first_alternate(raw: feedparser.FeedParserDict) -> str | None:
    for link in raw.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return None


def _updated_time(raw: feedparser.FeedParserDict) -> datetime | None:
    """Atom <updated> (or RSS atom:updated): read past feedparser's fallback to the published
    date, so only a real update time counts."""
    value = dict.get(raw, "updated_parsed")
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC) if value else None
    except (OverflowError, ValueError):
        return None


def _entry_time(raw: feedparser.FeedParserDict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = raw.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError):
                continue
    return None
