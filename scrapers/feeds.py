"""Feed discovery: RSS, Atom and JSON Feed entries through feedparser."""

from __future__ import annotations

import calendar
import json
import re
from datetime import UTC, datetime
from html import unescape
from urllib.parse import parse_qsl, urljoin, urlsplit

import charset_normalizer
import feedparser

from scrapers.authors import clean_authors
from scrapers.controls import one_line, strip_controls
from scrapers.dates_meta import parse_date, plausible
from scrapers.errors import MalformedFeed, NotAFeed, TooDeep
from scrapers.models import FeedEntry
from scrapers.urls import canonicalize, url_problem

# RSS 2.0 <author> is "address (Name)". feedparser's address pattern stops at a four-letter
# top-level domain, so "desk@paper.example (Ana Ruiz)" came out as the name "ple (Ana Ruiz".
_EMAIL_AND_NAME = re.compile(r"^\s*[^\s()@]+@[^\s()]+\s*(?:\((?P<names>[^()]*)\))?\s*$")
_TAG = re.compile(r"<[^>]+>")
_XML_ENCODING = re.compile(rb"^\s*(?:\xef\xbb\xbf)?<\?xml[^>]*encoding=[\"']([\w.:-]+)[\"']")
_XML_ENCODING_TEXT = re.compile(r"encoding=[\"'][\w.:-]+[\"']")
_MULTIBYTE = {"gb2312", "gbk", "gb18030", "big5", "big5hkscs", "shift_jis", "cp932", "euc_jp",
              "euc_kr", "cp949", "iso2022_jp", "euc_jis_2004", "hz", "utf_16", "utf_32"}
_HEADER_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
# Flags feedparser raises for a well-formed feed served with an odd content type or charset.
_BENIGN_BOZO = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)


def parse_feed(body: bytes, *, url: str, content_type: str | None = None) -> list[FeedEntry]:
    """Entries in feed order. Raises NotAFeed when the document is not a feed at all.

    A feed with small syntax errors (feedparser's "bozo") still yields what it could read;
    only a document with no feed version and no entries is rejected.
    """
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return _json_feed_entries(body, url)   # feedparser 6.0 releases do not read JSON Feed
    body, content_type = _as_decodable(body, content_type)
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True)
    except RecursionError as exc:
        raise TooDeep("feed nested deeper than the parser follows: not read", url=url) from exc
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
        link = _absolute(raw.get("link") or _first_alternate(raw), url)
        if not link:
            continue
        if link in seen:   # duplicate items in one feed are one article
            continue
        seen.add(link)
        entries.append(FeedEntry(
            url=link,
            title=_plain(raw.get("title")),
            summary=strip_controls(raw.get("summary") or "").strip() or None,
            published_at=_entry_time(raw),
            authors=_entry_authors(raw),
            tags=tuple(t["term"] for t in raw.get("tags", []) if t.get("term")),
            updated_at=_updated_time(raw),
        ))
    return entries


def _as_decodable(body: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """Bytes feedparser will decode right. A charset in the XML declaration or the HTTP header
    that decodes the bytes is left to feedparser; bytes that are neither declared nor UTF-8
    (a GB2312 feed without a declaration, served as text/xml) are detected and re-encoded as
    UTF-8 (feedparser would read them as windows-1252)."""
    head = body[:200]
    declared = _XML_ENCODING.search(head)
    header = _HEADER_CHARSET.search(content_type or "")
    for label in (declared[1].decode("ascii") if declared else None,
                  header[1] if header else None, "utf-8"):
        if label:
            try:
                body.decode(label)
            except (LookupError, UnicodeDecodeError):
                continue
            return body, content_type
    best = charset_normalizer.from_bytes(body).best()
    if best is None or best.encoding.replace("-", "_") not in _MULTIBYTE:
        # Single-byte guesses between Latin code pages are unreliable; feedparser's own
        # fallback, windows-1252, is the right one for most undeclared Western feeds.
        return body, content_type
    text = _XML_ENCODING_TEXT.sub('encoding="utf-8"', str(best), count=1)
    media = (content_type or "application/xml").split(";")[0].strip()
    return text.encode("utf-8"), f"{media}; charset=utf-8"


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
    except RecursionError as exc:
        raise TooDeep("JSON feed nested deeper than Python's parser follows: not read",
                      url=url) from exc
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
        link = _absolute(item.get("url") or item.get("external_url"), url)
        if not link:
            continue
        if link in seen:
            continue
        seen.add(link)
        people = item.get("authors") or ([item["author"]] if item.get("author") else [])
        names = [p["name"] for p in (people or feed_authors)
                 if isinstance(p, dict) and isinstance(p.get("name"), str)]
        title, summary = item.get("title"), item.get("summary") or item.get("content_text")
        raw_tags = item.get("tags")
        tags = raw_tags if isinstance(raw_tags, list) else []
        entries.append(FeedEntry(
            url=link,
            title=one_line(title) or None if isinstance(title, str) else None,
            summary=strip_controls(summary).strip() or None if isinstance(summary, str) else None,
            published_at=parse_date(item.get("date_published"))
            or parse_date(item.get("date_modified")),
            authors=tuple(clean_authors(names)),
            tags=tuple(t for t in tags if isinstance(t, str) and t),
            updated_at=parse_date(item.get("date_modified")),
        ))
    return entries


def _absolute(link: object, feed_url: str) -> str | None:
    """The entry's link as a clean absolute http(s) URL; a relative one resolves against the
    feed, and a news aggregator's redirect (google.com/url?url=...) to where it leads."""
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        link = urljoin(feed_url, link.strip())
        parts = urlsplit(link)
        if parts.hostname and parts.hostname.endswith("google.com") and parts.path == "/url":
            query = dict(parse_qsl(parts.query))
            target = query.get("url") or query.get("q")
            if target and target.startswith(("http://", "https://")):
                link = target
        if not link.startswith(("http://", "https://")) or url_problem(link):
            return None
        return canonicalize(link)
    except ValueError:
        # No URL at all (a port out of range, a broken IPv6 host): one bad item is skipped,
        # it must not take the feed and the run down with it.
        return None


def _plain(title: object) -> str | None:
    """Feed titles sometimes carry markup ("<b>Slack</b> market"): text only."""
    if not isinstance(title, str):
        return None
    return one_line(unescape(_TAG.sub("", title))) or None


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
    for key in ("published", "updated", "created"):
        value = raw.get(f"{key}_parsed")
        if value:
            try:
                return plausible(datetime.fromtimestamp(calendar.timegm(value), tz=UTC))
            except (OverflowError, ValueError):
                continue
        # feedparser reads English RFC 822 and ISO dates only ("Seg, 24 Set 2018" is lost).
        when = parse_date(raw.get(key))
        if when:
            return when
    return None
