"""Bodies cut short in transit must fail as transient errors, never be kept as whole pages
(found by the fault suite: a truncated gzip page was stored cut short and never fetched
again)."""

from __future__ import annotations

import gzip
import zlib

from scrapers import errors

from .hostile_server import HostileServer, reply
from .test_fetch import fetch, fetch_error

PAGE = b"<p>" + b"every word of the page " * 2000 + b"</p>"


def test_truncated_gzip_is_a_transient_error(hostile: HostileServer) -> None:
    packed = gzip.compress(PAGE)
    cut = packed[: len(packed) * 2 // 3]   # Content-Length matches: only gzip can tell
    url = hostile.route("/cut", reply(200, cut, {"Content-Encoding": "gzip"}))
    exc = fetch_error(url)
    assert type(exc) is errors.ConnectError and exc.transient
    assert "cut short" in exc.message


def test_truncated_deflate_is_a_transient_error(hostile: HostileServer) -> None:
    packed = zlib.compress(PAGE)
    url = hostile.route("/cutd", reply(200, packed[:-40], {"Content-Encoding": "deflate"}))
    exc = fetch_error(url)
    assert type(exc) is errors.ConnectError and "cut short" in exc.message


def test_whole_and_empty_gzip_bodies_still_decode(hostile: HostileServer) -> None:
    url = hostile.route("/whole", reply(200, gzip.compress(PAGE), {"Content-Encoding": "gzip"}))
    assert fetch(url).body == PAGE
    empty = hostile.route("/empty", reply(200, b"", {"Content-Encoding": "gzip"}))
    assert fetch(empty).body == b""
