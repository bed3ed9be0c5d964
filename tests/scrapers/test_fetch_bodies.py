"""Bodies as the fetcher hands them over, from a real server on 127.0.0.1: content
encodings, size limits (counted after inflating), bombs and charsets."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import pytest

from scrapers import errors

from .fetching import fast, fetch, fetch_error
from .hostile_server import HostileServer, gzipped, negotiated, reply


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
    assert bomb.compressed_size < 50_000
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
