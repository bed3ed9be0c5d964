"""Article metadata from the page's own markup: JSON-LD, OpenGraph, meta tags, <time>, bylines.

Works on the lxml tree the extractor parsed once (trafilatura.utils.load_html), never on a
second parse of the same HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape

from lxml.html import HtmlElement

from scrapers.authors import clean_authors
from scrapers.controls import one_line, strip_controls
from scrapers.dates_meta import parse_date

__all__ = ["PageMetadata", "clean_authors", "parse_date", "read_metadata"]

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle",
                  "blogposting", "opinionnewsarticle", "backgroundnewsarticle", "report",
                  "liveblogposting", "scholarlyarticle", "techarticle", "reviewnewsarticle",
                  "askpublicnewsarticle", "satiricalarticle", "posting", "socialmediaposting"}
_META_PUBLISHED = ("article:published_time", "datepublished", "og:published_time",
                   "parsely-pub-date", "sailthru.date", "publish-date", "publishdate",
                   "pubdate", "dc.date.issued", "dc.date", "dcterms.created", "date")
_META_UPDATED = ("article:modified_time", "datemodified", "og:updated_time", "dcterms.modified",
                 "last-modified")
_META_AUTHOR = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                "byl")
_ORGANIZATIONS = {"organization", "newsmediaorganization", "corporation", "organisation"}
# Byline markup, most specific first; the first that yields a name wins.
_BYLINE_XPATHS = (
    './/*[@itemprop="author"]//*[@itemprop="name"]',
    './/*[@itemprop="author"]',
    './/a[@rel="author"]',
    './/*[contains(concat(" ", normalize-space(@class), " "), " byline ")'
    ' or contains(@class, "author-name") or contains(@class, "byline__name")'
    ' or contains(@class, "byline-name") or contains(@class, "article-author")]',
)


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
    # What the page says it is, for telling an article from an index, gallery or stub.
    ld_types: frozenset[str] = frozenset()
    og_type: str | None = None
    ld_body: str | None = None
    accessible_for_free: bool | None = None
    page_title: str | None = None


def read_metadata(tree: HtmlElement, now: datetime | None = None) -> PageMetadata:
    """Merge the page's declared metadata; JSON-LD first, then OpenGraph and meta, then <time>
    and byline markup."""
    meta = PageMetadata()
    metas, tags = _meta_tags(tree)
    ld, ld_types = _json_ld_article(tree)
    meta.ld_types = frozenset(ld_types)
    if ld:
        meta.title = _text(ld.get("headline")) or _text(ld.get("name"))
        meta.authors = _ld_people(ld.get("author")) or _ld_people(ld.get("creator"))
        meta.published_at = parse_date(ld.get("datePublished"), now) or \
            parse_date(ld.get("dateCreated"), now)
        meta.updated_at = parse_date(ld.get("dateModified"), now)
        meta.section = _text(ld.get("articleSection"))
        meta.tags = _keywords(ld.get("keywords"))
        meta.description = _text(ld.get("description"))
        meta.ld_body = _text(ld.get("articleBody"))
        free = ld.get("isAccessibleForFree")
        meta.accessible_for_free = (free if isinstance(free, bool) else
                                    str(free).lower() != "false" if free is not None else None)
        page = ld.get("mainEntityOfPage")
        if isinstance(page, dict):
            page = page.get("@id") or page.get("url")
        meta.canonical_url = _http(_text(page)) or _http(_text(ld.get("url")))

    canonical = tree.find('.//link[@rel="canonical"]')
    if canonical is not None and (canonical.get("href") or "").strip():
        meta.canonical_url = canonical.get("href", "").strip()   # the explicit link wins
    meta.canonical_url = meta.canonical_url or metas.get("og:url")
    meta.title = meta.title or metas.get("og:title") or metas.get("twitter:title")
    meta.description = meta.description or metas.get("og:description") or \
        metas.get("description")
    meta.published_at = meta.published_at or _first_date(metas, _META_PUBLISHED, now)
    meta.updated_at = meta.updated_at or _first_date(metas, _META_UPDATED, now)
    meta.section = meta.section or metas.get("article:section")
    meta.tags = meta.tags or tags or _keywords(metas.get("news_keywords"))
    meta.og_type = metas.get("og:type")
    if not meta.authors:
        meta.authors = [a for key in _META_AUTHOR
                        if (a := metas.get(key)) and not a.startswith(("http", "/"))][:1]
    if meta.published_at is None:
        meta.published_at = _time_element(tree, now)
    meta.authors = clean_authors(meta.authors) or _byline(tree)
    if meta.updated_at and meta.published_at and meta.updated_at < meta.published_at:
        meta.updated_at = None
    lang = tree.get("lang") or tree.get("xml:lang") or metas.get("og:locale") or \
        metas.get("content-language")
    if lang:
        meta.language = lang.replace("_", "-").split("-")[0].strip().lower() or None
    title_el = tree.find(".//title")
    if title_el is not None:
        meta.page_title = one_line(title_el.text_content()) or None
    return meta


def _meta_tags(tree: HtmlElement) -> tuple[dict[str, str], list[str]]:
    """Every <meta> once: first content per name/property/itemprop (lower-cased), plus the
    article:tag list."""
    found: dict[str, str] = {}
    tags: list[str] = []
    for el in tree.iter("meta"):
        content = strip_controls(unescape(el.get("content") or "")).strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (el.get(attr) or "").strip().lower()
            if key:
                if key == "article:tag":
                    tags.append(content)
                found.setdefault(key, content)
    return found, tags


def _first_date(metas: dict[str, str], keys: tuple[str, ...],
                now: datetime | None) -> datetime | None:
    for key in keys:
        when = parse_date(metas.get(key), now)
        if when:
            return when
    return None


def _time_element(tree: HtmlElement, now: datetime | None) -> datetime | None:
    """<time datetime>: one marked as the publication date first, else the first inside
    <article>, else the first on the page."""
    marked = tree.xpath('.//time[@datetime][@itemprop="datePublished" or @pubdate]')
    scope = tree.find(".//article")
    candidates = marked or (scope if scope is not None else tree).xpath(".//time[@datetime]")
    for el in candidates[:3]:
        when = parse_date(el.get("datetime"), now)
        if when:
            return when
    return None


def _byline(tree: HtmlElement) -> list[str]:
    scope = tree.find(".//article")
    for xpath in _BYLINE_XPATHS:
        for root in ([scope] if scope is not None else []) + [tree]:
            names = clean_authors([" ".join(el.text_content().split())
                                   for el in root.xpath(xpath)[:4]])
            if names:
                return names
    return []


def _json_ld_article(tree: HtmlElement) -> tuple[dict | None, set[str]]:
    """The first article node of the page's JSON-LD, and every @type declared there."""
    types: set[str] = set()
    article = None
    for script in tree.xpath('.//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except (json.JSONDecodeError, TypeError, ValueError, RecursionError):
            continue   # broken, or nested too deep to parse: the page's other metadata stands
        for node in _walk_ld(data):
            kinds = node.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            lowered = {k.lower() for k in kinds if isinstance(k, str)}
            types |= lowered
            if article is None and lowered & ARTICLE_TYPES:
                article = node
    return article, types


def _walk_ld(data: object, depth: int = 0) -> list[dict]:
    if depth > 4:
        return []
    if isinstance(data, list):
        return [n for item in data for n in _walk_ld(item, depth + 1)]
    if isinstance(data, dict):
        nested = data.get("@graph", [])
        main = data.get("mainEntity")
        return [data, *_walk_ld(nested, depth + 1),
                *(_walk_ld(main, depth + 1) if isinstance(main, dict | list) else [])]
    return []


def _ld_people(value: object) -> list[str]:
    """Names of the authors; organizations only when no person is named ("Rob Picheta, CNN"
    is one person)."""
    people: list[tuple[str, bool]] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and item.strip():
            people.append((unescape(item), True))
        elif isinstance(item, dict) and isinstance(item.get("name"), str | list):
            kind = item.get("@type")
            is_person = not (isinstance(kind, str) and kind.lower() in _ORGANIZATIONS)
            people.extend((unescape(n), is_person) for n in _ld_names(item["name"]))
    if any(is_person for _, is_person in people):
        return [name for name, is_person in people if is_person]
    return [name for name, _ in people]


def _ld_names(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, str) and v.strip()]


def _keywords(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return []


def _http(value: str | None) -> str | None:
    return value if value and value.startswith(("http://", "https://", "/")) else None


def _text(value: object) -> str | None:
    """A JSON-LD or meta string, HTML entities decoded (CMSs escape headlines twice), control
    characters removed (an ANSI escape in a JSON-LD headline is kept as text by JSON)."""
    if isinstance(value, list):
        value = value[0] if value else None
    return strip_controls(unescape(value)).strip() or None if isinstance(value, str) else None
