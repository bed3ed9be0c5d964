"""Article metadata from the page's own markup: JSON-LD, OpenGraph, meta tags, <time>."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bs4 import BeautifulSoup, Tag

_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle",
                  "blogposting", "opinionnewsarticle", "backgroundnewsarticle", "report"}
_BYLINE_PREFIX = re.compile(r"^\s*(by|from|von|par|por)\s+", re.IGNORECASE)
# Dates before this are placeholders (0001-01-01, 1970-01-01), not publication dates.
_EARLIEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)


@dataclass
class PageMetadata:
    canonical_url: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    updated_at: datetime | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    language: str | None = None


def read_metadata(soup: BeautifulSoup) -> PageMetadata:
    """Merge the page's declared metadata; JSON-LD first, then OpenGraph and meta, then <time>."""
    meta = PageMetadata()
    ld = _json_ld_article(soup)
    if ld:
        meta.title = _text(ld.get("headline"))
        meta.authors = _ld_people(ld.get("author"))
        meta.published_at = parse_date(ld.get("datePublished"))
        meta.updated_at = parse_date(ld.get("dateModified"))
        meta.section = _text(ld.get("articleSection"))
        meta.tags = _keywords(ld.get("keywords"))
        meta.description = _text(ld.get("description"))
        page = ld.get("mainEntityOfPage")
        if isinstance(page, dict):
            page = page.get("@id") or page.get("url")
        meta.canonical_url = _text(page) or _text(ld.get("url"))

    canonical = soup.find("link", rel="canonical")
    if isinstance(canonical, Tag) and canonical.get("href"):
        meta.canonical_url = str(canonical["href"]).strip()   # the explicit link wins
    meta.canonical_url = meta.canonical_url or _meta(soup, "og:url")
    meta.title = meta.title or _meta(soup, "og:title")
    meta.description = meta.description or _meta(soup, "og:description", "description")
    meta.published_at = meta.published_at or parse_date(
        _meta(soup, "article:published_time", "datePublished", "pubdate", "date"))
    meta.updated_at = meta.updated_at or parse_date(_meta(soup, "article:modified_time"))
    meta.section = meta.section or _meta(soup, "article:section")
    if not meta.tags:
        meta.tags = [str(t["content"]).strip()
                     for t in soup.find_all("meta", property="article:tag")
                     if isinstance(t, Tag) and t.get("content")]
    if not meta.authors:
        author = _meta(soup, "author", "article:author")
        meta.authors = [author] if author and not author.startswith("http") else []
    if meta.published_at is None:
        scope = soup.find("article") or soup
        time_tag = scope.find("time", attrs={"datetime": True})
        if isinstance(time_tag, Tag):
            meta.published_at = parse_date(str(time_tag["datetime"]))
    html_tag = soup.find("html")
    if isinstance(html_tag, Tag) and html_tag.get("lang"):
        meta.language = str(html_tag["lang"]).split("-")[0].lower() or None
    meta.authors = clean_authors(meta.authors)
    return meta


def parse_date(value: object) -> datetime | None:
    """ISO 8601 to UTC; naive times are taken as UTC. Placeholder dates are rejected."""
    text = _text(value)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when if when >= _EARLIEST_PLAUSIBLE else None


def clean_authors(names: list[str]) -> list[str]:
    """'By Ana Ruiz and Tom Bell | Staff' -> ['Ana Ruiz', 'Tom Bell']."""
    cleaned: list[str] = []
    for name in names:
        name = _BYLINE_PREFIX.sub("", name.split("|")[0]).strip(" ,;")
        for part in re.split(r"\s*(?:,|;|\band\b|&)\s*", name):
            part = part.strip()
            if part and not any(c.isdigit() for c in part) and part not in cleaned:
                cleaned.append(part)
    return cleaned


def _json_ld_article(soup: BeautifulSoup) -> dict | None:
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (json.JSONDecodeError, TypeError):
            continue
        for node in _walk_ld(data):
            kinds = node.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
                return node
    return None


def _walk_ld(data: object) -> list[dict]:
    if isinstance(data, list):
        return [n for item in data for n in _walk_ld(item)]
    if isinstance(data, dict):
        return [data, *_walk_ld(data.get("@graph", []))]
    return []


def _ld_people(value: object) -> list[str]:
    if isinstance(value, list):
        return [n for item in value for n in _ld_people(item)]
    if isinstance(value, dict):
        return [str(value["name"])] if value.get("name") else []
    return [value] if isinstance(value, str) else []


def _keywords(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return []


def _meta(soup: BeautifulSoup, *names: str) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if isinstance(tag, Tag) and tag.get("content"):
            return str(tag["content"]).strip()
    return None


def _text(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value.strip() or None if isinstance(value, str) else None
