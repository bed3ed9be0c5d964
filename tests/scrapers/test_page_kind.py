"""Pages that are not articles are refused with a reason; a source's body selector wins."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from scrapers.errors import BadSelector, NotAnArticle
from scrapers.extract import extract_article, parse_page
from scrapers.models import Article

FETCHED_AT = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)
URL = "https://paper.example/news/harbour"
STORY = " ".join(f"The harbour board met on day {i} and agreed a plan for the quay." for i in
                 range(12))
CHROME = " ".join(f"Sidebar promotion number {i} for another product." for i in range(12))


def _page(head: str = "", body: str = "") -> str:
    return f"<html lang='en'><head>{head}</head><body>{body}</body></html>"


def _ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _extract(html: str, body_selector: str | None = None) -> Article:
    return extract_article(html, url=URL, source_id="p", fetched_at=FETCHED_AT,
                           body_selector=body_selector)


@pytest.mark.parametrize(("html", "reason"), [
    (_page("<title>Page not found | The Paper</title>", f"<h1>Sorry</h1><p>{STORY}</p>"),
     "error page"),
    (_page("<title>The Paper</title>", f"<h1>Oops! 404</h1><p>{STORY}</p>"), "error page"),
    (_page(_ld({"@type": "ImageGallery", "name": "Harbour in pictures"}),
           f"<h1>Harbour in pictures</h1><p>{STORY}</p>"), "gallery"),
    (_page(_ld({"@type": "CollectionPage", "name": "World news"}),
           f"<h1>World</h1><p>{STORY}</p>"), "index or section page"),
    (_page("<title>World | The Paper</title>",
           "<h1>World</h1>" + "".join(
               f"<article><a href='/s{i}'>Story number {i} has a long headline here</a>"
               "</article>" for i in range(10))),
     "index or section page: 10 of its 10 paragraphs are links"),
    (_page(_ld({"@type": "NewsArticle", "headline": "Big story",
                "isAccessibleForFree": False}),
           "<article><h1>Big story</h1><p>The first lines of a story.</p></article>"),
     "paywall stub: only"),
    (_page("<title>Big story</title>",
           "<article><h1>Big story</h1><p>The first lines. Subscribe to continue reading."
           "</p></article>"), "paywall stub: only"),
])
def test_non_articles_are_refused_with_the_reason(html: str, reason: str) -> None:
    with pytest.raises(NotAnArticle, match=reason):
        _extract(html)


def test_an_article_with_many_headline_links_around_it_is_an_article() -> None:
    related = "".join(f"<li><a href='/s{i}'>Another story number {i} with a long headline</a>"
                      "</li>" for i in range(30))
    html = _page("<title>Harbour plan | The Paper</title>",
                 f"<nav><ul>{related}</ul></nav><div><h1>Harbour plan</h1><p>{STORY}</p>"
                 f"<p>{STORY}</p></div><aside><ul>{related}</ul></aside>")
    assert "agreed a plan" in _extract(html).body


def test_an_article_that_says_404_in_its_title_is_still_an_article() -> None:
    html = _page(_ld({"@type": "NewsArticle", "headline": "Flight 404 lands safely"}),
                 f"<article><h1>Flight 404 lands safely</h1><p>{STORY}</p></article>")
    assert _extract(html).title == "Flight 404 lands safely"


def test_body_selector_wins_over_automatic_extraction() -> None:
    html = _page("<title>Harbour plan</title>",
                 f"<h1>Harbour plan</h1><div class='promo'><p>{CHROME}</p></div>"
                 f"<div class='story'><p>{STORY}</p><p>Second paragraph.</p>"
                 "<script>var x = 1;</script></div>")
    auto = _extract(html)
    chosen = _extract(html, body_selector="div.story")
    assert chosen.body == f"{STORY}\nSecond paragraph."
    assert "Sidebar promotion" not in chosen.body
    assert chosen.body != auto.body or "Sidebar promotion" not in auto.body


def test_body_selector_that_matches_nothing_falls_back_to_extraction() -> None:
    html = _page("<title>Harbour plan</title>", f"<article><h1>Harbour plan</h1><p>{STORY}</p>"
                 "</article>")
    assert "agreed a plan" in _extract(html, body_selector="div.no-such-thing").body


def test_invalid_body_selector_is_a_clear_error() -> None:
    html = _page("<title>Harbour plan</title>", f"<article><p>{STORY}</p></article>")
    with pytest.raises(BadSelector, match=r"'div\[' is not valid CSS"):
        _extract(html, body_selector="div[")


def test_a_parsed_tree_is_accepted_and_left_as_it_was() -> None:
    html = _page("<title>Harbour plan</title>", f"<article><h1>Harbour plan</h1><p>{STORY}</p>"
                 "<div class='ad'>Buy now</div></article>")
    tree = parse_page(html, URL)
    before = len(list(tree.iter()))
    assert _extract(tree).body == _extract(html).body
    assert len(list(tree.iter())) == before


def test_dates_fall_back_to_the_url_then_to_the_page_text() -> None:
    html = _page("<title>Harbour plan</title>", f"<article><h1>Harbour plan</h1><p>{STORY}</p>"
                 "<p class='dateline'>Posted on March 5, 2024</p></article>")
    dated_url = extract_article(html, url="https://paper.example/2024/03/07/harbour",
                                source_id="p", fetched_at=FETCHED_AT)
    assert dated_url.published_at == datetime(2024, 3, 7, tzinfo=UTC)
    assert _extract(html).published_at == datetime(2024, 3, 5, tzinfo=UTC)


def test_updated_before_published_is_dropped_and_far_future_refused() -> None:
    ld = {"@type": "NewsArticle", "headline": "Harbour plan",
          "datePublished": "2024-03-05T10:00:00Z", "dateModified": "2024-03-01T00:00:00Z"}
    article = _extract(_page(_ld(ld), f"<article><h1>Harbour plan</h1><p>{STORY}</p>"
                                      "</article>"))
    assert article.published_at == datetime(2024, 3, 5, 10, tzinfo=UTC)
    assert article.updated_at is None
    ld = {**ld, "datePublished": "2099-01-01T00:00:00Z", "dateModified": "2024-03-06T00:00:00Z"}
    article = extract_article(_page(_ld(ld), f"<article><h1>Harbour plan</h1><p>{STORY}</p>"
                                             "</article>"),
                              url="https://paper.example/2024/03/05/harbour", source_id="p",
                              fetched_at=FETCHED_AT)
    assert article.published_at == datetime(2024, 3, 5, tzinfo=UTC)   # from the URL
    assert article.updated_at == datetime(2024, 3, 6, tzinfo=UTC)


def test_byline_markup_when_nothing_is_declared() -> None:
    html = _page("<title>Harbour plan</title>",
                 "<article><h1>Harbour plan</h1><p class='byline'>By Ana Ruiz and Tom Bell, "
                 f"Staff Writers</p><p>{STORY}</p></article>")
    assert _extract(html).authors == ("Ana Ruiz", "Tom Bell")


def test_a_body_split_by_an_ad_break_is_followed_into_its_next_container() -> None:
    first = "".join(f"<p>Part one paragraph {i}: the harbour board met and agreed a plan for "
                    "the eastern quay after a long debate.</p>" for i in range(6))
    second = "".join(f"<p>Part two paragraph {i}: the dredging will start in March and take "
                     "eleven weeks to finish, the board said.</p>" for i in range(6))
    boxed = "<p>A box paragraph that shares the class but is not the article at all here.</p>"
    html = _page("<title>Harbour plan</title>",
                 f"<main><h1>Harbour plan</h1><div class='grid'><div class='article-body'>{first}"
                 "</div></div><div class='ad'>Advertisement</div><div class='grid'>"
                 f"<div class='article-body'>{second}</div></div></main>"
                 f"<aside><div class='article-body'>{boxed}</div></aside>")
    body = _extract(html).body
    assert "Part one paragraph 5" in body and "Part two paragraph 5" in body
    assert body.index("Part one paragraph 5") < body.index("Part two paragraph 0")
    assert "A box paragraph" not in body
