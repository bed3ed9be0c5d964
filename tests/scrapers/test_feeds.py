"""Feed parsing: RSS 2.0, Atom and JSON Feed into FeedEntry, plus the ways a feed goes wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from demo.articles import ARTICLES
from demo.catalog import article_path, visible_articles
from demo.routes import GARBAGE_BODY
from demo.server import DemoNewsServer
from scrapers.errors import MalformedFeed, NotAFeed
from scrapers.feeds import parse_feed


def _get(url: str) -> httpx.Response:
    response = httpx.get(url, timeout=10)
    response.raise_for_status()
    return response


@pytest.mark.parametrize("slug", ["harbour-times", "northern-ledger", "valley-courier"])
def test_demo_feed_entries_match_what_the_site_published(demo_server: DemoNewsServer,
                                                         slug: str) -> None:
    site = next(s for s in demo_server.sites() if s.slug == slug)
    response = _get(site.feed_url)
    entries = parse_feed(response.content, url=site.feed_url,
                         content_type=response.headers["content-type"])

    expected = visible_articles(slug, demo_server.clock.now())
    assert len(expected) >= 5
    # Feed order (newest first) is kept, and every link is the clean article URL.
    assert [e.url for e in entries] == \
        [demo_server.base_url + article_path(a) for a in expected]
    for entry, article in zip(entries, expected, strict=True):
        assert "utm_" not in entry.url
        assert entry.title == article.headline
        assert entry.summary == article.summary
        assert entry.published_at == article.published_at
        assert entry.published_at is not None and entry.published_at.tzinfo == UTC
        # Each person separately, whether the feed said "A and B", two <author>s or
        # "desk@paper.example (A)".
        assert entry.authors == tuple(article.byline), entry.url
        assert article.section in entry.tags
        assert set(article.tags) <= set(entry.tags)


def test_demo_feed_kinds_are_what_the_test_above_claims(demo_server: DemoNewsServer) -> None:
    kinds = {s.slug: s.feed_kind for s in demo_server.sites()}
    assert kinds == {"harbour-times": "rss", "northern-ledger": "atom", "valley-courier": "rss"}
    harbour = _get(demo_server.sites()[0].feed_url).text
    assert "utm_source=rss" in harbour   # the raw feed really carries tracking parameters


def test_rss_author_as_address_and_names_gives_the_names() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>https://paper.example/one</link>
<author>newsdesk@paper.example (Ana Ruiz, Tom Bell)</author></item>
<item><title>Two</title><link>https://paper.example/two</link>
<author>desk@paper.co.uk (Li Wei)</author></item>
<item><title>Three</title><link>https://paper.example/three</link>
<author>desk@paper.example</author></item>
</channel></rss>"""
    entries = parse_feed(feed, url="https://paper.example/feed")
    assert [e.authors for e in entries] == [("Ana Ruiz", "Tom Bell"), ("Li Wei",), ()]


def test_duplicate_links_in_one_feed_collapse_to_the_first() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>First copy</title><link>https://Paper.example/a?utm_source=rss#top</link></item>
<item><title>Other</title><link>https://paper.example/b</link></item>
<item><title>Second copy</title><link>https://paper.example:443/a?fbclid=1</link></item>
<item><title>Third copy</title><link>https://paper.example/a</link></item>
</channel></rss>"""
    entries = parse_feed(feed, url="https://paper.example/feed")
    assert [(e.url, e.title) for e in entries] == [
        ("https://paper.example/a", "First copy"),
        ("https://paper.example/b", "Other"),
    ]


def test_rss_dates_with_offsets_are_converted_to_utc() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>A</title><link>https://paper.example/a</link>
<pubDate>Tue, 05 Mar 2024 10:30:00 +0200</pubDate></item>
<item><title>B</title><link>https://paper.example/b</link>
<pubDate>Tue, 05 Mar 2024 23:30:00 -0500</pubDate></item>
<item><title>C</title><link>https://paper.example/c</link></item>
</channel></rss>"""
    entries = parse_feed(feed, url="https://paper.example/feed")
    assert [e.published_at for e in entries] == [
        datetime(2024, 3, 5, 8, 30, tzinfo=UTC),
        datetime(2024, 3, 6, 4, 30, tzinfo=UTC),
        None,
    ]


def test_atom_entry_without_published_uses_updated_and_alternate_link() -> None:
    feed = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id>
<updated>2024-03-05T10:00:00Z</updated>
<entry><title>Only updated</title><id>urn:1</id>
<link rel="enclosure" href="https://paper.example/audio.mp3"/>
<link rel="alternate" type="text/html" href="https://paper.example/story?utm_medium=atom"/>
<updated>2024-03-05T09:15:00+01:00</updated>
<author><name>Ana Ruiz</name></author><author><name>Tom Bell</name></author>
<category term="Politics"/></entry>
</feed>"""
    [entry] = parse_feed(feed, url="https://paper.example/atom.xml")
    assert entry.url == "https://paper.example/story"
    assert entry.published_at == datetime(2024, 3, 5, 8, 15, tzinfo=UTC)
    assert entry.authors == ("Ana Ruiz", "Tom Bell")
    assert entry.tags == ("Politics",)


def test_relative_and_non_http_links_are_resolved_or_skipped() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Relative</title><link>/news/relative-story</link></item>
<item><title>Mail</title><link>mailto:desk@paper.example</link></item>
<item><title>No link</title></item>
</channel></rss>"""
    entries = parse_feed(feed, url="https://paper.example/feeds/main.xml")
    assert [(e.title, e.url) for e in entries] == \
        [("Relative", "https://paper.example/news/relative-story")]


@pytest.mark.parametrize("content_type", [
    None, "application/rss+xml", "text/xml", "text/html; charset=utf-8", "text/plain"])
def test_a_valid_feed_with_no_items_is_empty_not_an_error(content_type: str | None) -> None:
    # Servers label feeds all sorts of ways; a quiet day must not look like a broken source.
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet day</title>
<link>https://paper.example/</link><description>d</description></channel></rss>"""
    assert parse_feed(feed, url="https://paper.example/feed", content_type=content_type) == []


@pytest.mark.parametrize("content_type", [None, "application/rss+xml", "text/html"])
def test_garbage_is_malformed_whatever_its_content_type(content_type: str | None) -> None:
    with pytest.raises(MalformedFeed):
        parse_feed(GARBAGE_BODY, url="https://paper.example/feed", content_type=content_type)


def test_garbage_feed_from_the_demo_is_malformed(demo_server: DemoNewsServer) -> None:
    response = _get(demo_server.garbage_feed_url)
    with pytest.raises(MalformedFeed) as caught:
        parse_feed(response.content, url=demo_server.garbage_feed_url,
                   content_type=response.headers["content-type"])
    assert caught.value.error_class == "malformed_feed"
    assert caught.value.transient is False
    assert caught.value.url == demo_server.garbage_feed_url
    assert "broken before its first entry" in caught.value.message
    assert "rss20" in caught.value.message


def test_an_html_page_is_not_a_feed(demo_server: DemoNewsServer) -> None:
    site = demo_server.sites()[0]
    response = _get(site.front_url)
    with pytest.raises(NotAFeed) as caught:
        parse_feed(response.content, url=site.front_url,
                   content_type=response.headers["content-type"])
    assert caught.value.error_class == "not_a_feed"
    assert "not an RSS, Atom or JSON feed" in caught.value.message


def test_plain_text_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed):
        parse_feed(b"Service Unavailable\n", url="https://paper.example/feed",
                   content_type="text/plain")


JSON_FEED_11 = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "The Paper",
    "home_page_url": "https://paper.example/",
    "authors": [{"name": "Newsdesk"}],
    "items": [
        {
            "id": "1",
            "url": "https://Paper.example/world/talks?utm_source=json&id=9#x",
            "title": "  Talks to open  ",
            "summary": "Negotiators meet next week.",
            "content_html": "<p>Long text</p>",
            "date_published": "2024-05-01T10:00:00+02:00",
            "authors": [{"name": "Ana Ruiz and Tom Bell"}],
            "tags": ["World", "Diplomacy"],
        },
        {
            "id": "2",
            "external_url": "https://other.example/linked",
            "content_text": "Text only item.",
            "date_modified": "2024-05-02T00:00:00Z",
        },
        {"id": "3", "url": "https://paper.example/world/talks?id=9", "title": "Duplicate"},
        {"id": "4", "content_text": "An item without any link is skipped."},
    ],
}


@pytest.mark.parametrize("content_type", ["application/feed+json", "application/json", None])
def test_json_feed_1_1_parses(content_type: str | None) -> None:
    body = json.dumps(JSON_FEED_11).encode()
    entries = parse_feed(body, url="https://paper.example/feed.json", content_type=content_type)
    assert len(entries) == 2
    first, second = entries
    assert first.url == "https://paper.example/world/talks?id=9"
    assert first.title == "Talks to open"
    assert first.summary == "Negotiators meet next week."
    assert first.published_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert first.authors == ("Ana Ruiz", "Tom Bell")
    assert first.tags == ("World", "Diplomacy")
    assert second.url == "https://other.example/linked"
    assert second.title is None
    assert second.summary == "Text only item."
    assert second.published_at == datetime(2024, 5, 2, tzinfo=UTC)
    assert second.authors == ("Newsdesk",)   # the feed's authors stand in for the item's


def test_json_feed_1_0_with_bom_and_single_author() -> None:
    doc = {"version": "https://jsonfeed.org/version/1", "title": "Old",
           "items": [{"id": "a", "url": "https://paper.example/a", "title": "A",
                      "author": {"name": "By Li Wei"}, "date_published": "2019-01-02T03:04:05Z"}]}
    [entry] = parse_feed(b"\xef\xbb\xbf" + json.dumps(doc).encode(), url="https://p.example/f")
    assert entry.authors == ("Li Wei",)
    assert entry.published_at == datetime(2019, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_json_that_is_not_a_json_feed() -> None:
    with pytest.raises(NotAFeed):
        parse_feed(b'{"status": "ok", "items": []}', url="https://api.example/x",
                   content_type="application/json")


def test_broken_json_feed_is_malformed() -> None:
    with pytest.raises(MalformedFeed) as caught:
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
                   url="https://paper.example/feed.json")
    assert "does not parse" in caught.value.message
    with pytest.raises(MalformedFeed):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": "none"}',
                   url="https://paper.example/feed.json")


def test_every_demo_article_belongs_to_a_known_site() -> None:
    # Guards the parametrization above: a new outlet must be added to the tests.
    assert {a.site for a in ARTICLES} == {"harbour-times", "northern-ledger", "valley-courier"}
