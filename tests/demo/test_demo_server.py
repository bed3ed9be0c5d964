"""End-to-end checks of the demo news web, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import html
import json
import re
import socket
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest

from demo.articles import ARTICLES, DemoArticle
from demo.clock import ADVANCE_HOURS, DEFAULT_START, DemoClock
from demo.html_parts import join_names
from demo.server import DemoNewsServer, DemoSite

from .page_parsing import parse_feed, parse_page

AFTER_ADVANCE = DEFAULT_START + timedelta(hours=ADVANCE_HOURS)
CEASEFIRE_WORDS = re.compile(r"cease[\s-]?fire", re.IGNORECASE)
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


@dataclass
class Fetched:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> Fetched:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Fetched(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:  # 304, 404 and 503 arrive here
        with error:
            return Fetched(error.code, error.headers, error.read())


@pytest.fixture
def server() -> Iterator[DemoNewsServer]:
    with DemoNewsServer(DemoClock()) as running:
        yield running


def url_of(server: DemoNewsServer, article: DemoArticle) -> str:
    return f"{server.base_url}/{article.site}/{article.path}"


def site_named(server: DemoNewsServer, slug: str) -> DemoSite:
    return next(site for site in server.sites() if site.slug == slug)


def published_by(when: datetime, site: str | None = None) -> list[DemoArticle]:
    return [a for a in ARTICLES if a.published_at <= when and (site is None or a.site == site)]


def appearing_in_advance() -> list[DemoArticle]:
    return [a for a in ARTICLES if DEFAULT_START < a.published_at <= AFTER_ADVANCE]


def only(articles: list[DemoArticle]) -> DemoArticle:
    assert len(articles) == 1, [a.path for a in articles]
    return articles[0]


# --- content constraints -------------------------------------------------------------------


def test_article_counts_before_and_after_the_advance() -> None:
    assert datetime(2026, 11, 21, 12, 0, tzinfo=UTC) == DEFAULT_START
    assert ADVANCE_HOURS == 24.0
    assert len(ARTICLES) >= 33
    assert len(published_by(DEFAULT_START)) >= 30
    assert len(appearing_in_advance()) >= 3
    for article in ARTICLES:
        assert datetime(2026, 11, 15, tzinfo=UTC) <= article.published_at
        assert article.published_at < datetime(2026, 11, 23, tzinfo=UTC)
        assert article.published_at.utcoffset() == timedelta(0)
        assert 4 <= len(article.paragraphs) <= 9, article.path
        assert article.byline and article.section and article.tags and article.summary


def test_paths_are_unique_and_related_links_stay_on_the_same_site() -> None:
    keys = [(a.site, a.path) for a in ARTICLES]
    assert len(keys) == len(set(keys))
    for article in ARTICLES:
        for path in article.related:
            assert (article.site, path) in keys, (article.path, path)
            assert path != article.path


def test_wire_story_has_two_early_copies_and_a_late_third() -> None:
    copies = [a for a in ARTICLES if a.story is not None]
    assert len({a.story for a in copies}) == 1
    assert len({a.site for a in copies}) == 3
    early = [a for a in copies if a.published_at <= DEFAULT_START]
    late = only([a for a in copies if a.published_at > DEFAULT_START])
    assert len(early) == 2 and early[0].site != early[1].site
    assert early[0].paragraphs == early[1].paragraphs
    assert late.published_at <= AFTER_ADVANCE
    assert late.paragraphs == early[0].paragraphs[: len(late.paragraphs)]
    assert len(late.paragraphs) < len(early[0].paragraphs)
    assert len({a.headline for a in copies}) == 3
    # The ceasefire is stated in a sentence of its own, not just implied by the headline.
    sentences = re.split(r"(?<=[.”])\s+", " ".join(early[0].paragraphs))
    assert any(s.startswith("Negotiators") and "talks on a ceasefire" in s for s in sentences)
    for copy in copies:
        assert copy.labels >= {"ceasefire"}


def test_summit_story_never_mentions_a_ceasefire() -> None:
    summit = only([a for a in ARTICLES if "summit" in a.labels])
    assert summit.published_at.date().isoformat() == "2026-11-19"
    assert summit.published_at.strftime("%A") == "Thursday"
    assert "will meet in Geneva next Tuesday" in " ".join(summit.paragraphs)
    assert "ceasefire" not in summit.labels
    assert not CEASEFIRE_WORDS.search(summit.full_text())
    assert not CEASEFIRE_WORDS.search(summit.dateline or "")


def test_new_ceasefire_story_is_separate_from_the_wire_copy() -> None:
    fresh = only([a for a in ARTICLES if "ceasefire" in a.labels and a.story is None])
    assert DEFAULT_START < fresh.published_at <= AFTER_ADVANCE
    wire_paragraphs = {p for a in ARTICLES if a.story for p in a.paragraphs}
    assert not wire_paragraphs & set(fresh.paragraphs)
    assert CEASEFIRE_WORDS.search(" ".join(fresh.paragraphs))


def test_distractors_tempt_but_never_say_ceasefire() -> None:
    def find(pattern: str) -> DemoArticle:
        return only([a for a in ARTICLES if re.search(pattern, a.full_text())])

    distractors = [
        find(r"\btruce\b.*players’ union|players’ union.*\btruce\b"),
        find(r"will cease production in March"),
        find(r"ceased\. Fire"),
        find(r"^Firefighters"),
    ]
    assert distractors[0].section == "Sport"
    assert distractors[1] is distractors[2]  # one business story carries both traps
    for article in distractors:
        assert "ceasefire" not in article.labels
        assert not CEASEFIRE_WORDS.search(article.full_text()), article.path
    # The same holds for every article that is not labelled as being about a ceasefire.
    for article in ARTICLES:
        if "ceasefire" not in article.labels:
            assert not CEASEFIRE_WORDS.search(article.full_text()), article.path


def test_fictional_leaders_and_mediator_recur_and_some_stories_have_several_authors() -> None:
    texts = [a.full_text() for a in ARTICLES]
    for name in ("Volkas", "Marsk", "Halvorsen"):
        assert sum(name in text for text in texts) >= 4, name
    assert sum(len(a.byline) > 1 for a in ARTICLES) >= 3
    assert any(a.updated_at is not None and a.updated_at > a.published_at for a in ARTICLES)


# --- serving --------------------------------------------------------------------------------


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
