"""The fetcher against a real, misbehaving HTTP server on 127.0.0.1: answers, retries,
errors, timeouts and per-host concurrency. Bodies and redirects have their own modules."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from scrapers import errors
from scrapers.fetch import DEFAULT_USER_AGENT, Fetcher, FetchPolicy, Response, _retry_after

from .fetching import fast, fetch, fetch_error
from .hostile_server import HostileRequest, HostileServer, drip, reply, sequence


def test_200_ok(hostile: HostileServer) -> None:
    url = hostile.route("/ok", reply(200, "Grüße aus Köln\n".encode(), {"X-Extra": "1"},
                                     content_type="text/html; charset=utf-8"))
    response = fetch(url, headers={"X-Source": "unit-test"})
    assert response.status == 200
    assert response.body == "Grüße aus Köln\n".encode()
    assert response.text() == "Grüße aus Köln\n"
    assert response.encoding == "utf-8"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["x-extra"] == "1"          # names lower-cased
    assert response.url == url
    assert response.attempts == 1
    assert response.elapsed_ms > 0
    assert not response.not_modified
    [seen] = hostile.requests_to("/ok")
    assert seen.headers["user-agent"] == DEFAULT_USER_AGENT
    assert seen.headers["x-source"] == "unit-test"


def test_503_is_retried_with_backoff_then_succeeds(hostile: HostileServer) -> None:
    down = reply(503, b"busy")
    url = hostile.route("/flaky", sequence(down, down, reply(200, b"finally")))
    response = fetch(url, fast(backoff_base=0.2))
    assert response.body == b"finally"
    assert response.attempts == 3
    assert hostile.hits["/flaky"] == 3
    at = [r.at for r in hostile.requests_to("/flaky")]
    first_wait, second_wait = at[1] - at[0], at[2] - at[1]
    assert 0.2 <= first_wait < 0.2 * 1.25 + 0.3
    assert 0.4 <= second_wait < 0.4 * 1.25 + 0.3       # the wait doubles


def test_persistent_503_gives_up_after_the_retries(hostile: HostileServer) -> None:
    url = hostile.route("/down", reply(503, b"busy"))
    exc = fetch_error(url, fast(retries=2))
    assert type(exc) is errors.ServerError
    assert exc.transient is True
    assert exc.error_class == "server_error"
    assert exc.message == "HTTP 503 Service Unavailable"
    assert exc.url == url
    assert hostile.hits["/down"] == 3


def test_429_retry_after_is_honoured(hostile: HostileServer) -> None:
    url = hostile.route("/limited", sequence(
        reply(429, b"slow down", {"Retry-After": "1"}), reply(200, b"welcome back")))
    started = time.monotonic()
    response = fetch(url, fast(backoff_base=0.01))
    assert response.body == b"welcome back"
    assert response.attempts == 2
    at = [r.at for r in hostile.requests_to("/limited")]
    assert at[1] - at[0] >= 0.95          # the server's 1 s, not the 0.01 s backoff
    assert time.monotonic() - started < 3


def test_retry_after_beyond_the_limit_gives_up_at_once(hostile: HostileServer) -> None:
    url = hostile.route("/maintenance", reply(503, b"down", {"Retry-After": "3600"}))
    started = time.monotonic()
    exc = fetch_error(url, fast(retries=3, max_retry_after=5))
    assert time.monotonic() - started < 1
    assert type(exc) is errors.ServerError
    assert exc.retry_after == 3600
    assert hostile.hits["/maintenance"] == 1


@pytest.mark.parametrize(("status", "reason"), [(404, "Not Found"), (403, "Forbidden"),
                                                 (410, "Gone")])
def test_client_errors_are_not_retried(hostile: HostileServer, status: int, reason: str) -> None:
    url = hostile.route("/missing", reply(status, b"nope"))
    exc = fetch_error(url, fast(retries=3))
    assert type(exc) is errors.HTTPStatusError
    assert exc.message == f"HTTP {status} {reason}"
    assert exc.transient is False
    assert exc.error_class == "http_status"
    assert hostile.hits["/missing"] == 1


def _closed_port_url() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"


def test_connection_refused() -> None:
    url = _closed_port_url()
    exc = fetch_error(url, fast(retries=1))
    assert type(exc) is errors.ConnectError
    assert exc.transient is True
    assert exc.error_class == "connect"
    assert exc.message.startswith("could not connect")
    assert exc.url == url


def test_slow_drip_beyond_the_total_timeout(hostile: HostileServer) -> None:
    # Each chunk comes well within the read timeout; only the total limit can stop it.
    url = hostile.route("/drip", drip([b"x" * 10] * 20, interval=0.2))
    started = time.monotonic()
    exc = fetch_error(url, fast(read_timeout=1.0, total_timeout=0.8, retries=0))
    elapsed = time.monotonic() - started
    assert type(exc) is errors.FetchTimeout
    assert exc.message == "no complete answer within 0.8 s"
    assert exc.transient is True
    assert exc.error_class == "timeout"
    assert 0.7 <= elapsed < 2.0


def test_server_that_stalls_hits_the_read_timeout(hostile: HostileServer) -> None:
    def stall(req: HostileRequest) -> None:
        req.start(200, {"Content-Type": "text/plain", "Content-Length": "100"})
        req.write(b"partial")
        time.sleep(2)
    url = hostile.route("/stall", stall)
    started = time.monotonic()
    exc = fetch_error(url, fast(read_timeout=0.3, total_timeout=5, retries=0))
    assert type(exc) is errors.FetchTimeout
    assert exc.message == "timed out (ReadTimeout)"
    assert time.monotonic() - started < 1.5


async def _gather(urls: list[str], policy: FetchPolicy) -> list[Response]:
    async with Fetcher(policy) as fetcher:
        return await asyncio.gather(*(fetcher.get(u) for u in urls))


@pytest.mark.parametrize("limit", [2, 5])
def test_per_host_concurrency_limit(hostile: HostileServer, limit: int) -> None:
    url = hostile.route("/slow", hostile.counting(reply(200, b"done"), hold=0.25))
    responses = asyncio.run(_gather([f"{url}?n={i}" for i in range(10)],
                                    fast(per_host_concurrency=limit, max_connections=8)))
    assert [r.body for r in responses] == [b"done"] * 10
    assert hostile.hits["/slow"] == 10
    assert hostile.max_inflight == limit


def test_concurrency_limit_is_per_host_not_global(hostile: HostileServer) -> None:
    if "127.0.0.1" not in {info[4][0] for info in socket.getaddrinfo("localhost", None)}:
        pytest.skip("localhost does not resolve to 127.0.0.1 here")
    url = hostile.route("/slow", hostile.counting(reply(200, b"done"), hold=0.25))
    other_host = url.replace("127.0.0.1", "localhost")
    urls = [url if i % 2 else other_host for i in range(8)]
    asyncio.run(_gather(urls, fast(per_host_concurrency=2, max_connections=8)))
    assert hostile.max_inflight == 4       # two hosts, two slots each


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), ("", None), ("7", 7.0), (" 120 ", 120.0), ("soon", None), ("-5", None),
    ("Fri, 31 Dec 1999 23:59:59 GMT", 0.0),
])
def test_retry_after_values(value: str | None, expected: float | None) -> None:
    assert _retry_after(value) == expected


def test_retry_after_http_date_in_the_future() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    delay = _retry_after(format_datetime(when, usegmt=True))
    assert delay is not None and 28 <= delay <= 30
