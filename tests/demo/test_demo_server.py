"""End-to-end checks of the demo news web, over real HTTP on 127.0.0.1: feeds, validators,
the clock, redirects and misbehaving sources."""

from __future__ import annotations

import html
import json
import socket
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from demo.clock import ADVANCE_HOURS, DEFAULT_START
from demo.server import DemoNewsServer

from .page_parsing import parse_feed, parse_page
from .serving import (
    AFTER_ADVANCE,
    FEED_TYPES,
    appearing_in_advance,
    fetch,
    published_by,
    site_named,
    url_of,
)


def test_front_pages_and_feeds_answer_with_the_right_content_types(
    server: DemoNewsServer,
) -> None:
    sites = server.sites()
    assert len(sites) >= 3
    assert {"rss", "atom"} <= {site.feed_kind for site in sites}
    assert server.base_url.startswith("http://127.0.0.1:") and not server.base_url.endswith("/")
    for site in sites:
        assert site.front_url == f"{server.base_url}/{site.slug}/"
        front = fetch(site.front_url)
        assert front.status == 200
        assert front.headers["Content-Type"] == "text/html; charset=utf-8"
        newest = max(published_by(DEFAULT_START, site.slug), key=lambda a: a.published_at)
        assert newest.headline.replace("&", "&amp;") in front.text
        feed = fetch(site.feed_url)
        assert feed.status == 200
        assert feed.headers["Content-Type"].split(";")[0] == FEED_TYPES[site.feed_kind]
        ET.fromstring(feed.body)  # well-formed XML



def test_feed_entries_are_complete_and_newest_first(server: DemoNewsServer) -> None:
    for site in server.sites():
        entries = parse_feed(fetch(site.feed_url).body)
        expected = sorted(
            published_by(DEFAULT_START, site.slug), key=lambda a: a.published_at, reverse=True
        )
        assert [e.title for e in entries] == [a.headline for a in expected]
        for entry, article in zip(entries, expected, strict=True):
            assert entry.link.split("?")[0] == url_of(server, article)
            assert entry.entry_id and entry.published and entry.summary == article.summary
            assert any(article.byline[0] in author for author in entry.authors)
            assert article.section in entry.categories
        assert len({e.entry_id for e in entries}) == len(entries)



def test_feed_grows_by_the_articles_published_during_the_advance(
    server: DemoNewsServer,
) -> None:
    def total_items() -> int:
        return sum(len(parse_feed(fetch(site.feed_url).body)) for site in server.sites())

    before = total_items()
    assert before == len(published_by(DEFAULT_START)) >= 30
    server.clock.advance(ADVANCE_HOURS)
    after = total_items()
    assert after == len(published_by(AFTER_ADVANCE))
    assert after - before == len(appearing_in_advance()) >= 3



def test_unpublished_article_is_404_until_the_clock_reaches_it(server: DemoNewsServer) -> None:
    upcoming = appearing_in_advance()
    for article in upcoming:
        assert fetch(url_of(server, article)).status == 404
        assert article.headline not in fetch(f"{server.base_url}/{article.site}/").text
    server.clock.advance(ADVANCE_HOURS)
    for article in upcoming:
        page = fetch(url_of(server, article))
        assert page.status == 200
        assert parse_page(page.body).headings == [article.headline]
        assert article.headline in fetch(f"{server.base_url}/{article.site}/").text



def test_feed_answers_304_to_its_own_validators(server: DemoNewsServer) -> None:
    for site in server.sites():
        first = fetch(site.feed_url)
        etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert etag and last_modified
        again = fetch(site.feed_url, headers={"If-None-Match": etag})
        assert again.status == 304 and again.body == b""
        assert again.headers["ETag"] == etag
        since = fetch(site.feed_url, headers={"If-Modified-Since": last_modified})
        assert since.status == 304
        other = fetch(site.feed_url, headers={"If-None-Match": '"something-else"'})
        assert other.status == 200 and other.body == first.body
    # Tags taken before the advance stop matching once new items are out; new ones match.
    stale = {site.slug: fetch(site.feed_url).headers["ETag"] for site in server.sites()}
    server.clock.advance(ADVANCE_HOURS)
    for site in server.sites():
        fresh = fetch(site.feed_url, headers={"If-None-Match": stale[site.slug]})
        assert fresh.status == 200 and fresh.headers["ETag"] != stale[site.slug]
        repeat = fetch(site.feed_url, headers={"If-None-Match": fresh.headers["ETag"]})
        assert repeat.status == 304



def test_tracking_parameters_serve_the_page_with_a_clean_canonical(
    server: DemoNewsServer,
) -> None:
    tracked_sites = set()
    for site in server.sites():
        for entry in parse_feed(fetch(site.feed_url).body):
            if "utm_" not in entry.link:
                assert "?" not in entry.link
                continue
            tracked_sites.add(site.slug)
            clean = entry.link.split("?")[0]
            page = parse_page(fetch(entry.link).body)
            assert page.canonical == clean
            assert page.headings == [entry.title]
            assert parse_page(fetch(clean).body).canonical == clean
    assert len(tracked_sites) == 1



def test_control_endpoint_moves_the_clock(server: DemoNewsServer) -> None:
    control = f"{server.base_url}/_demo/clock"
    current = fetch(control)
    assert current.status == 200
    assert current.headers["Content-Type"] == "application/json"
    assert datetime.fromisoformat(json.loads(current.text)["now"]) == DEFAULT_START
    moved = fetch(f"{control}?advance_hours={ADVANCE_HOURS:g}", method="POST")
    assert moved.status == 200
    assert datetime.fromisoformat(json.loads(moved.text)["now"]) == AFTER_ADVANCE
    assert server.clock.now() == AFTER_ADVANCE
    assert fetch(f"{control}?advance_hours=soon", method="POST").status == 400
    assert fetch(f"{control}?advance_hours=-3", method="POST").status == 400
    assert server.clock.now() == AFTER_ADVANCE
    reset = fetch(f"{control}?set=2026-11-21T12:00:00%2B00:00", method="POST")
    assert datetime.fromisoformat(json.loads(reset.text)["now"]) == DEFAULT_START



def test_misbehaving_sources(server: DemoNewsServer) -> None:
    garbage = fetch(server.garbage_feed_url)
    assert garbage.status == 200
    assert garbage.headers["Content-Type"] == "application/rss+xml"
    assert garbage.body
    with pytest.raises(ET.ParseError):
        ET.fromstring(garbage.body)
    down = fetch(server.error_feed_url)
    assert down.status == 503
    assert garbage.body != down.body



def test_sections_redirects_and_unknown_paths(server: DemoNewsServer) -> None:
    ledger = site_named(server, "northern-ledger")
    sport = fetch(ledger.front_url + "sport/")
    assert sport.status == 200
    sport_headlines = {
        a.headline for a in published_by(DEFAULT_START, "northern-ledger") if a.section == "Sport"
    }
    assert sport_headlines and all(html.escape(h) in sport.text for h in sport_headlines)
    assert "Kettle &amp; Co" not in sport.text
    assert fetch(f"{server.base_url}/northern-ledger").status == 200  # 301 followed
    assert fetch(f"{server.base_url}/no-such-paper/").status == 404
    assert fetch(ledger.front_url + "world/not-a-story").status == 404
    assert fetch(f"{server.base_url}/").status == 200
    head = fetch(ledger.feed_url, method="HEAD")
    assert head.status == 200 and head.body == b""
    assert fetch(ledger.feed_url, method="DELETE").status in (405, 501)



def test_server_survives_malformed_requests(server: DemoNewsServer) -> None:
    host, port = server.base_url.removeprefix("http://").split(":")
    for junk in (
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
    ):
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            connection.sendall(junk)
            connection.shutdown(socket.SHUT_WR)
            while connection.recv(4096):
                pass
    assert fetch(site_named(server, "valley-courier").front_url).status == 200



def test_stopped_server_refuses_connections() -> None:
    running = DemoNewsServer().start()
    url = running.sites()[0].feed_url
    assert fetch(url).status == 200
    running.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)

