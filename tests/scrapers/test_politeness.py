"""Politeness, measured where it counts: by a server on 127.0.0.1 that records every request,
when it arrived and how many body bytes it had to write. Here: robots.txt and who we say we
are; pacing and bytes on the wire have their own modules."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from core import identity
from scrapers import errors, fetch
from scrapers.fetch import Fetcher, Response, build_user_agent
from scrapers.models import Validators

from .hostile_server import (
    HostileRequest,
    HostileServer,
    redirect_to,
    reply,
    robots_txt,
    sequence,
)
from .polite import other_host, policy, run

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
        outcomes: list[Response | errors.ScrapeError] = []
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
