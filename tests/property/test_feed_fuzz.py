"""The feed parser on random bytes and on mutated real feeds: a list of entries or one of its
documented errors (NotAFeed, MalformedFeed), never another exception, never a hang."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from demo.catalog import feed_path
from scrapers.errors import MalformedFeed, NotAFeed
from scrapers.feeds import parse_feed
from scrapers.models import FeedEntry
from tests.conftest import SHARED_CORPUS

from .strategies import FUZZ, demo_document, mutated

RSS = demo_document(feed_path("harbour-times"))
ATOM = demo_document(feed_path("northern-ledger"))
JSON_FEED = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": ['
             b'{"id": "1", "url": "http://a.example/1", "title": "One", "date_published": '
             b'"2026-11-21T09:00:00Z", "authors": [{"name": "Ana Ruiz"}], "tags": ["x"]}]}')
# Real feeds from the shared corpus where it is present (CI runs without it).
CORPUS = sorted((SHARED_CORPUS / "feeds").glob("*.*")) if SHARED_CORPUS.is_dir() else []
REAL = [p.read_bytes() for p in CORPUS if p.suffix != ".md" and p.stat().st_size < 300_000]
BASES = [RSS, ATOM, JSON_FEED, *REAL[:6]]


def _parse(body: bytes) -> list[FeedEntry] | None:
    try:
        entries = parse_feed(body, url="http://feed.example/feed.xml")
    except (NotAFeed, MalformedFeed) as exc:
        assert exc.message and exc.url == "http://feed.example/feed.xml"
        return None
    for entry in entries:
        assert entry.url.startswith(("http://", "https://"))
    assert len({e.url for e in entries}) == len(entries), "an entry listed twice"
    return entries


def test_the_bases_parse() -> None:
    assert len(_parse(RSS) or []) > 5 and len(_parse(ATOM) or []) > 5
    assert len(_parse(JSON_FEED) or []) == 1


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes(body: bytes) -> None:
    _parse(body)


@FUZZ
@given(st.sampled_from(BASES).flatmap(mutated))
def test_mutated_feeds(body: bytes) -> None:
    _parse(body)


@FUZZ
@given(st.text(max_size=200), st.text(max_size=80))
@example("news.example:99999/a", "port out of range")   # raised ValueError before the fix
def test_hostile_links_and_titles(link: str, title: str) -> None:
    # Links with odd ports, schemes or characters must not escape as ValueError & co.
    from xml.sax.saxutils import escape
    body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"<item><title>{escape(title)}</title><link>http://{escape(link)}</link></item>"
            f"<item><title>x</title><link>{escape(link)}</link></item>"
            "</channel></rss>").encode("utf-8", "surrogatepass")
    _parse(body)


def test_every_corpus_feed_parses_into_entries(corpus: Path) -> None:
    """The real feeds parse (no NotAFeed, no MalformedFeed, nothing else raised) into entries,
    and the corpus bases mutated above are among them: the fuzzing starts from real feeds."""
    manifest = json.loads((corpus / "feeds" / "manifest.json").read_text("utf-8"))
    feeds = {m["file"]: (corpus / "feeds" / m["file"]).read_bytes() for m in manifest
             if "sitemap" not in m["format"]}
    assert len(feeds) >= 20
    for name, body in feeds.items():
        entries = parse_feed(body, url="http://feed.example/feed.xml")
        assert entries, f"{name}: no entries"
        assert _parse(body) == entries, name
    assert REAL[:6] and all(base in feeds.values() for base in REAL[:6])
