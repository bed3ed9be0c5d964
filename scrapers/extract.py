"""HTML page -> Article: one lxml parse, metadata from the page, body by trafilatura (or the
source's CSS selector), the feed entry as fallback. Pages that are not articles are refused
with the reason."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from urllib.parse import urljoin

from bs4 import UnicodeDammit
from lxml.etree import ParserError
from lxml.html import HtmlElement, document_fromstring
from trafilatura.utils import load_html

from scrapers.body import extract_body
from scrapers.controls import one_line, strip_controls
from scrapers.dates_meta import date_from_url, guess_date, in_page_calendar
from scrapers.errors import NotAnArticle
from scrapers.metadata import PageMetadata, clean_authors, read_metadata
from scrapers.models import Article, FeedEntry
from scrapers.page_kind import refuse_listing, refuse_non_article, short_body_reason
from scrapers.urls import article_id, canonicalize

__all__ = ["MIN_BODY_WORDS", "content_hash", "decode_html", "extract_article",
           "nested_too_deep", "parse_page"]

# Fewer words than this is an index page, a teaser, a paywall stub or an error page.
MIN_BODY_WORDS = 40
# trafilatura logs an ERROR for every page it finds too small or not HTML: those pages are
# reported once, as NotAnArticle with the reason, not as log noise.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
_WORD = re.compile(r"\w+", re.UNICODE)
# Real news pages nest elements under 30 deep and hold under 11,000 tags (measured on 158
# pages of the shared corpus). A page nested 100,000 deep took 21 s of CPU to parse: pages
# with very many tags have their depth counted first, and very deep ones are refused.
MAX_DEPTH = 1000
DEPTH_CHECK_TAGS = 20_000
_SKIPPED = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
# Void elements and those whose end tag may be left out: they do not nest reliably.
_UNNESTED_NAMES = ("area base br col embed hr img input link meta param source track wbr p li dt "
                   "dd tr td th option optgroup rb rt rp thead tbody tfoot colgroup caption "
                   "html head body")
_UNNESTED = frozenset(_UNNESTED_NAMES.split())
# Share of words an <h1> and the declared title have in common when they name the same story.
_SAME_STORY = 0.3
_TITLE_SUFFIX = re.compile(r"\s+[|\-–—:·•]\s+[^|\-–—:·•]{2,40}$")


_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", re.IGNORECASE)
_LEGACY_CHARSET = re.compile(r"^(?:iso[-_]?8859[-_]?\d+|latin[-_]?\d|l\d|windows[-_]?125\d"
                             r"|cp125\d|us-ascii|ascii)$", re.IGNORECASE)


def _utf8_despite_label(body: bytes, declared_encoding: str | None) -> str | None:
    """A page labelled latin-1 or windows-1252 whose bytes are valid UTF-8 with multibyte
    sequences is UTF-8: read as latin-1 it would turn "Forstærket håb" into mojibake."""
    label = declared_encoding
    if label is None:
        found = _META_CHARSET.search(body[:4096])
        label = found.group(1).decode("ascii", "replace") if found else None
    if label is None or not _LEGACY_CHARSET.match(label.strip()) or body.isascii():
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if any(ord(ch) > 127 for ch in text) else None


def decode_html(body: bytes, declared_encoding: str | None) -> str:
    """Header charset first, then the page's meta tag, then detection; a legacy label on
    bytes that are valid UTF-8 gives way to UTF-8."""
    as_utf8 = _utf8_despite_label(body, declared_encoding)
    if as_utf8 is not None:
        return as_utf8
    known = [declared_encoding] if declared_encoding else []
    if declared_encoding:
        try:
            body.decode(declared_encoding)
        except LookupError:
            pass
        except UnicodeDecodeError:
            # A few stray bytes in a page that really is in the declared charset should cost
            # those bytes, not every accent on the page (detection then picks another charset).
            lenient = body.decode(declared_encoding, errors="replace")
            bad = lenient.count("\ufffd")
            if bad < sum(1 for ch in lenient if ord(ch) > 127) - bad:
                return lenient
    dammit = UnicodeDammit(body, known_definite_encodings=known, is_html=True)
    if dammit.unicode_markup is None:
        return body.decode("utf-8", errors="replace")
    return dammit.unicode_markup


def parse_page(html: str | bytes, url: str) -> HtmlElement:
    """The one parse of a page (the same parser trafilatura uses, so it can take the tree)."""
    tree = load_html(html)
    if tree is None:
        # trafilatura refuses fragments (a lone <head>, one <div>); lxml still reads them.
        try:
            tree = document_fromstring(html)
        except (ValueError, ParserError) as exc:
            raise NotAnArticle(f"not an HTML document: {exc}", url=url) from exc
    return tree


def extract_article(html: str | HtmlElement, *, url: str, source_id: str, fetched_at: datetime,
                    entry: FeedEntry | None = None, language: str | None = None,
                    body_selector: str | None = None) -> Article:
    """Build an Article, or raise NotAnArticle with the reason the page was skipped.

    `url` is where the page was finally served from (after redirects); relative canonical links
    resolve against it. The feed entry's link is kept as the article's discovered URL.
    `body_selector` (CSS) is the source's own idea of where the article text is; it wins over
    automatic extraction when it matches something.
    """
    if isinstance(html, str) and nested_too_deep(html):
        raise NotAnArticle(f"elements nested more than {MAX_DEPTH} deep: not a news page, "
                           "skipped before parsing", url=url)
    tree = html if isinstance(html, HtmlElement) else parse_page(html, url)
    meta = read_metadata(tree, now=fetched_at)
    try:
        return _article_from(tree, meta, url=url, source_id=source_id, fetched_at=fetched_at,
                             entry=entry, language=language, body_selector=body_selector)
    except NotAnArticle as exc:
        # A refused page still says which date it found: the caller may want it anyway.
        found = _published(tree, meta, entry, url, fetched_at)
        if found is None:
            raise
        raise NotAnArticle(f"{exc.message}; the page's date: {found.isoformat()}",
                           url=exc.url) from None


def _article_from(tree: HtmlElement, meta: PageMetadata, *, url: str, source_id: str,
                  fetched_at: datetime, entry: FeedEntry | None, language: str | None,
                  body_selector: str | None) -> Article:
    h1 = _first_h1(tree)
    refuse_non_article(meta, url=url, h1=h1)
    title = one_line(_headline(h1, meta.title) or (entry.title if entry else None) or
                     _bare_title(meta.page_title) or "")
    if not title:
        raise NotAnArticle("page has no headline", url=url)
    body = extract_body(tree, url=url, selector=body_selector, ld_body=meta.ld_body)
    body = _strip_heading_lines(body, [title, h1, meta.title, meta.section])
    words = len(_WORD.findall(body))
    if words < MIN_BODY_WORDS:
        raise NotAnArticle(short_body_reason(words, MIN_BODY_WORDS, meta, body), url=url)
    refuse_listing(tree, meta, body, url=url)

    canonical = _canonical(meta, url)
    discovered = entry.url if entry else canonicalize(url)
    final_url = canonical or discovered
    authors = meta.authors or clean_authors(list(entry.authors) if entry else [])
    return Article(
        article_id=article_id(final_url),
        source_id=source_id,
        url=final_url,
        discovered_url=discovered,
        title=title,
        authors=tuple(authors),
        published_at=_published(tree, meta, entry, final_url, fetched_at),
        updated_at=meta.updated_at,
        fetched_at=fetched_at,
        language=meta.language or language,
        section=meta.section,
        tags=tuple(one_line(t) for t in meta.tags or (entry.tags if entry else ())),
        summary=plain_summary(meta.description or (entry.summary if entry else None)),
        body=body,
        word_count=words,
        content_hash=content_hash(title, body),
    )


def nested_too_deep(html: str) -> bool:
    """More than MAX_DEPTH levels of elements: refused before parsing (only pages with very
    many tags are counted, so ordinary ones cost nothing)."""
    return html.count("<") > DEPTH_CHECK_TAGS and _depth_over(html, MAX_DEPTH)


def plain_summary(summary: str | None) -> str | None:
    """A summary without control characters (its line breaks kept); None when nothing is
    left."""
    return strip_controls(summary).strip() or None if summary else None


def _depth_over(html: str, limit: int) -> bool:
    depth = 0
    for match in _TAG.finditer(_SKIPPED.sub("", html)):
        if match.group(3) or match.group(2).lower() in _UNNESTED:
            continue
        if match.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > limit:
                return True
    return False


def _published(tree: HtmlElement, meta: PageMetadata, entry: FeedEntry | None, url: str,
               now: datetime) -> datetime | None:
    """Declared by the page, else by the feed, else in the URL, else htmldate's guess; in the
    page's own zone when it writes the same instant with its offset too."""
    declared = meta.published_at or (entry.published_at if entry else None)
    if declared is not None:
        return in_page_calendar(tree, declared)
    return date_from_url(url, now) or guess_date(tree, url, now)


def _canonical(meta: PageMetadata, url: str) -> str | None:
    if not meta.canonical_url:
        return None
    # Missing, not http(s), or no URL at all (a bad port): the link we followed stands.
    try:
        absolute = urljoin(url, meta.canonical_url)
        if not absolute.startswith(("http://", "https://")):
            return None
        return canonicalize(absolute)
    except ValueError:
        return None


def _headline(h1: str | None, declared: str | None) -> str | None:
    """The visible <h1> when it is about the same story as the declared title (declared
    titles are often an SEO variant); the declared one when the <h1> is a logo or a kicker."""
    if not h1 or not declared:
        return declared or h1
    seen, said = set(_WORD.findall(h1.casefold())), set(_WORD.findall(declared.casefold()))
    shared = len(seen & said) / max(1, min(len(seen), len(said)))
    return h1 if shared >= _SAME_STORY else declared


def _first_h1(tree: HtmlElement) -> str | None:
    for el in tree.iter("h1"):
        text = " ".join(el.text_content().split())
        if text:
            return text
    return None


def _bare_title(page_title: str | None) -> str | None:
    """'Harbour dredging to start | The Paper' -> 'Harbour dredging to start'."""
    if not page_title:
        return None
    return _TITLE_SUFFIX.sub("", page_title).strip() or None


def content_hash(title: str, body: str) -> str:
    """Whitespace-insensitive hash: a re-fetch with new markup is not an update."""
    normalized = " ".join(f"{title}\n{body}".split()).lower()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:32]


def _strip_heading_lines(text: str, headings: list[str | None], scan: int = 3) -> str:
    """Drop the headline (and a section kicker) that extractors keep at the top of the body,
    so rules and evidence see the article's sentences, not its heading twice."""
    drop = {" ".join(h.split()).lower() for h in headings if h}
    lines = text.strip().split("\n")
    head = [ln for ln in lines[:scan] if " ".join(ln.split()).lower() not in drop]
    return "\n".join(head + lines[scan:]).strip()
