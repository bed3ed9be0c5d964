"""Feed discovery: RSS, Atom and JSON Feed entries through feedparser."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

import feedparser

from scrapers.errors import MalformedFeed, NotAFeed
from scrapers.models import FeedEntry
from scrapers.urls import canonicalize


def parse_feed(body: bytes, *, url: str, content_type: str | None = None) -> list[FeedEntry]:
    """Entries in feed order. Raises NotAFeed when the document is not a feed at all.

    A feed with small syntax errors (feedparser's "bozo") still yields what it could read;
    only a document with no feed version and no entries is rejected.
    """
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True)
    reason = parsed.get("bozo_exception")
    detail = f": {type(reason).__name__}: {reason}" if reason else ""
    if not parsed.entries and not parsed.get("version"):
        raise NotAFeed(f"not an RSS, Atom or JSON feed{detail}"[:500], url=url)
    if not parsed.entries and parsed.get("bozo"):
        raise MalformedFeed(f"{parsed.version} feed is broken before its first entry{detail}"
                            [:500], url=url)
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for raw in parsed.entries:
        link = raw.get("link") or _first_alternate(raw)
        if not link or not link.startswith(("http://", "https://")):
            continue
        link = canonicalize(link)
        if link in seen:   # duplicate items in one feed are one article
            continue
        seen.add(link)
        entries.append(FeedEntry(
            url=link,
            title=(raw.get("title") or "").strip() or None,
            summary=(raw.get("summary") or "").strip() or None,
            published_at=_entry_time(raw),
            authors=tuple(a["name"] for a in raw.get("authors", []) if a.get("name")),
            tags=tuple(t["term"] for t in raw.get("tags", []) if t.get("term")),
        ))
    return entries


def _first_alternate(raw: feedparser.FeedParserDict) -> str | None:
    for link in raw.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
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
