"""Pacing, measured by the server on 127.0.0.1: when each request arrived, per host, with
robots.txt crawl delays, retries and the concurrency limit."""

from __future__ import annotations

import itertools
import time

from scrapers.fetch import Response

from .hostile_server import HostileServer, reply, robots_txt, sequence
from .polite import other_host, policy, run


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
