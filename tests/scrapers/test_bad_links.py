"""Links that are no URLs at all (a port out of range, a broken IPv6 host, a javascript:
canonical) are skipped, never raised (found by tests/property: one such feed item raised
ValueError out of parse_feed, and scrape_source let it take the whole run down)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scrapers.extract import extract_article
from scrapers.feeds import parse_feed

BAD = ["http://news.example:99999/a", "http://news.example:port/a", "http://[::1/a"]
WORDS = " ".join(["The harbour pilots counted barges outside the breakwater again."] * 8)


def _rss(*links: str) -> bytes:
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>{items}'
            "</channel></rss>").encode()


@pytest.mark.parametrize("bad", BAD)
def test_a_feed_item_with_a_broken_link_is_skipped(bad: str) -> None:
    entries = parse_feed(_rss(bad, "http://news.example/good"), url="http://news.example/f")
    assert [e.url for e in entries] == ["http://news.example/good"]


@pytest.mark.parametrize("bad", BAD)
def test_a_json_feed_item_with_a_broken_link_is_skipped(bad: str) -> None:
    body = ('{"version": "https://jsonfeed.org/version/1.1", "items": ['
            f'{{"url": "{bad}"}}, {{"url": "http://news.example/good"}}]}}').encode()
    assert [e.url for e in parse_feed(body, url="http://x/f")] == ["http://news.example/good"]


@pytest.mark.parametrize("canonical", [*BAD, "javascript:alert(1)", "mailto:desk@x.example"])
def test_a_broken_canonical_link_leaves_the_followed_url(canonical: str) -> None:
    html = (f'<html><head><title>Pilots count barges</title><link rel="canonical" '
            f'href="{canonical}"></head><body><article><h1>Pilots count barges</h1>'
            f"<p>{WORDS}</p></article></body></html>")
    article = extract_article(html, url="http://news.example/a/1", source_id="s",
                              fetched_at=datetime.now(UTC))
    assert article.url == "http://news.example/a/1"
