"""HTML page -> Article: body text by trafilatura, metadata from the page, feed as fallback."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from urllib.parse import urljoin

import trafilatura
from bs4 import BeautifulSoup, UnicodeDammit

from scrapers.errors import NotAnArticle
from scrapers.metadata import clean_authors, read_metadata
from scrapers.models import Article, FeedEntry
from scrapers.urls import article_id, canonicalize

# Fewer words than this is an index page, a teaser, a paywall stub or an error page.
MIN_BODY_WORDS = 40
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


def decode_html(body: bytes, declared_encoding: str | None) -> str:
    """Header charset first, then the page's meta tag, then detection."""
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


def extract_article(html: str, *, url: str, source_id: str, fetched_at: datetime,
                    entry: FeedEntry | None = None, language: str | None = None) -> Article:
    """Build an Article, or raise NotAnArticle with the reason the page was skipped.

    `url` is where the page was finally served from (after redirects); relative canonical links
    resolve against it. The feed entry's link is kept as the article's discovered URL.
    """
    if html.count("<") > DEPTH_CHECK_TAGS and _depth_over(html, MAX_DEPTH):
        raise NotAnArticle(f"elements nested more than {MAX_DEPTH} deep: not a news page, "
                           "skipped before parsing", url=url)
    soup = BeautifulSoup(html, "lxml")
    meta = read_metadata(soup)
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False,
        include_images=False, include_links=False,
    )
    text = (doc.text if doc is not None else "") or ""
    title = meta.title or (doc.title if doc else None) or (entry.title if entry else None)
    if not title:
        raise NotAnArticle("page has no headline", url=url)
    body = _strip_heading_lines(text, [title, doc.title if doc else None, meta.section])
    words = len(_WORD.findall(body))
    if words < MIN_BODY_WORDS:
        raise NotAnArticle(
            f"only {words} words of body text (needs {MIN_BODY_WORDS}): an index page, "
            "teaser or paywall stub", url=url)

    canonical = _canonical_link(url, meta.canonical_url)
    discovered = entry.url if entry else canonicalize(url)
    final_url = canonical or discovered
    authors = meta.authors or clean_authors([doc.author] if doc and doc.author else []) or \
        list(entry.authors if entry else ())
    return Article(
        article_id=article_id(final_url),
        source_id=source_id,
        url=final_url,
        discovered_url=discovered,
        title=" ".join(title.split()),
        authors=tuple(authors),
        published_at=meta.published_at or (entry.published_at if entry else None),
        updated_at=meta.updated_at,
        fetched_at=fetched_at,
        language=meta.language or language or (doc.language if doc else None),
        section=meta.section or ((doc.categories or [None])[0] if doc else None),
        tags=tuple(meta.tags or (entry.tags if entry else ())),
        summary=meta.description or (entry.summary if entry else None),
        body=body,
        word_count=words,
        content_hash=content_hash(title, body),
    )


def _canonical_link(url: str, href: str | None) -> str | None:
    """The page's canonical link, resolved against where it was served; None when it is
    missing, not http(s), or no URL at all (then the link we followed stands)."""
    if not href:
        return None
    try:
        canonical = canonicalize(urljoin(url, href))
    except ValueError:
        return None
    return canonical if canonical.startswith(("http://", "https://")) else None


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
