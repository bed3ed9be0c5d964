"""A page nested absurdly deep is refused before parsing, in well under a second (found by
the fault suite: 100,000 nested divs took 21 s of CPU in extraction, blocking the run's
event loop). Ordinary pages, also long ones, are untouched."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from scrapers.errors import NotAnArticle
from scrapers.extract import MAX_DEPTH, _depth_over, extract_article

WORDS = " ".join(["The harbour pilots counted barges outside the breakwater again."] * 8)


def _page(inner: str) -> str:
    return (f"<html><head><title>Pilots count barges</title></head><body>{inner}"
            "</body></html>")


def test_a_page_nested_100000_deep_is_refused_quickly() -> None:
    html = _page("<div>" * 100_000 + f"<p>{WORDS}</p>" + "</div>" * 100_000)
    started = time.perf_counter()
    with pytest.raises(NotAnArticle, match=f"nested more than {MAX_DEPTH} deep"):
        extract_article(html, url="http://x.example/a", source_id="s",
                        fetched_at=datetime.now(UTC))
    assert time.perf_counter() - started < 3.0


def test_a_long_flat_page_is_still_an_article() -> None:
    # Over the tag count that triggers the depth check, but shallow: kept.
    rows = "".join(f"<span>{i}</span>" for i in range(12_000))
    html = _page(f"<article><h1>Pilots count barges</h1><p>{WORDS}</p></article>{rows}")
    article = extract_article(html, url="http://x.example/a", source_id="s",
                              fetched_at=datetime.now(UTC))
    assert article.word_count >= 40


def test_unclosed_optional_tags_and_scripts_do_not_count_as_depth() -> None:
    html = "<ul>" + "<li>item" * 5000 + "</ul>" + "<script>" + "if (a<b) {}" * 3000 + \
        "</script>" + "<p>para" * 5000
    assert not _depth_over(html, 100)
    assert _depth_over("<section>" * 101, 100)
