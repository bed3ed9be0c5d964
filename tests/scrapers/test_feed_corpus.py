"""Every real feed in the shared corpus parses into entries with absolute links and dates,
whatever its format and charset (windows-1252, ISO-8859-1, GB2312)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from scrapers.feeds import parse_feed
from tests.conftest import SHARED_CORPUS

FEEDS = SHARED_CORPUS / "feeds"
MANIFEST = json.loads((FEEDS / "manifest.json").read_text("utf-8")) if FEEDS.is_dir() else []
REAL_FEEDS = [m for m in MANIFEST if "sitemap" not in m["format"]]
# Items that are one page: the same link twice, or anchors (#a0806) into one daily page.
SAME_PAGE_ITEMS = {"daringfireball.rss": 1, "daringfireball.atom": 1, "scriptingnews.rss": 43}
# A title in each legacy-charset feed that only comes out right when decoded right.
CHARSET_TITLES = {
    "uol-noticias.rss": "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º "
                        "turno",
    "jornal-de-noticias.rss": "Mãe de utente é a nova presidente da Raríssimas",
    "kc0011-gb2312.rss": "建国35周年纪念，华表，和平鸽",
}


def _url(name: str) -> str:
    return f"https://feeds.example/{name}"


@pytest.mark.skipif(not FEEDS.is_dir(), reason=f"the shared corpus is absent ({FEEDS})")
def test_the_corpus_has_the_feeds_this_module_names() -> None:
    names = {m["file"] for m in REAL_FEEDS}
    assert len(names) == 21
    assert set(CHARSET_TITLES) | set(SAME_PAGE_ITEMS) <= names


@pytest.mark.skipif(not FEEDS.is_dir(), reason=f"the shared corpus is absent ({FEEDS})")
@pytest.mark.parametrize("item", REAL_FEEDS, ids=lambda m: m["file"])
def test_real_feed_parses_into_dated_absolute_entries(item: dict) -> None:
    entries = parse_feed((FEEDS / item["file"]).read_bytes(), url=_url(item["file"]))
    assert len(entries) == item["entries"] - SAME_PAGE_ITEMS.get(item["file"], 0)
    for entry in entries:
        assert re.match(r"^https?://[^/\s]+\.[a-z]{2,}(/|$)", entry.url), entry.url
        assert "#" not in entry.url and "utm_" not in entry.url
        assert entry.published_at is not None, (item["file"], entry.url)
        assert entry.published_at.utcoffset() is not None   # aware, in the feed's own offset
        assert datetime(2005, 1, 1, tzinfo=UTC) < entry.published_at < datetime.now(UTC)
        if entry.title:
            assert "<" not in entry.title and "&amp;" not in entry.title
    assert len({e.url for e in entries}) == len(entries)


@pytest.mark.skipif(not FEEDS.is_dir(), reason=f"the shared corpus is absent ({FEEDS})")
@pytest.mark.parametrize("name", sorted(CHARSET_TITLES))
@pytest.mark.parametrize("declaration", [True, False], ids=["xml-declaration", "undeclared"])
@pytest.mark.parametrize("content_type", [None, "text/xml", "application/rss+xml; charset=utf-8"])
def test_legacy_charsets_come_out_right(name: str, declaration: bool,
                                        content_type: str | None) -> None:
    """From the XML declaration, over a wrong HTTP header, or detected when nothing says."""
    body = (FEEDS / name).read_bytes()
    if not declaration:
        body = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", body)
    titles = [e.title for e in parse_feed(body, url=_url(name), content_type=content_type)]
    assert CHARSET_TITLES[name] in titles


def test_header_charset_decodes_an_undeclared_feed() -> None:
    feed = ("<rss version='2.0'><channel><title>T</title><item><title>Ação já</title>"
            "<link>https://paper.example/a</link><pubDate>Seg, 24 Set 2018 19:42:40 -0300"
            "</pubDate></item></channel></rss>")
    for charset in ("iso-8859-1", "windows-1252"):
        [entry] = parse_feed(feed.encode(charset), url="https://paper.example/feed",
                             content_type=f"application/rss+xml; charset={charset}")
        assert entry.title == "Ação já"
        assert entry.published_at == datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)


def test_google_alerts_links_lead_to_the_article_and_titles_lose_markup() -> None:
    feed = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Alert</title><entry><id>tag:google.com,2013:x</id>
<title type="html">Harbour &lt;b&gt;dredging&lt;/b&gt; to start</title>
<link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://paper.example/news/dredging%3Futm_source%3Dga&amp;ct=ga"/>
<published>2024-02-06T09:30:00Z</published><updated>2024-02-06T09:30:00Z</updated></entry>
<entry><id>x2</id><title>Relative</title><link href="/news/relative"/>
<updated>2024-02-06T09:30:00Z</updated></entry></feed>"""
    first, second = parse_feed(feed, url="https://alerts.example/feeds/1")
    assert first.url == "https://paper.example/news/dredging"
    assert first.title == "Harbour dredging to start"
    assert second.url == "https://alerts.example/news/relative"
