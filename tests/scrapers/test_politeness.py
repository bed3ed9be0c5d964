"""Politeness, measured where it counts: by a server on 127.0.0.1 that records every request,
when it arrived and how many body bytes it had to write."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import time
import tracemalloc
from typing import Any

import pytest

from core import identity
from scrapers import errors, fetch
from scrapers.fetch import Fetcher, FetchPolicy, Response, build_user_agent
from scrapers.models import Validators

from .hostile_server import (
    HostileRequest,
    HostileServer,
    brotlied,
    endless,
    redirect_to,
    reply,
    robots_txt,
    sequence,
    with_etag,
)


def policy(**overrides: Any) -> FetchPolicy:
    settings: dict[str, Any] = dict(connect_timeout=1.0, read_timeout=2.0, total_timeout=4.0,
                                    retries=1, backoff_base=0.01, max_retry_after=5.0,
                                    max_bytes=1_000_000, min_delay=0.0)
    settings.update(overrides)
    return FetchPolicy(**settings)


async def _many(calls: list[tuple[str, dict[str, Any]]], p: FetchPolicy
                ) -> list[Response | errors.ScrapeError]:
    """Fetch with one Fetcher (one run); each outcome is a Response or the error raised."""
    async def one(fetcher: Fetcher, url: str, kwargs: dict[str, Any]
                  ) -> Response | errors.ScrapeError:
        try:
            return await fetcher.get(url, **kwargs)
        except errors.ScrapeError as exc:
            return exc
    async with Fetcher(p) as fetcher:
        return list(await asyncio.gather(*(one(fetcher, u, k) for u, k in calls)))


def other_host(hostile: HostileServer) -> str:
    """The same server under a second host name."""
    if "127.0.0.1" not in {info[4][0] for info in socket.getaddrinfo("localhost", None)}:
        pytest.skip("localhost does not resolve to 127.0.0.1 here")
    return hostile.base_url.replace("127.0.0.1", "localhost")


def run(urls: list[str], p: FetchPolicy | None = None, **kwargs: Any
        ) -> list[Response | errors.ScrapeError]:
    return asyncio.run(_many([(u, kwargs) for u in urls], p or policy()))


ROBOTS = """\
User-agent: *
Disallow: /everyone-else/

User-agent: newswatch
Disallow: /private/
Allow: /private/press-room
"""


# --- robots.txt ------------------------------------------------------------------------------

def test_a_disallowed_page_is_never_requested(hostile: HostileServer) -> None:
    hostile.route("/robots.txt", robots_txt(ROBOTS))
    for path in ("/news/1", "/private/memo", "/private/press-room", "/everyone-else/x"):
        hostile.route(path, reply(200, b"page"))
    base = hostile.base_url
    outcomes = run([f"{base}/news/1", f"{base}/private/memo", f"{base}/private/press-room",
                    f"{base}/everyone-else/x"])
    allowed, memo, press, other = outcomes
    assert isinstance(allowed, Response) and allowed.body == b"page"
    assert isinstance(memo, errors.RobotsDisallowed)
    assert memo.message == "robots.txt disallows this URL for newswatch; not requested"
    assert memo.skipped and not memo.transient and memo.url == f"{base}/private/memo"
    assert isinstance(press, Response)          # the longer Allow wins
    assert isinstance(other, Response)          # the * group is not ours: we have our own
    assert hostile.hits["/private/memo"] == 0
    assert hostile.hits["/robots.txt"] == 1     # read once for the four pages


def test_the_star_group_applies_when_there_is_none_for_newswatch(
        hostile: HostileServer) -> None:
    hostile.route("/robots.txt", robots_txt("User-agent: otherbot\nDisallow: /\n\n"
                                            "User-agent: *\nDisallow: /drafts/\n"))
    hostile.route("/drafts/a", reply(200, b"draft"))
    hostile.route("/a", reply(200, b"ok"))
    ok, draft = run([hostile.base_url + "/a", hostile.base_url + "/drafts/a"])
    assert isinstance(ok, Response)
    assert isinstance(draft, errors.RobotsDisallowed)
    assert hostile.hits["/drafts/a"] == 0


def test_no_robots_txt_allows_everything(hostile: HostileServer) -> None:
    url = hostile.route("/page", reply(200, b"ok"))    # /robots.txt: 404
    [response] = run([url])
    assert isinstance(response, Response)
    assert [r.path for r in hostile.log] == ["/robots.txt", "/page"]


@pytest.mark.parametrize("status", [401, 403])
def test_robots_txt_behind_a_login_disallows_everything(hostile: HostileServer,
                                                         status: int) -> None:
    hostile.route("/robots.txt", reply(status, b"no"))
    url = hostile.route("/page", reply(200, b"ok"))
    [outcome] = run([url])
    assert isinstance(outcome, errors.RobotsDisallowed)
    assert outcome.message == (f"robots.txt disallows this URL for newswatch (robots.txt "
                               f"answered HTTP {status}: treated as disallow all); not requested")
    assert hostile.hits["/page"] == 0


def test_robots_txt_unavailable_means_try_later_not_allow_all(hostile: HostileServer) -> None:
    hostile.route("/robots.txt", reply(503, b"busy"))
    a = hostile.route("/a", reply(200, b"ok"))
    b = hostile.route("/b", reply(200, b"ok"))
    outcomes = run([a, b], policy(retries=2))
    for outcome, url in zip(outcomes, [a, b], strict=True):
        assert isinstance(outcome, errors.RobotsUnavailable)
        assert outcome.transient and not outcome.skipped
        assert outcome.error_class == "robots_unavailable"
        assert outcome.url == url
        assert "robots.txt answered HTTP 503" in outcome.message
        assert "a later run tries again" in outcome.message
    assert hostile.hits["/a"] == hostile.hits["/b"] == 0
    # One read and its two retries for both pages; the failure is then kept.
    assert hostile.hits["/robots.txt"] == 3


def test_a_robots_txt_that_times_out_blocks_the_site_for_now(hostile: HostileServer) -> None:
    def stall(req: HostileRequest) -> None:
        time.sleep(1.5)
        req.send(200, b"User-agent: *\nAllow: /\n")
    hostile.route("/robots.txt", stall)
    url = hostile.route("/page", reply(200, b"ok"))
    [outcome] = run([url], policy(total_timeout=0.5, retries=0))
    assert isinstance(outcome, errors.FetchTimeout)
    assert outcome.transient
    assert "while reading robots.txt" in outcome.message
    assert hostile.hits["/page"] == 0


def test_a_source_may_opt_out_of_robots_txt(hostile: HostileServer) -> None:
    hostile.route("/robots.txt", robots_txt("User-agent: *\nDisallow: /\n"))
    url = hostile.route("/page", reply(200, b"ok"))
    [response] = run([url], robots=False)
    assert isinstance(response, Response)
    assert hostile.hits["/robots.txt"] == 0


def test_robots_txt_is_read_again_after_its_ttl(hostile: HostileServer) -> None:
    hostile.route("/robots.txt", sequence(robots_txt("User-agent: *\nAllow: /\n"),
                                          robots_txt("User-agent: *\nDisallow: /\n")))
    url = hostile.route("/page", reply(200, b"ok"))

    async def twice() -> tuple[Response | errors.ScrapeError, ...]:
        outcomes = []
        async with Fetcher(policy(robots_ttl=0.3)) as fetcher:
            for pause in (0.0, 0.0, 0.4):
                await asyncio.sleep(pause)
                try:
                    outcomes.append(await fetcher.get(url))
                except errors.ScrapeError as exc:
                    outcomes.append(exc)
        return tuple(outcomes)
    first, cached, after_ttl = asyncio.run(twice())
    assert isinstance(first, Response) and isinstance(cached, Response)
    assert isinstance(after_ttl, errors.RobotsDisallowed)
    assert hostile.hits["/robots.txt"] == 2 and hostile.hits["/page"] == 2


def test_a_redirect_into_a_disallowed_path_is_not_followed(hostile: HostileServer) -> None:
    hostile.route("/robots.txt", robots_txt("User-agent: newswatch\nDisallow: /private/\n"))
    url = hostile.route("/moved", redirect_to("/private/page"))
    hostile.route("/private/page", reply(200, b"secret"))
    [outcome] = run([url])
    assert isinstance(outcome, errors.RobotsDisallowed)
    assert outcome.url == hostile.base_url + "/private/page"
    assert outcome.message.endswith(f"(redirected from {url}); not requested")
    assert hostile.hits["/private/page"] == 0


def test_an_unreadable_robots_txt_behind_a_redirect_is_not_retried_per_page(
        hostile: HostileServer) -> None:
    other = other_host(hostile)
    hostile.route("/robots.txt", sequence(robots_txt("User-agent: *\nAllow: /\n"),
                                          reply(503, b"busy")))
    url = hostile.route("/moved", redirect_to(other + "/page"))
    started = time.monotonic()
    [outcome] = run([url], policy(retries=2, backoff_base=0.3))
    assert isinstance(outcome, errors.RobotsUnavailable)
    assert outcome.url == other + "/page"
    assert hostile.hits["/moved"] == 1          # the page is not asked for again in vain
    assert hostile.hits["/robots.txt"] == 4     # 127.0.0.1's once; localhost's with 2 retries
    assert time.monotonic() - started < 3


def test_a_huge_robots_txt_is_read_only_in_part(hostile: HostileServer) -> None:
    def huge(req: HostileRequest) -> None:   # the rules, then 200 MB of comments
        req.start(200, {"Content-Type": "text/plain"})
        req.write(b"User-agent: newswatch\nDisallow: /private/\n")
        for _ in range(200_000_000 // 65_536):
            req.write(b"#" * 65_535 + b"\n")
    hostile.route("/robots.txt", huge)
    hostile.route("/private/a", reply(200, b"x"))
    [outcome] = run([hostile.base_url + "/private/a"], policy(max_bytes=500_000_000))
    assert isinstance(outcome, errors.RobotsDisallowed)   # the rules before the cut count
    time.sleep(0.3)
    assert hostile.bytes_sent["/robots.txt"] < 40_000_000


# --- pacing ----------------------------------------------------------------------------------

def _gaps(hostile: HostileServer) -> list[float]:
    at = sorted(r.at for r in hostile.log)
    return [b - a for a, b in itertools.pairwise(at)]


def test_requests_to_one_host_start_min_delay_apart(hostile: HostileServer) -> None:
    url = hostile.route("/page", reply(200, b"ok"))
    outcomes = run([f"{url}?n={i}" for i in range(5)],
                   policy(min_delay=0.4, per_host_concurrency=4))
    assert all(isinstance(o, Response) for o in outcomes)
    assert len(hostile.log) == 6               # robots.txt (404) counts as a request too
    gaps = _gaps(hostile)
    # Seen by the server, whose threads note arrivals a few milliseconds late under load;
    # unpaced, the four concurrent pages would arrive within a few milliseconds.
    assert min(gaps) >= 0.3, gaps
    assert sorted(gaps)[len(gaps) // 2] >= 0.39, gaps
    assert max(gaps) < 1.2, gaps               # paced, not serialised behind something else


def test_crawl_delay_wins_when_longer(hostile: HostileServer) -> None:
    hostile.route("/robots.txt", robots_txt("User-agent: newswatch\nCrawl-delay: 0.4\n"))
    url = hostile.route("/page", reply(200, b"ok"))
    run([f"{url}?n={i}" for i in range(4)], policy(min_delay=0.05, per_host_concurrency=4))
    page_times = [r.at for r in hostile.log if r.path.startswith("/page")]
    gaps = [b - a for a, b in itertools.pairwise(page_times)]
    assert len(gaps) == 3 and min(gaps) >= 0.37, gaps


def test_crawl_delay_is_capped(hostile: HostileServer) -> None:
    hostile.route("/robots.txt", robots_txt("User-agent: *\nCrawl-delay: 3600\n"))
    url = hostile.route("/page", reply(200, b"ok"))
    started = time.monotonic()
    run([f"{url}?n={i}" for i in range(3)], policy(max_crawl_delay=0.2))
    assert time.monotonic() - started < 2
    assert min(_gaps(hostile)[1:]) >= 0.19


def test_the_delay_is_per_host(hostile: HostileServer) -> None:
    other = other_host(hostile)
    url = hostile.route("/page", reply(200, b"ok"))
    started = time.monotonic()
    run([url, url.replace(hostile.base_url, other)], policy(min_delay=1.0))
    # Two hosts, each: robots.txt then the page one second later; both hosts at once.
    assert 0.95 <= time.monotonic() - started < 1.8


def test_retries_are_paced_and_wait_retry_after(hostile: HostileServer) -> None:
    url = hostile.route("/limited", sequence(
        reply(429, b"slow down", {"Retry-After": "1"}), reply(200, b"welcome back")))
    [response] = run([url], policy(min_delay=0.2))
    assert isinstance(response, Response) and response.attempts == 2
    at = [r.at for r in hostile.requests_to("/limited")]
    assert at[1] - at[0] >= 0.95


def test_concurrency_stays_within_the_limit_with_robots_and_pacing(
        hostile: HostileServer) -> None:
    url = hostile.route("/slow", hostile.counting(reply(200, b"done"), hold=0.3))
    outcomes = run([f"{url}?n={i}" for i in range(8)],
                   policy(per_host_concurrency=2, min_delay=0.05))
    assert all(isinstance(o, Response) for o in outcomes)
    assert hostile.max_inflight == 2


# --- bytes on the wire -----------------------------------------------------------------------

def test_a_304_downloads_nothing_again(hostile: HostileServer) -> None:
    body = b"<rss version='2.0'>" + b"<item/>" * 5000 + b"</rss>"
    url = hostile.route("/feed.xml", with_etag('"v1"', "Tue, 05 Mar 2024 10:00:00 GMT", body))
    [first] = run([url])
    assert isinstance(first, Response) and first.status == 200
    sent_once = hostile.bytes_sent["/feed.xml"]
    assert sent_once == len(body)
    [second] = run([url], validators=first.validators)
    assert isinstance(second, Response) and second.not_modified and second.body == b""
    assert hostile.bytes_sent["/feed.xml"] == sent_once
    assert hostile.hits["/feed.xml"] == 2


def test_an_oversized_body_is_cut_without_reading_it_whole(hostile: HostileServer) -> None:
    total = 500_000_000
    url = hostile.route("/huge", endless(total))
    started = time.monotonic()
    [outcome] = run([url], policy(max_bytes=1_000_000, retries=2))
    assert isinstance(outcome, errors.TooLarge)
    assert time.monotonic() - started < 3
    time.sleep(0.3)   # the server notices the hang-up at its next write
    written = hostile.bytes_sent["/huge"]
    # What the kernel's socket buffers took after we hung up, not the half gigabyte.
    assert written < 40_000_000, f"server wrote {written / 1e6:.1f} MB"
    assert hostile.hits["/huge"] == 1      # too large is not retried


def test_brotli_is_decoded(hostile: HostileServer) -> None:
    text = "Grüße aus Köln. Brotli, bitte. " * 3000
    route = brotlied(text.encode("utf-8"))
    url = hostile.route("/br", route)
    [response] = run([url])
    assert isinstance(response, Response)
    assert response.body.decode("utf-8") == text
    assert hostile.bytes_sent["/br"] == route.compressed_size  # type: ignore[attr-defined]


def test_brotli_size_limit_counts_inflated_bytes(hostile: HostileServer) -> None:
    exact = hostile.route("/exact", brotlied(b"b" * 100_000))
    over = hostile.route("/over", brotlied(b"b" * 100_001))
    ok, too_large = run([exact, over], policy(max_bytes=100_000))
    assert isinstance(ok, Response) and len(ok.body) == 100_000
    assert isinstance(too_large, errors.TooLarge)


def test_brotli_bomb_is_stopped_without_inflating_it(hostile: HostileServer) -> None:
    bomb = brotlied(b"\0" * 50_000_000)
    assert bomb.compressed_size < 1_000     # type: ignore[attr-defined]
    url = hostile.route("/bomb", bomb)
    tracemalloc.start()
    try:
        [outcome] = run([url], policy(max_bytes=1_000_000, retries=0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(outcome, errors.TooLarge)
    assert outcome.message == "body larger than 1000000 bytes; cut off"
    # 50 MB if the whole bomb were inflated.
    assert peak < 8_000_000, f"peak traced memory {peak / 1e6:.1f} MB"


def test_corrupt_brotli_is_an_undecodable_body(hostile: HostileServer) -> None:
    url = hostile.route("/badbr", reply(200, b"\xff\xfe\xfd not brotli at all",
                                        {"Content-Encoding": "br"}))
    [outcome] = run([url])
    assert isinstance(outcome, errors.HTTPStatusError)
    assert outcome.message.startswith("undecodable body: bad br body")


def test_a_truncated_brotli_body_is_undecodable(hostile: HostileServer) -> None:
    import brotli
    packed = brotli.compress(b"some words " * 1000)
    url = hostile.route("/cutbr", reply(200, packed[:len(packed) // 2],
                                        {"Content-Encoding": "br"}))
    [outcome] = run([url])
    assert isinstance(outcome, errors.HTTPStatusError)
    assert "ends before the brotli stream does" in outcome.message


# --- who we are ------------------------------------------------------------------------------

def test_user_agent_names_newswatch_its_version_and_the_contact(hostile: HostileServer) -> None:
    url = hostile.route("/page", reply(200, b"ok"))
    agent = build_user_agent("mailto:desk@example.org")
    run([url], policy(user_agent=agent))
    assert agent == f"newswatch/{identity.VERSION} (+mailto:desk@example.org; news monitoring)"
    assert {r.headers["user-agent"] for r in hostile.log} == {agent}   # robots.txt too


def test_the_placeholder_contact_is_warned_about_once(
        hostile: HostileServer, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "_warned_placeholder", False)
    url = hostile.route("/page", reply(200, b"ok"))
    with caplog.at_level(logging.WARNING, logger="newswatch.fetch"):
        run([url])
        run([url])
        run([url], policy(user_agent=build_user_agent("https://desk.example.org/bots")))
    warnings = [r for r in caplog.records if "NEWSWATCH_CONTACT_URL" in r.getMessage()]
    assert len(warnings) == 1


def test_conditional_headers_do_not_go_to_robots_txt(hostile: HostileServer) -> None:
    url = hostile.route("/feed.xml", reply(200, b"feed"))
    run([url], validators=Validators(etag='"x"'), headers={"X-Api-Key": "k"})
    [robots] = hostile.requests_to("/robots.txt")
    assert "if-none-match" not in robots.headers
    assert robots.headers["x-api-key"] == "k"      # a site behind a key wants it there too
