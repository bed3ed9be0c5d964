"""Private addresses are refused unless a source or the run opts in, checked on the address
actually connected to. These tests run WITHOUT the test suite's opt-in: each builds its own
FetchPolicy. The test servers are on 127.0.0.1, itself a private address, so the policy
exempts exactly that one address (`allowed_networks`) where a test needs a first hop; every
other address gets the default rules. A second server on 127.0.0.2 counts whatever reaches it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Iterator
from typing import Any

import pytest

from core.settings import Settings
from pipeline.fetching import fetch_policy
from scrapers import errors
from scrapers.addresses import refusal
from scrapers.fetch import Fetcher, FetchPolicy, Response
from scrapers.models import SourceConfig, SourceResult
from scrapers.pipeline import scrape_source

from .fetching import fast
from .hostile_server import HostileServer, redirect_to, reply

HOME = ("127.0.0.1/32",)   # the test server's own address: the only exemption


@pytest.fixture
def second() -> Iterator[HostileServer]:
    """A server on 127.0.0.2: loopback, private, and not exempted."""
    with HostileServer("127.0.0.2") as server:
        server.route("/robots.txt", reply(404))
        yield server


def policy(**overrides: Any) -> FetchPolicy:
    return fast(**{"retries": 0, "allow_private_addresses": False, **overrides})


def get(url: str, p: FetchPolicy, **kwargs: Any) -> Response | errors.ScrapeError:
    async def run() -> Response | errors.ScrapeError:
        async with Fetcher(p) as fetcher:
            try:
                return await fetcher.get(url, **kwargs)
            except errors.ScrapeError as exc:
                return exc
    return asyncio.run(run())


def scrape(source: SourceConfig, p: FetchPolicy) -> SourceResult:
    async def run() -> SourceResult:
        async with Fetcher(p) as fetcher:
            return await scrape_source(source, fetcher)
    return asyncio.run(run())


def _rss(*links: str) -> bytes:
    items = "".join(f"<item><title>Item {n}</title><link>{link}</link></item>"
                    for n, link in enumerate(links))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>{items}'
            "</channel></rss>").encode()


ARTICLE = ("<html><head><title>Pilots count barges</title></head><body><article>"
           "<h1>Pilots count barges</h1><p>" + "The harbour pilots counted barges again. " * 12
           + "</p></article></body></html>").encode()


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.2", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
    ("192.168.1.1", "private"), ("169.254.169.254", "link-local"), ("100.64.0.1", "shared"),
    ("224.0.0.251", "multicast"), ("0.0.0.0", "unspecified"), ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"), ("198.18.0.1", "private"), ("::1", "loopback"),
    ("::", "unspecified"), ("fe80::1", "link-local"), ("fc00::1", "private"),
    ("ff02::1", "multicast"), ("fec0::1", "site-local"), ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:169.254.169.254", "link-local"), ("::ffff:10.0.0.1", "private"),
    ("2002:7f00:1::", "loopback"), ("64:ff9b::a9fe:a9fe", "link-local"),
    ("2001:db8::1", "private"), ("::127.0.0.1", "reserved"),
])
def test_non_public_addresses_are_named(address: str, reason: str) -> None:
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111",
                                     "::ffff:93.184.215.14", "64:ff9b::808:808", "1.1.1.1"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_a_redirect_to_127_0_0_2_is_refused_and_nothing_reaches_it(
        hostile: HostileServer, second: HostileServer) -> None:
    second.route("/secret", reply(200, b"internal"))
    start = hostile.route("/go", redirect_to(second.base_url + "/secret"))
    outcome = get(start, policy(allowed_networks=HOME), robots=False)
    assert isinstance(outcome, errors.BlockedAddress)
    assert "127.0.0.2 is a loopback address" in outcome.message
    assert outcome.url == second.base_url + "/secret"
    assert second.hits == {}
    # Opted in (the request, as a source's allow_private_addresses does; or the policy):
    # the same redirect is followed.
    for p, kwargs in ((policy(), {"allow_private": True}),
                      (policy(allow_private_addresses=True), {})):
        answer = get(start, p, robots=False, **kwargs)
        assert isinstance(answer, Response) and answer.body == b"internal"
    assert second.hits["/secret"] == 2


def test_a_feed_item_linking_to_127_0_0_2_is_refused(
        hostile: HostileServer, second: HostileServer) -> None:
    second.route("/internal", reply(200, ARTICLE, content_type="text/html"))
    hostile.route("/robots.txt", reply(404))
    hostile.route("/a", reply(200, ARTICLE, content_type="text/html"))
    feed = hostile.route("/feed", reply(200, _rss(hostile.base_url + "/a",
                                                  second.base_url + "/internal"),
                                        content_type="application/rss+xml"))
    result = scrape(SourceConfig(id="s", url=feed), policy(allowed_networks=HOME))
    records = {r.url: r for r in result.fetches if r.kind == "article"}
    refused = records[second.base_url + "/internal"]
    assert (refused.outcome, refused.error_class) == ("error", "blocked_address")
    assert records[hostile.base_url + "/a"].outcome == "ok"
    assert len(result.articles) == 1 and second.hits == {}

    opted_in = SourceConfig(id="s", url=feed, allow_private_addresses=True)
    result = scrape(opted_in, policy(allowed_networks=HOME))
    assert len(result.articles) == 2 and second.hits["/internal"] == 1


def test_a_sitemap_child_on_169_254_169_254_is_refused_before_connecting(
        hostile: HostileServer) -> None:
    metadata = "http://169.254.169.254/latest/meta-data/sitemap.xml"
    hostile.route("/robots.txt", reply(404))
    index = hostile.route("/sitemap.xml", reply(200, (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
        f'sitemap/0.9"><sitemap><loc>{metadata}</loc></sitemap></sitemapindex>').encode(),
        content_type="application/xml"))
    started = time.perf_counter()
    # A long connect timeout: a connection attempt to that (unrouted) address would hang.
    result = scrape(SourceConfig(id="s", url=index, kind="sitemap"),
                    policy(allowed_networks=HOME, connect_timeout=30.0, total_timeout=30.0))
    assert time.perf_counter() - started < 5.0
    [child] = [r for r in result.fetches if r.kind == "sitemap"]
    assert (child.url, child.error_class) == (metadata, "blocked_address")
    assert "169.254.169.254 is a link-local address" in (child.message or "")


def test_a_name_resolving_to_a_blocked_address_is_refused(hostile: HostileServer) -> None:
    """`localhost` is no literal address: the refusal comes from the address the connection
    reached, before a byte of the request was sent."""
    hostile.route("/page", reply(200, b"hello"))
    url = hostile.base_url.replace("127.0.0.1", "localhost") + "/page"
    outcome = get(url, policy(), robots=False)
    assert isinstance(outcome, errors.BlockedAddress)
    assert "localhost is" in outcome.message and "loopback" in outcome.message
    assert hostile.hits == {}
    assert isinstance(get(url, policy(), robots=False, allow_private=True), Response)
    assert hostile.hits["/page"] == 1


def test_robots_txt_on_a_blocked_host_keeps_the_class(hostile: HostileServer) -> None:
    outcome = get(hostile.route("/page", reply(200, b"x")), policy())
    assert isinstance(outcome, errors.BlockedAddress) and hostile.hits == {}


def test_an_opted_in_connection_is_never_reused_for_a_refused_request(
        hostile: HostileServer) -> None:
    url = hostile.route("/page", reply(200, b"x"))

    async def run() -> list[Response | errors.ScrapeError]:
        outcomes: list[Response | errors.ScrapeError] = []
        async with Fetcher(policy()) as fetcher:
            for allow in (True, False, True, False):
                try:
                    outcomes.append(await fetcher.get(url, robots=False,
                                                      allow_private=allow))
                except errors.ScrapeError as exc:
                    outcomes.append(exc)
        return outcomes
    outcomes = asyncio.run(run())
    assert [type(o).__name__ for o in outcomes] == ["Response", "BlockedAddress"] * 2
    assert hostile.hits["/page"] == 2


def test_the_settings_reach_the_fetch_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSWATCH_ALLOW_PRIVATE_ADDRESSES", raising=False)
    assert fetch_policy(Settings()).allow_private_addresses is False
    assert fetch_policy(Settings()).allowed_networks == ()
    monkeypatch.setenv("NEWSWATCH_ALLOW_PRIVATE_ADDRESSES", "1")
    monkeypatch.setenv("NEWSWATCH_ALLOWED_NETWORKS", " 10.20.0.0/16, 192.168.5.7,fd00::/8 ")
    policy = fetch_policy(Settings())
    assert policy.allow_private_addresses is True
    assert policy.allowed_networks == ("10.20.0.0/16", "192.168.5.7", "fd00::/8")
    monkeypatch.setenv("NEWSWATCH_ALLOWED_NETWORKS", "10.20.0.0/16, intranet")
    with pytest.raises(ValueError, match="'intranet' is not a network"):
        Settings()


def test_an_allowed_network_is_reached_and_no_other(hostile: HostileServer,
                                                    second: HostileServer) -> None:
    second.route("/page", reply(200, b"intranet"))
    url = second.base_url + "/page"
    assert isinstance(get(url, policy(allowed_networks=("127.0.0.0/30",)), robots=False),
                      Response)
    assert isinstance(get(url, policy(allowed_networks=HOME), robots=False),
                      errors.BlockedAddress)
    assert second.hits["/page"] == 1


def test_without_the_setting_a_run_refuses_the_loopback_sources(
        hostile: HostileServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSWATCH_ALLOW_PRIVATE_ADDRESSES", raising=False)
    feed = hostile.route("/feed", reply(200, _rss(), content_type="application/rss+xml"))
    [record] = scrape(SourceConfig(id="s", url=feed), fetch_policy(Settings())).fetches
    assert (record.kind, record.error_class) == ("feed", "blocked_address")
    assert hostile.hits == {}
