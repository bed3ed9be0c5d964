"""The fetcher against a real, misbehaving HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from scrapers import errors
from scrapers.fetch import DEFAULT_USER_AGENT, Fetcher, FetchPolicy, Response, _retry_after
from scrapers.models import Validators

from .hostile_server import (
    HostileRequest,
    HostileServer,
    drip,
    gzipped,
    negotiated,
    redirect_to,
    reply,
    sequence,
    with_etag,
)


def fast(**overrides: Any) -> FetchPolicy:
    """Small timeouts and backoff so every test is quick."""
    settings: dict[str, Any] = dict(connect_timeout=1.0, read_timeout=2.0, total_timeout=4.0,
                                    retries=2, backoff_base=0.01, max_retry_after=5.0,
                                    max_redirects=3, max_bytes=1_000_000, min_delay=0.0)
    settings.update(overrides)
    return FetchPolicy(**settings)


async def _get(url: str, policy: FetchPolicy, **kwargs: Any) -> Response:
    async with Fetcher(policy) as fetcher:
        return await fetcher.get(url, **kwargs)


def fetch(url: str, policy: FetchPolicy | None = None, **kwargs: Any) -> Response:
    return asyncio.run(_get(url, policy or fast(), **kwargs))


def fetch_error(url: str, policy: FetchPolicy | None = None) -> errors.ScrapeError:
    with pytest.raises(errors.ScrapeError) as caught:
        fetch(url, policy)
    return caught.value


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


def test_every_advertised_encoding_is_decoded(hostile: HostileServer) -> None:
    text = "Grüße aus Köln. " * 2000
    url = hostile.route("/negotiate", negotiated(text.encode("utf-8")))
    assert fetch(url).body.decode("utf-8") == text
    accepted = hostile.requests_to("/negotiate")[0].headers["accept-encoding"]
    assert {e.strip() for e in accepted.split(",")} == {"gzip", "deflate", "br"}


def test_an_unasked_for_encoding_is_refused_clearly(hostile: HostileServer) -> None:
    url = hostile.route("/zstd", reply(200, b"\x28\xb5\x2f\xfd junk", {"Content-Encoding": "zstd"}))
    exc = fetch_error(url)
    assert type(exc) is errors.HTTPStatusError
    assert exc.message == "unsupported Content-Encoding 'zstd' (asked for gzip, deflate or br)"


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


def test_body_over_max_bytes_is_cut_off_and_not_retried(hostile: HostileServer) -> None:
    url = hostile.route("/big", reply(200, b"a" * 200_000))
    exc = fetch_error(url, fast(max_bytes=100_000, retries=2))
    assert type(exc) is errors.TooLarge
    assert exc.message == "body larger than 100000 bytes; cut off"
    assert exc.transient is False
    assert hostile.hits["/big"] == 1


def test_max_bytes_boundary(hostile: HostileServer) -> None:
    exact = hostile.route("/exact", reply(200, b"b" * 1000))
    over = hostile.route("/over", reply(200, b"b" * 1001))
    assert len(fetch(exact, fast(max_bytes=1000)).body) == 1000
    assert type(fetch_error(over, fast(max_bytes=1000))) is errors.TooLarge


def test_gzip_body_is_decoded(hostile: HostileServer) -> None:
    text = "Grüße aus Köln. " * 2000
    url = hostile.route("/gz", gzipped(text.encode("utf-8")))
    response = fetch(url)
    assert response.body.decode("utf-8") == text
    assert response.headers["content-encoding"] == "gzip"
    assert "gzip" in hostile.requests_to("/gz")[0].headers["accept-encoding"]


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS],
                         ids=["zlib-wrapped", "raw-deflate"])
def test_deflate_body_is_decoded(hostile: HostileServer, wbits: int) -> None:
    text = b"deflated words " * 3000
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    packed = packer.compress(text) + packer.flush()
    url = hostile.route("/deflate", reply(200, packed, {"Content-Encoding": "deflate"}))
    assert fetch(url).body == text


def test_gzip_over_max_bytes_after_decompression(hostile: HostileServer) -> None:
    url = hostile.route("/gzbig", gzipped(b"z" * 300_000))
    exc = fetch_error(url, fast(max_bytes=100_000))
    assert type(exc) is errors.TooLarge


def test_gzip_bomb_is_cut_off_without_inflating_it(hostile: HostileServer) -> None:
    bomb = gzipped(b"\0" * 20_000_000)
    assert bomb.compressed_size < 50_000    # type: ignore[attr-defined]
    url = hostile.route("/bomb", bomb)
    tracemalloc.start()
    try:
        exc = fetch_error(url, fast(max_bytes=1_000_000, retries=0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert type(exc) is errors.TooLarge
    assert exc.message == "body larger than 1000000 bytes; cut off"
    # 20 MB if the whole bomb were inflated; about 2.5 MB measured with bounded inflation.
    assert peak < 8_000_000, f"peak traced memory {peak / 1e6:.1f} MB"


def test_corrupt_gzip_is_an_undecodable_body(hostile: HostileServer) -> None:
    junk = gzip.compress(b"hello world " * 100)[:12] + b"\x00\xff" * 50
    url = hostile.route("/badgz", reply(200, junk, {"Content-Encoding": "gzip"}))
    exc = fetch_error(url)
    assert type(exc) is errors.HTTPStatusError
    assert exc.message.startswith("undecodable body")


def test_redirects_are_followed(hostile: HostileServer) -> None:
    hostile.route("/old", redirect_to("/moved", 301))
    hostile.route("/moved", redirect_to(hostile.base_url + "/final"))
    final = hostile.route("/final", reply(200, b"arrived"))
    response = fetch(hostile.base_url + "/old")
    assert response.body == b"arrived"
    assert response.url == final


def test_redirect_loop_is_named_as_a_loop(hostile: HostileServer) -> None:
    hostile.route("/a", redirect_to("/b"))
    hostile.route("/b", redirect_to(hostile.base_url + "/a"))
    exc = fetch_error(hostile.base_url + "/a", fast(max_redirects=5, retries=2))
    assert type(exc) is errors.RedirectError
    assert exc.error_class == "redirect"
    assert exc.message == (f"redirect loop: {hostile.base_url}/a -> {hostile.base_url}/b -> "
                           f"{hostile.base_url}/a")
    assert exc.transient is False
    # Each page requested once: the loop is seen before /a is asked for again, never retried.
    assert (hostile.hits["/a"], hostile.hits["/b"]) == (1, 1)


def test_redirect_limit(hostile: HostileServer) -> None:
    for n in range(1, 6):
        hostile.route(f"/r{n}", redirect_to(f"/r{n + 1}"))
    exc = fetch_error(hostile.base_url + "/r1", fast(max_redirects=3, retries=2))
    assert type(exc) is errors.RedirectError
    assert exc.message == f"more than 3 redirects (the last to {hostile.base_url}/r5)"
    # The first request and three redirects followed, once each; the fifth never asked for.
    assert [hostile.hits[f"/r{n}"] for n in range(1, 6)] == [1, 1, 1, 1, 0]


def test_redirect_limit_boundary(hostile: HostileServer) -> None:
    for n in range(1, 4):
        hostile.route(f"/r{n}", redirect_to(f"/r{n + 1}"))
    final = hostile.route("/r4", reply(200, b"three hops"))
    response = fetch(hostile.base_url + "/r1", fast(max_redirects=3))
    assert response.body == b"three hops" and response.url == final
    assert response.redirects == tuple(f"{hostile.base_url}/r{n}" for n in (2, 3, 4))


def test_redirect_to_another_scheme_is_refused(hostile: HostileServer) -> None:
    url = hostile.route("/ftp", redirect_to("ftp://127.0.0.1/file"))
    exc = fetch_error(url)
    assert type(exc) is errors.RedirectError
    assert exc.message == "redirect to a non-HTTP address: ftp://127.0.0.1/file"


ETAG = '"feed-v1"'
LAST_MODIFIED = "Tue, 05 Mar 2024 10:00:00 GMT"


def test_conditional_get_with_etag_and_last_modified(hostile: HostileServer) -> None:
    url = hostile.route("/feed.xml", with_etag(ETAG, LAST_MODIFIED, b"<rss version='2.0'/>"))
    first = fetch(url)
    assert first.status == 200
    assert first.validators == Validators(etag=ETAG, last_modified=LAST_MODIFIED)

    second = fetch(url, validators=first.validators)
    assert second.not_modified
    assert second.status == 304
    assert second.body == b""
    sent = hostile.requests_to("/feed.xml")[1].headers
    assert sent["if-none-match"] == ETAG
    assert sent["if-modified-since"] == LAST_MODIFIED
    assert "if-none-match" not in hostile.requests_to("/feed.xml")[0].headers


def test_conditional_get_with_last_modified_only(hostile: HostileServer) -> None:
    url = hostile.route("/feed.xml", with_etag(ETAG, LAST_MODIFIED, b"<rss version='2.0'/>"))
    response = fetch(url, validators=Validators(last_modified=LAST_MODIFIED))
    assert response.not_modified
    [seen] = hostile.requests_to("/feed.xml")
    assert "if-none-match" not in seen.headers
    assert seen.headers["if-modified-since"] == LAST_MODIFIED


def test_stale_validators_get_the_new_body(hostile: HostileServer) -> None:
    url = hostile.route("/feed.xml", with_etag(ETAG, LAST_MODIFIED, b"<rss version='2.0'/>"))
    response = fetch(url, validators=Validators(etag='"feed-v0"'))
    assert response.status == 200
    assert response.body == b"<rss version='2.0'/>"


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


def test_missing_charset(hostile: HostileServer) -> None:
    url = hostile.route("/nocharset", reply(200, "Grüße".encode(), content_type="text/plain"))
    response = fetch(url)
    assert response.encoding is None
    assert response.text() == "Grüße"


def test_declared_charset_is_used(hostile: HostileServer) -> None:
    url = hostile.route("/latin", reply(200, "Grüße".encode("latin-1"),
                                        content_type="text/plain; charset=ISO-8859-1"))
    response = fetch(url)
    assert response.encoding is not None and response.encoding.lower() == "iso-8859-1"
    assert response.text() == "Grüße"


def test_unknown_charset_does_not_break_text(hostile: HostileServer) -> None:
    url = hostile.route("/weird", reply(200, "Grüße".encode(),
                                        content_type="text/html; charset=x-no-such-charset"))
    response = fetch(url)
    assert response.encoding == "x-no-such-charset"
    assert response.text() == "Grüße"


def test_invalid_utf8_is_replaced_not_raised(hostile: HostileServer) -> None:
    url = hostile.route("/bad-utf8", reply(200, b"ok \xff\xfe\xc3( end",
                                           content_type="text/plain; charset=utf-8"))
    response = fetch(url)
    assert response.body == b"ok \xff\xfe\xc3( end"       # bytes untouched
    assert response.text() == "ok \ufffd\ufffd\ufffd( end"


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
