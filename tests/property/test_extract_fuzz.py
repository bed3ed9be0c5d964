"""HTML decoding and article extraction on random bytes and mutated real pages: an Article
or NotAnArticle with its reason, never another exception, never a hang."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import example, given
from hypothesis import strategies as st

from demo.catalog import article_path
from demo.catalog import visible_articles as _visible
from demo.clock import DemoClock
from scrapers.errors import NotAnArticle
from scrapers.extract import decode_html, extract_article
from scrapers.models import Article

from .strategies import FUZZ, demo_document, mutated

_NOW = DemoClock().now()
PAGES = [demo_document(article_path(a)) for site in ("harbour-times", "northern-ledger",
                                                     "valley-courier")
         for a in _visible(site, _NOW)[:2]]
URL = "http://news.example/a/1.html"


def _extract(body: bytes, declared: str | None = None) -> Article | None:
    html = decode_html(body, declared)
    assert isinstance(html, str)
    try:
        article = extract_article(html, url=URL, source_id="fuzz",
                                  fetched_at=datetime.now(UTC))
    except NotAnArticle as exc:
        assert exc.message and exc.url == URL
        return None
    assert article.title and article.word_count >= 40
    assert article.url.startswith(("http://", "https://"))
    return article


def test_the_bases_extract() -> None:
    assert PAGES and all(_extract(p) is not None for p in PAGES)


@FUZZ
@given(st.binary(max_size=4000), st.sampled_from([None, "utf-8", "latin-1", "x-unknown"]))
def test_random_bytes(body: bytes, declared: str | None) -> None:
    _extract(body, declared)


@FUZZ
@given(st.sampled_from(PAGES).flatmap(mutated))
def test_mutated_pages(body: bytes) -> None:
    _extract(body, "utf-8")


@FUZZ
@given(st.text(max_size=120))
@example("http://news.example:99999/a")   # raised ValueError before the fix
@example("javascript:alert(1)")           # was stored as the article's URL
def test_hostile_canonical_links(href: str) -> None:
    # The page names its own canonical URL; a broken one must not escape as ValueError.
    from html import escape
    page = PAGES[0].decode("utf-8")
    head = page.replace("<head>", f'<head><link rel="canonical" href="{escape(href)}">', 1)
    _extract(head.encode("utf-8", "surrogatepass"), "utf-8")
