"""Bytes on the wire, counted by the server on 127.0.0.1: nothing downloaded again after a
304, oversized and brotli bodies cut without reading or inflating them whole."""

from __future__ import annotations

import time
import tracemalloc

from scrapers import errors
from scrapers.fetch import Response

from .hostile_server import HostileServer, brotlied, endless, reply, with_etag
from .polite import policy, run


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
    assert hostile.bytes_sent["/br"] == route.compressed_size


def test_brotli_size_limit_counts_inflated_bytes(hostile: HostileServer) -> None:
    exact = hostile.route("/exact", brotlied(b"b" * 100_000))
    over = hostile.route("/over", brotlied(b"b" * 100_001))
    ok, too_large = run([exact, over], policy(max_bytes=100_000))
    assert isinstance(ok, Response) and len(ok.body) == 100_000
    assert isinstance(too_large, errors.TooLarge)


def test_brotli_bomb_is_stopped_without_inflating_it(hostile: HostileServer) -> None:
    bomb = brotlied(b"\0" * 50_000_000)
    assert bomb.compressed_size < 1_000
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
