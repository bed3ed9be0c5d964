"""The demo's article pages over real HTTP on 127.0.0.1: the text, each site's markup and
the chrome around it."""

from __future__ import annotations

import json
from datetime import datetime

from demo.articles import ARTICLES, DemoArticle
from demo.clock import ADVANCE_HOURS, DEFAULT_START
from demo.html_parts import join_names
from demo.server import DemoNewsServer

from .page_parsing import parse_page
from .serving import CEASEFIRE_WORDS, Fetched, fetch, only, published_by, url_of


def test_wire_copies_have_identical_paragraphs_and_different_headlines(
    server: DemoNewsServer,
) -> None:
    copies = [a for a in published_by(DEFAULT_START) if a.story is not None]
    assert len(copies) == 2
    pages = [parse_page(fetch(url_of(server, a)).body) for a in copies]
    assert pages[0].headings != pages[1].headings
    assert [p.headings[0] for p in pages] == [a.headline for a in copies]
    for page in pages:
        body = page.article_paragraphs
        for paragraph in copies[0].paragraphs:
            assert any(text == paragraph or text.endswith(" — " + paragraph) for text in body)



def test_every_article_is_served_with_its_headline_and_paragraphs(
    server: DemoNewsServer,
) -> None:
    server.clock.advance(ADVANCE_HOURS)
    for article in ARTICLES:
        response = fetch(url_of(server, article))
        assert response.status == 200, article.path
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        page = parse_page(response.body)
        assert page.headings == [article.headline]
        assert page.canonical == url_of(server, article)
        body = page.article_paragraphs
        for paragraph in article.paragraphs:
            assert paragraph in body or (
                article.dateline is not None
                and f"{article.dateline} — {paragraph}" in body
                and paragraph == article.paragraphs[0]
            ), (article.path, paragraph[:40])
        assert f"By {join_names(article.byline)}" in page.article_text



def test_markup_differs_by_site(server: DemoNewsServer) -> None:
    def page_of(slug: str) -> tuple[DemoArticle, Fetched]:
        article = next(a for a in published_by(DEFAULT_START, slug) if len(a.tags) > 1)
        return article, fetch(url_of(server, article))

    article, response = page_of("harbour-times")
    page = parse_page(response.body)
    data = json.loads(page.json_ld[0])
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.headline
    assert datetime.fromisoformat(data["datePublished"]) == article.published_at
    assert data["mainEntityOfPage"]["@id"] == page.canonical
    assert [author["name"] for author in data["author"]] == article.byline
    assert data["articleSection"] == article.section and data["keywords"] == article.tags
    assert data["publisher"]["name"] == "The Harbour Times" and "dateModified" in data

    article, response = page_of("northern-ledger")
    page = parse_page(response.body)
    assert not page.json_ld
    assert page.meta_values("og:title") == [article.headline]
    assert page.meta_values("og:type") == ["article"]
    assert page.meta_values("og:url") == [page.canonical]
    published = page.meta_values("article:published_time")[0]
    assert datetime.fromisoformat(published) == article.published_at
    assert page.meta_values("article:section") == [article.section]
    assert page.meta_values("article:tag") == article.tags
    assert page.meta_values("author") == [", ".join(article.byline)]
    assert page.meta_values("description") == [article.summary]

    article, response = page_of("valley-courier")
    page = parse_page(response.body)
    assert not page.json_ld
    assert all(set(meta) == {"charset"} for meta in page.meta)  # no og:, author, description
    assert article.published_at.isoformat() in page.time_datetimes
    assert f"By {' and '.join(article.byline)}" in page.article_paragraphs
    assert page.canonical == url_of(server, article)



def test_pages_have_real_chrome_around_the_article(server: DemoNewsServer) -> None:
    looks = set()
    for site in server.sites():
        article = published_by(DEFAULT_START, site.slug)[0]
        response = fetch(url_of(server, article))
        page = parse_page(response.body)
        assert {"nav", "article", "aside", "footer", "form"} <= page.tags
        assert any("cookie" in c or "consent" in c for c in page.classes_and_ids)
        assert "email" in page.input_types or 'name="email"' in response.text
        footer = " ".join(page.footer_text)
        assert "©" in footer and "2026" in footer
        other_headlines = {a.headline for a in ARTICLES if a is not article}
        assert [text for text, _ in page.aside_links if text in other_headlines]
        assert all(text != article.headline for text, _ in page.aside_links)
        looks.add(frozenset(c for c in page.classes_and_ids if c.strip()))
    assert len(looks) == len(server.sites())  # three different templates



def test_ceasefire_headlines_appear_in_unrelated_sidebars(server: DemoNewsServer) -> None:
    ceasefire = {a.headline for a in published_by(DEFAULT_START) if "ceasefire" in a.labels}
    port = only([a for a in ARTICLES if "port-expansion" in a.labels])
    assert not CEASEFIRE_WORDS.search(port.full_text())
    port_links = parse_page(fetch(url_of(server, port)).body).aside_links
    assert {text for text, _ in port_links} & ceasefire
    unrelated = [
        a
        for a in published_by(DEFAULT_START)
        if "ceasefire" not in a.labels and not CEASEFIRE_WORDS.search(a.full_text())
    ]
    showing = [
        a
        for a in unrelated
        if {text for text, _ in parse_page(fetch(url_of(server, a)).body).aside_links} & ceasefire
    ]
    assert len(showing) >= 5
    assert len({a.site for a in showing}) >= 2



def test_datelines_open_the_first_paragraph(server: DemoNewsServer) -> None:
    with_dateline = [a for a in published_by(DEFAULT_START) if a.dateline]
    assert len(with_dateline) >= 3
    for article in with_dateline:
        body = parse_page(fetch(url_of(server, article)).body).article_paragraphs
        assert f"{article.dateline} — {article.paragraphs[0]}" in body

