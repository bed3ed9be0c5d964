"""Publication dates in the page's own calendar, legacy labels on UTF-8 pages, and the date a
refused page found."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from scrapers.dates_meta import parse_date
from scrapers.errors import NotAnArticle
from scrapers.extract import decode_html, extract_article

FETCHED = datetime(2026, 11, 27, tzinfo=UTC)
BODY = " ".join(["The ministers will meet again in the spring to review progress."] * 20)


def page(published: str, body: str = BODY, og_type: str = "article") -> str:
    return (f'<html><head><title>Talks resume</title><meta property="og:type" '
            f'content="{og_type}"><meta property="article:published_time" '
            f'content="{published}"></head><body><h1>Talks resume</h1><p>{body}</p>'
            "</body></html>")


@pytest.mark.parametrize("written", ["2020-02-15T07:00:00+09:00", "2020-02-15 07:00 +0900",
                                     "2020/02/15 07:00:00 +09:00"])
def test_a_tokyo_page_keeps_its_own_day_and_offset(written: str) -> None:
    article = extract_article(page(written), url="https://news.example.jp/a", source_id="jp",
                              fetched_at=FETCHED)
    assert article.published_at is not None
    assert article.published_at.date() == date(2020, 2, 15)           # not the UTC 14th
    assert article.published_at.utcoffset() == timedelta(hours=9)
    assert article.published_at == datetime(2020, 2, 14, 22, tzinfo=UTC)   # same instant


def test_naive_times_are_utc_and_junk_is_still_refused() -> None:
    assert parse_date("2020-02-15 07:00") == datetime(2020, 2, 15, 7, tzinfo=UTC)
    assert parse_date("1970-01-01T00:00:00+09:00") is None


def test_a_utf8_page_labelled_latin1_reads_as_utf8() -> None:
    html = ('<html><head><meta charset="iso-8859-1"></head><body><p>Forstærket håb</p>'
            "</body></html>").encode()
    assert "Forstærket håb" in decode_html(html, None)
    assert "Forstærket håb" in decode_html(html, "ISO-8859-1")
    really_latin1 = "<p>Forstærket håb</p>".encode("latin-1")
    assert decode_html(really_latin1, "iso-8859-1") == "<p>Forstærket håb</p>"


def test_a_refused_page_still_reports_its_date() -> None:
    with pytest.raises(NotAnArticle) as refused:
        extract_article(page("2020-02-15T07:00:00+09:00", body="Too short."),
                        url="https://news.example.jp/b", source_id="jp", fetched_at=FETCHED)
    assert "the page's date: 2020-02-15T07:00:00+09:00" in refused.value.message


def with_script(published: str, script: str) -> str:
    return page(published).replace("</head>", f"<script>{script}</script></head>")


def test_a_date_declared_in_utc_takes_the_offset_the_page_writes_for_the_same_instant() -> None:
    # Meta tags in UTC (the 9th); the page's own scripts give the same instant at -06:00 (the
    # 8th, the day its readers saw).
    html = with_script("2023-11-09T05:30:59+00:00",
                       "var meta = {'Publish Hour of Day' : '2023-11-08T23:30:59-06:00', "
                       "'Update Hour of Day' : '2023-11-09T00:21:49-06:00'};")
    article = extract_article(html, url="https://news.example.com/mayor", source_id="mn",
                              fetched_at=FETCHED)
    assert article.published_at is not None
    assert article.published_at.date() == date(2023, 11, 8)
    assert article.published_at.utcoffset() == timedelta(hours=-6)
    assert article.published_at == datetime(2023, 11, 9, 5, 30, 59, tzinfo=UTC)


@pytest.mark.parametrize("script", [
    "var modified = '2023-11-09T00:21:49-06:00';",      # another instant: not the same date
    "var built = '2023-11-08T14:30:59-15:00';",          # no zone is 15 hours behind
    "var none = 1;",
])
def test_without_a_twin_the_date_stays_in_utc(script: str) -> None:
    article = extract_article(with_script("2023-11-09T05:30:59Z", script),
                              url="https://news.example.com/mayor", source_id="mn",
                              fetched_at=FETCHED)
    assert article.published_at == datetime(2023, 11, 9, 5, 30, 59, tzinfo=UTC)
    assert article.published_at is not None and article.published_at.utcoffset() == timedelta(0)
