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
