"""Page metadata: JSON-LD first, then OpenGraph and meta tags, then <time>; bylines cleaned."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from scrapers.extract import parse_page
from scrapers.metadata import PageMetadata, clean_authors, parse_date, read_metadata


def _read(html: str) -> PageMetadata:
    return read_metadata(parse_page(html, "https://paper.example/"))


def _ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


ARTICLE_LD = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": "  Ceasefire talks to open  ",
    "description": "Negotiators will meet.",
    "datePublished": "2024-03-05T10:00:00+01:00",
    "dateModified": "2024-03-05T12:30:00Z",
    "author": [{"@type": "Person", "name": "Ana Ruiz"}, {"@type": "Person", "name": "Tom Bell"}],
    "articleSection": "World",
    "keywords": "Corvania, Estmark, ",
    "mainEntityOfPage": {"@type": "WebPage", "@id": "https://paper.example/world/talks"},
}


def test_json_ld_news_article() -> None:
    meta = _read(f'<html lang="en-GB"><head>{_ld(ARTICLE_LD)}</head><body></body></html>')
    assert meta.title == "Ceasefire talks to open"
    assert meta.authors == ["Ana Ruiz", "Tom Bell"]
    assert meta.published_at == datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
    assert meta.updated_at == datetime(2024, 3, 5, 12, 30, tzinfo=UTC)
    assert meta.section == "World"
    assert meta.tags == ["Corvania", "Estmark"]
    assert meta.description == "Negotiators will meet."
    assert meta.canonical_url == "https://paper.example/world/talks"
    assert meta.language == "en"


def test_json_ld_article_inside_a_graph() -> None:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "The Paper", "url": "https://paper.example/"},
        {"@type": "BreadcrumbList", "itemListElement": []},
        {**ARTICLE_LD, "@type": ["ReportageNewsArticle", "NewsArticle"],
         "headline": "From the graph", "keywords": ["One", " Two "]},
    ]}
    meta = _read(f"<head>{_ld(graph)}</head>")
    assert meta.title == "From the graph"
    assert meta.tags == ["One", "Two"]
    assert meta.published_at == datetime(2024, 3, 5, 9, 0, tzinfo=UTC)


def test_json_ld_top_level_list_and_a_broken_block_before_it() -> None:
    broken = '<script type="application/ld+json">{"@type": "NewsArticle", </script>'
    listed = [{"@type": "Organization", "name": "The Paper"},
              {"@type": "BlogPosting", "headline": "Listed", "author": "By Li Wei",
               "datePublished": "2023-11-02", "url": "https://paper.example/listed"}]
    meta = _read(f"<head>{broken}{_ld(listed)}</head>")
    assert meta.title == "Listed"
    assert meta.authors == ["Li Wei"]
    assert meta.published_at == datetime(2023, 11, 2, tzinfo=UTC)
    assert meta.canonical_url == "https://paper.example/listed"


def test_non_article_json_ld_is_ignored() -> None:
    only_org = {"@type": "Organization", "name": "Not a headline",
                "datePublished": "2024-01-01T00:00:00Z"}
    meta = _read(f"<head>{_ld(only_org)}<title>T</title></head>")
    assert meta.title is None
    assert meta.published_at is None


def test_explicit_canonical_link_wins_over_json_ld_and_og_url() -> None:
    html = (f'<head>{_ld(ARTICLE_LD)}<link rel="canonical" href=" https://paper.example/c ">'
            '<meta property="og:url" content="https://paper.example/og"></head>')
    assert _read(html).canonical_url == "https://paper.example/c"


def test_opengraph_and_meta_fallbacks() -> None:
    html = """<html lang="de"><head>
<meta property="og:title" content="OG headline">
<meta property="og:url" content="https://paper.example/og-url">
<meta property="og:description" content="OG description">
<meta property="article:published_time" content="2024-06-01T08:00:00-04:00">
<meta property="article:modified_time" content="2024-06-02T00:00:00Z">
<meta property="article:section" content="Money">
<meta property="article:tag" content="Rates">
<meta property="article:tag" content="Banks">
<meta name="author" content="Esther Nwosu, Tobias Lang">
</head><body><time datetime="2020-01-01T00:00:00Z">old</time></body></html>"""
    meta = _read(html)
    assert meta.title == "OG headline"
    assert meta.canonical_url == "https://paper.example/og-url"
    assert meta.description == "OG description"
    assert meta.published_at == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)   # not the <time>
    assert meta.updated_at == datetime(2024, 6, 2, tzinfo=UTC)
    assert meta.section == "Money"
    assert meta.tags == ["Rates", "Banks"]
    assert meta.authors == ["Esther Nwosu", "Tobias Lang"]
    assert meta.language == "de"


def test_meta_name_description_and_author_url_is_not_a_name() -> None:
    html = """<head><meta name="description" content="Plain description">
<meta name="author" content="https://social.example/ana"></head>"""
    meta = _read(html)
    assert meta.description == "Plain description"
    assert meta.authors == []


def test_time_datetime_inside_the_article_is_preferred() -> None:
    html = """<body><header><time datetime="2024-11-21T12:00:00Z">today</time></header>
<article><h1>H</h1><time datetime="2024-11-19T07:45:00+00:00">19 Nov</time></article></body>"""
    assert _read(html).published_at == datetime(2024, 11, 19, 7, 45, tzinfo=UTC)


def test_time_datetime_anywhere_when_there_is_no_article_element() -> None:
    html = '<body><p>Posted <time datetime="2024-11-19T09:00:00+02:00">x</time></p></body>'
    assert _read(html).published_at == datetime(2024, 11, 19, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("placeholder", [
    "0001-01-01T00:00:00Z", "0001-01-01", "1970-01-01T00:00:00Z", "1900-01-01"])
def test_placeholder_dates_are_rejected_and_the_next_source_is_used(placeholder: str) -> None:
    assert parse_date(placeholder) is None
    ld = {**ARTICLE_LD, "datePublished": placeholder}
    html = (f'<head>{_ld(ld)}<meta property="article:published_time" content="{placeholder}">'
            '</head><body><article><time datetime="2024-02-03T04:05:06Z">3 Feb</time>'
            "</article></body>")
    assert _read(html).published_at == datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("2024-05-01T12:00:00-04:00", datetime(2024, 5, 1, 16, tzinfo=UTC)),
    ("2024-05-01T12:00:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),        # naive is UTC
    ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
    ("  2024-05-01T12:00:00.250Z ", datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)),
    (["2024-05-01T00:00:00Z", "2025-01-01T00:00:00Z"], datetime(2024, 5, 1, tzinfo=UTC)),
    ("2024-02-30", None),
    ("yesterday", None),
    ("", None),
    (None, None),
    (20240501, None),
])
def test_parse_date(value: object, expected: datetime | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(("names", "expected"), [
    (["By Ana Ruiz and Tom Bell"], ["Ana Ruiz", "Tom Bell"]),
    (["By Ana Ruiz and Tom Bell | Staff Reporters"], ["Ana Ruiz", "Tom Bell"]),
    (["BY Li Wei, Omar Haddad & Lena Voigt;"], ["Li Wei", "Omar Haddad", "Lena Voigt"]),
    (["Ana Ruiz, 3 May 2024"], ["Ana Ruiz"]),
    (["Ana Ruiz; Updated 12:30 GMT"], ["Ana Ruiz"]),
    (["From Reuters"], ["Reuters"]),
    (["Ana Ruiz", "ana ruiz", "ANA RUIZ"], ["Ana Ruiz"]),
    (["Sandra Anderson and Brandon Hale"], ["Sandra Anderson", "Brandon Hale"]),
    (["", "   ", "By "], []),
])
def test_clean_authors(names: list[str], expected: list[str]) -> None:
    cleaned = clean_authors(names)
    assert cleaned == expected
    assert not any(ch.isdigit() for name in cleaned for ch in name)


def test_byline_from_json_ld_is_cleaned() -> None:
    ld = {**ARTICLE_LD, "author": {"@type": "Person", "name": "By Ana Ruiz and Tom Bell"}}
    assert _read(f"<head>{_ld(ld)}</head>").authors == ["Ana Ruiz", "Tom Bell"]


def test_a_page_with_no_metadata_at_all() -> None:
    meta = _read("<html><body><p>Nothing declared here.</p></body></html>")
    assert meta == PageMetadata()


# What a hostile site can put in a headline: an ANSI colour, a hidden terminal link (OSC 8),
# a screen clear, a bidi override and a tab. JSON keeps them all as text ("\u001b").
ANSI_TITLE = ("\x1b[31mCeasefire\x1b[0m\tagreed \x1b]8;;https://evil.example/\x1b\\now"
              "\x1b]8;;\x1b\\ \u202eekaf\u202c\x1b[2J")


def test_control_characters_are_stripped_from_json_ld_title_summary_and_authors() -> None:
    data = {**ARTICLE_LD, "headline": ANSI_TITLE,
            "description": "Line one\x1b[1m\r\nline two\x07",
            "author": [{"@type": "Person", "name": "Ana\x1b[5m Ruiz\u2066"}],
            "articleSection": "World\x9b31m"}
    meta = _read(f"<html><head>{_ld(data)}</head><body></body></html>")
    assert meta.title == "Ceasefire\tagreed now ekaf"   # tab becomes a space in the Article
    assert meta.description == "Line one\nline two"
    assert meta.authors == ["Ana Ruiz"]
    assert meta.section == "World"


def test_control_characters_are_stripped_from_meta_tags_and_the_page_title() -> None:
    meta = _read('<html><head><title>Talks &#x202e;open&#x202c;</title>'
                 '<meta property="og:title" content="Talks&#x1b;[2J open&#x202e;">'
                 '<meta name="author" content="By Tom&#x1b;[1m Bell"></head><body></body></html>')
    assert meta.title == "Talks open"
    assert meta.page_title == "Talks open"
    assert meta.authors == ["Tom Bell"]


@pytest.mark.parametrize(("raw", "names"), [
    ("By Ana Ruiz\x1b[0m and Tom\tBell", ["Ana Ruiz", "Tom Bell"]),
    ("\u202eziuR anA", ["ziuR anA"]),
    ("\x1b]8;;https://evil.example\x07Ana Ruiz\x1b]8;;\x07", ["Ana Ruiz"]),
])
def test_bylines_lose_control_characters(raw: str, names: list[str]) -> None:
    assert clean_authors([raw]) == names
