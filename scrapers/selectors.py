"""Article pages read with a user's CSS selectors (title, date, body) on top of the usual
metadata. A body selector replaces the automatic extractor: the user knows the site better."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from scrapers.controls import one_line
from scrapers.errors import SelectorMatchedNothing
from scrapers.extract import content_hash, extract_article, parse_page, plain_summary
from scrapers.metadata import parse_date, read_metadata
from scrapers.models import Article, FeedEntry, Selectors
from scrapers.urls import article_id, canonicalize

_WORD = re.compile(r"\w+", re.UNICODE)
# Block elements whose text becomes one line of the body each.
_BLOCKS = ("p", "li", "h2", "h3", "h4", "blockquote", "pre")


def extract_with_selectors(html: str, *, url: str, source_id: str, fetched_at: datetime,
                           selectors: Selectors, entry: FeedEntry | None = None,
                           language: str | None = None) -> Article:
    if selectors.body is None:
        # Only title/date given: the extractor does the body, the selectors correct the rest.
        article = extract_article(html, url=url, source_id=source_id, fetched_at=fetched_at,
                                  entry=entry, language=language)
        soup = BeautifulSoup(html, "lxml")
        headline = one_line(_title(soup, selectors.title, url) or "") or article.title
        published = _date(soup, selectors.date, url) or article.published_at
        return dataclasses.replace(article, title=headline, published_at=published,
                                   content_hash=content_hash(headline, article.body))
    soup = BeautifulSoup(html, "lxml")
    meta = read_metadata(parse_page(html, url), now=fetched_at)
    body = _body(soup, selectors.body, url)
    title = one_line(_title(soup, selectors.title, url) or meta.title
                     or (entry.title if entry else None) or _page_title(soup) or "")
    if not title:
        raise SelectorMatchedNothing("page has no headline (give `selectors.title`)", url=url)
    try:
        canonical = canonicalize(urljoin(url, meta.canonical_url)) if meta.canonical_url else None
    except ValueError:    # no URL at all (a bad port): the link we followed stands
        canonical = None
    discovered = entry.url if entry else canonicalize(url)
    final_url = canonical or discovered
    return Article(
        article_id=article_id(final_url), source_id=source_id, url=final_url,
        discovered_url=discovered, title=title, authors=tuple(meta.authors or (
            entry.authors if entry else ())),
        published_at=(_date(soup, selectors.date, url) or meta.published_at
                      or (entry.published_at if entry else None)),
        updated_at=meta.updated_at, fetched_at=fetched_at,
        language=meta.language or language, section=meta.section,
        tags=tuple(meta.tags or (entry.tags if entry else ())),
        summary=plain_summary(meta.description or (entry.summary if entry else None)),
        body=body, word_count=len(_WORD.findall(body)), content_hash=content_hash(title, body),
    )


def _body(soup: BeautifulSoup, selector: str, url: str) -> str:
    for junk in soup.find_all(["script", "style", "noscript", "template"]):
        junk.decompose()
    lines: list[str] = []
    for element in soup.select(selector):
        blocks = element.find_all(_BLOCKS) if element.name not in _BLOCKS else []
        for block in blocks or [element]:
            text = " ".join(block.get_text(" ").split())
            if text and (not lines or lines[-1] != text):
                lines.append(text)
    body = "\n".join(lines)
    if not _WORD.search(body):
        raise SelectorMatchedNothing(
            f"the body selector {selector!r} matched no text on this page: fix "
            "`selectors.body`, or exclude such pages with `exclude`", url=url)
    return body


def _title(soup: BeautifulSoup, selector: str | None, url: str) -> str | None:
    if selector is None:
        return None
    element = soup.select_one(selector)
    text = " ".join(element.get_text(" ").split()) if element is not None else ""
    return text or None


def _date(soup: BeautifulSoup, selector: str | None, url: str) -> datetime | None:
    if selector is None:
        return None
    element = soup.select_one(selector)
    if not isinstance(element, Tag):
        return None
    for attribute in ("datetime", "content"):
        value = element.get(attribute)
        if isinstance(value, str) and (when := parse_date(value)):
            return when
    text = " ".join(element.get_text(" ").split())
    return parse_date(text) or _free_text_date(text)


def _free_text_date(text: str) -> datetime | None:
    """"Saturday 21 November 2026 08.00 GMT" and the like; slow to import, so only here."""
    if not text:
        return None
    import dateparser

    when = dateparser.parse(text, settings={"RETURN_AS_TIMEZONE_AWARE": True,
                                            "TO_TIMEZONE": "UTC", "PREFER_DATES_FROM": "past"})
    return when.astimezone(UTC) if when else None


def _page_title(soup: BeautifulSoup) -> str | None:
    tag = soup.find("h1") or soup.find("title")
    text = " ".join(tag.get_text(" ").split()) if isinstance(tag, Tag) else ""
    return text or None
