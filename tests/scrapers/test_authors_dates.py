"""Bylines cleaned into people; dates parsed to UTC with junk refused; the date fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scrapers.authors import clean_authors
from scrapers.dates_meta import date_from_url, guess_date, parse_date
from scrapers.extract import parse_page

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("names", "expected"), [
    (["By Ana Ruiz, Senior Correspondent"], ["Ana Ruiz"]),
    (["Ana Ruiz - Staff Writer"], ["Ana Ruiz"]),
    (["Written by Tom Bell and Li Wei"], ["Tom Bell", "Li Wei"]),
    (["Ana Ruiz is a reporter covering courts."], ["Ana Ruiz"]),
    (["ana@paper.example", "https://paper.example/staff/ana", "@anaruiz"], []),
    (["ANA RUIZ"], ["Ana Ruiz"]),
    (["Associated Press"], ["Associated Press"]),
    (["Ana Ruiz", "Tom Bell", "ana ruiz"], ["Ana Ruiz", "Tom Bell"]),
    (["Reporting by Ana Ruiz; Editing by Tom Bell"], ["Ana Ruiz", "Tom Bell"]),
    (["Published 3 May 2024 | Updated 4 May"], []),
    (["This is a very long sentence that is certainly not anybody's name at all"], []),
    (["Jean-Luc Picard & Beverly Crusher"], ["Jean-Luc Picard", "Beverly Crusher"]),
])
def test_bylines_become_people(names: list[str], expected: list[str]) -> None:
    assert clean_authors(names) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("Tue, 05 Mar 2024 10:00:00 GMT", datetime(2024, 3, 5, 10, tzinfo=UTC)),
    ("Tue, 05 Mar 2024 10:00:00 +0100", datetime(2024, 3, 5, 9, tzinfo=UTC)),
    ("2024-03-05 10:00:00 +0200", datetime(2024, 3, 5, 8, tzinfo=UTC)),
    ("2024/03/05 10:00", datetime(2024, 3, 5, 10, tzinfo=UTC)),
    ("20240305T100000Z", datetime(2024, 3, 5, 10, tzinfo=UTC)),
    ("2026-11-22T09:00:00Z", datetime(2026, 11, 22, 9, tzinfo=UTC)),  # a day ahead: a zone slip
    ("2027-01-01T00:00:00Z", None),        # weeks ahead of the clock: a template bug
    ("9999-12-31", None),
    ("0001-01-01T00:00:00Z", None),
    ("2024-13-01", None),
])
def test_parse_date_formats_and_junk(value: str, expected: datetime | None) -> None:
    assert parse_date(value, NOW) == expected


@pytest.mark.parametrize(("url", "expected"), [
    ("https://paper.example/2024/03/05/talks-open", datetime(2024, 3, 5, tzinfo=UTC)),
    ("https://paper.example/news/2024-03-05-talks", datetime(2024, 3, 5, tzinfo=UTC)),
    ("https://paper.example/a/20240305/talks", datetime(2024, 3, 5, tzinfo=UTC)),
    ("https://paper.example/2024/13/45/x", None),
    ("https://paper.example/story/123456789", None),
    ("https://paper.example/x?date=2024-03-05", None),   # the query is not the path
])
def test_date_from_url(url: str, expected: datetime | None) -> None:
    assert date_from_url(url, NOW) == expected


def test_htmldate_guess_from_visible_text() -> None:
    tree = parse_page("<html><body><div class='meta'>Posted on March 5, 2024</div>"
                      "<p>Some text of the story.</p><p>More text.</p></body></html>",
                      "https://paper.example/x")
    assert guess_date(tree, "https://paper.example/x", NOW) == datetime(2024, 3, 5, tzinfo=UTC)
