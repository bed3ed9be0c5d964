"""A source's `headers` (API keys, cookies) go only to its own origin: two loopback servers on
different ports are two origins, and each records the headers it received."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from scrapers.fetch import Fetcher
from scrapers.models import Selectors, SourceConfig, SourceResult
from scrapers.pipeline import scrape_source
from scrapers.urls import headers_may_follow

from .fetching import fast, fetch
from .hostile_server import HostileServer, redirect_to, reply

SECRETS = {"Authorization": "Bearer s3cret", "X-Api-Key": "k3y", "Cookie": "session=abc"}
ARTICLE = ("<html><head><title>Pilots count barges</title></head><body><article>"
           "<h1>Pilots count barges</h1><p>" + "The harbour pilots counted barges again. " * 12
           + "</p></article></body></html>").encode()


@pytest.fixture
def other() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


def secrets_seen(server: HostileServer, path: str) -> list[set[str]]:
    """Per request to `path`: which of the source's headers it carried."""
    wanted = {name.lower() for name in SECRETS}
    return [wanted & set(r.headers) for r in server.requests_to(path)]


def scrape(source: SourceConfig) -> SourceResult:
    async def run() -> SourceResult:
        async with Fetcher(fast(retries=0)) as fetcher:
            return await scrape_source(source, fetcher)
    return asyncio.run(run())


def test_headers_are_dropped_on_a_cross_origin_redirect(hostile: HostileServer,
                                                        other: HostileServer) -> None:
    other.route("/land", reply(200, b"landed"))
    other.route("/robots.txt", reply(404))
    hostile.route("/robots.txt", reply(404))
    hostile.route("/back", redirect_to(other.base_url + "/again"))
    other.route("/again", redirect_to(hostile.base_url + "/home"))
    hostile.route("/home", reply(200, b"home"))
    start = hostile.route("/start", redirect_to(other.base_url + "/land"))
    assert fetch(start, headers=SECRETS).body == b"landed"
    assert secrets_seen(hostile, "/start") == [{"authorization", "x-api-key", "cookie"}]
    assert secrets_seen(other, "/land") == [set()]
    assert secrets_seen(other, "/robots.txt") == [set()]
    # Once gone, they stay gone, also when the chain comes back to the first origin.
    assert fetch(hostile.base_url + "/back", headers=SECRETS).body == b"home"
    assert secrets_seen(other, "/again") == [set()] and secrets_seen(hostile, "/home") == [set()]


def test_headers_follow_a_redirect_on_the_same_origin(hostile: HostileServer) -> None:
    hostile.route("/new", reply(200, b"moved"))
    start = hostile.route("/old", redirect_to("/new", 301))
    assert fetch(start, headers=SECRETS, robots=False).body == b"moved"
    assert secrets_seen(hostile, "/new") == [{"authorization", "x-api-key", "cookie"}]


class _Streamed(httpx.AsyncByteStream):
    """A body read as from the network (the fetcher reads raw, in pieces)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.body


def test_headers_are_dropped_from_https_down_to_http_and_kept_up_to_https() -> None:
    """No TLS server here: httpx's MockTransport stands in for the network, so the fetcher's
    own redirect handling sees real https and http URLs."""
    seen: dict[str, set[str]] = {}

    def site(request: httpx.Request) -> httpx.Response:
        seen[str(request.url)] = {n for n in ("authorization", "x-api-key")
                                  if n in request.headers}
        if request.url.path == "/down":
            return httpx.Response(301, headers={"Location": "http://paper.example/plain"})
        if request.url.path == "/up":
            return httpx.Response(301, headers={"Location": "https://paper.example/secure"})
        return httpx.Response(200, stream=_Streamed(b"ok"))

    async def run(url: str) -> None:
        async with Fetcher(fast(), transport=httpx.MockTransport(site)) as fetcher:
            await fetcher.get(url, headers=SECRETS, robots=False)
    asyncio.run(run("https://paper.example/down"))
    asyncio.run(run("http://paper.example/up"))
    both = {"authorization", "x-api-key"}
    assert seen == {"https://paper.example/down": both, "http://paper.example/plain": set(),
                    "http://paper.example/up": both, "https://paper.example/secure": both}


@pytest.mark.parametrize(("home", "url", "allowed"), [
    ("https://a.example/feed", "https://a.example/x", True),
    ("https://a.example/feed", "https://A.example:443/x", True),
    ("http://a.example/feed", "https://a.example/x", True),
    ("https://a.example/feed", "http://a.example/x", False),
    ("https://a.example/feed", "https://b.example/x", False),
    ("https://a.example/feed", "https://cdn.a.example/x", False),
    ("https://a.example/feed", "https://a.example:8443/x", False),
    ("http://a.example:8080/feed", "https://a.example/x", False),
    ("https://a.example/feed", "https://[oops/x", False),
])
def test_which_urls_get_a_source_headers(home: str, url: str, allowed: bool) -> None:
    assert headers_may_follow(home, url) is allowed


def test_feed_articles_on_other_origins_are_fetched_without_the_headers(
        hostile: HostileServer, other: HostileServer) -> None:
    for server in (hostile, other):
        server.route("/robots.txt", reply(404))
        server.route("/a", reply(200, ARTICLE, content_type="text/html"))
    items = "".join(f"<item><title>t</title><link>{base}/a</link></item>"
                    for base in (hostile.base_url, other.base_url))
    feed = hostile.route("/feed", reply(200, (
        f'<rss version="2.0"><channel><title>c</title>{items}</channel></rss>').encode(),
        content_type="application/rss+xml"))
    result = scrape(SourceConfig(id="s", url=feed, headers=SECRETS))
    assert len(result.articles) == 2
    everything = {"authorization", "x-api-key", "cookie"}
    assert secrets_seen(hostile, "/feed") == [everything]
    assert secrets_seen(hostile, "/a") == [everything]
    assert secrets_seen(other, "/a") == [set()] and secrets_seen(other, "/robots.txt") == [set()]


def test_sitemap_children_and_listing_links_elsewhere_get_no_headers(
        hostile: HostileServer, other: HostileServer) -> None:
    for server in (hostile, other):
        server.route("/robots.txt", reply(404))
        server.route("/a", reply(200, ARTICLE, content_type="text/html"))
    other.route("/child.xml", reply(200, (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
        f"<loc>{other.base_url}/a</loc></url></urlset>").encode(),
        content_type="application/xml"))
    index = hostile.route("/index.xml", reply(200, (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
        f"<loc>{other.base_url}/child.xml</loc></sitemap></sitemapindex>").encode(),
        content_type="application/xml"))
    listing = hostile.route("/list", reply(200, (
        f'<html><body><h3><a href="{other.base_url}/a">Elsewhere</a></h3>'
        '<h3><a href="/a">Here</a></h3></body></html>').encode(), content_type="text/html"))
    sitemap = scrape(SourceConfig(id="s", url=index, kind="sitemap", max_age="3650d",
                                  headers=SECRETS))
    assert len(sitemap.articles) == 1
    found = scrape(SourceConfig(id="l", url=listing, kind="listing",
                                selectors=Selectors(links="h3 a"), headers=SECRETS))
    assert len(found.articles) == 2
    everything = {"authorization", "x-api-key", "cookie"}
    assert secrets_seen(hostile, "/index.xml") == [everything]
    assert secrets_seen(hostile, "/list") == [everything]
    assert secrets_seen(hostile, "/a") == [everything]
    assert secrets_seen(other, "/child.xml") == [set()]
    assert secrets_seen(other, "/a") == [set(), set()]
