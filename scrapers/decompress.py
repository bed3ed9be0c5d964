"""Bounded decompression of response bodies: output comes in pieces the size check can see,
so a small compressed body cannot inflate to gigabytes before it is cut off."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import brotli
import httpx

from scrapers import errors


async def inflate(raw: AsyncIterator[bytes], encoding: str,
                  piece: int = 1 << 16) -> AsyncIterator[bytes]:
    """Decompress in pieces of at most `piece` bytes. httpx inflates a whole network read at
    once, so a 200 kB gzip bomb took some 150 MB before the size check could see it."""
    wbits = zlib.MAX_WBITS | (32 if encoding == "deflate" else 16)
    decoder = zlib.decompressobj(wbits)
    started = False
    async for data in raw:
        while data and not decoder.eof:
            try:
                out = decoder.decompress(data, piece)
            except zlib.error as exc:
                if started or encoding != "deflate":
                    raise httpx.DecodingError(f"bad {encoding} body: {exc}") from exc
                decoder = zlib.decompressobj(-zlib.MAX_WBITS)   # raw deflate, no zlib header
                started = True
                continue
            started = True
            data = decoder.unconsumed_tail
            if out:
                yield out
    tail = decoder.flush()
    if started and not decoder.eof:
        # The body ended before the gzip/deflate stream did: a page cut short in transit,
        # which would otherwise be stored truncated and never fetched again.
        raise httpx.RemoteProtocolError(
            f"{encoding} body ended before its end marker: the page was cut short")
    if tail:
        yield tail


async def unbrotli(raw: AsyncIterator[bytes], piece: int = 1 << 16) -> AsyncIterator[bytes]:
    """Brotli in pieces of about `piece` bytes: a few bytes of brotli can stand for
    gigabytes, so output is drawn out bit by bit and the size check sees it as it grows."""
    decoder = brotli.Decompressor()
    try:
        async for data in raw:
            out = decoder.process(data, output_buffer_limit=piece)
            if out:
                yield out
            while not decoder.can_accept_more_data():
                out = decoder.process(b"", output_buffer_limit=piece)
                if not out:
                    break
                yield out
        while not decoder.is_finished():   # output still held back by the limit
            out = decoder.process(b"", output_buffer_limit=piece)
            if not out:
                break
            yield out
    except brotli.error as exc:
        raise httpx.DecodingError(f"bad br body: {exc}") from exc
    if not decoder.is_finished():
        raise httpx.DecodingError("bad br body: it ends before the brotli stream does")


async def read_body(r: httpx.Response, url: str, limit: int, *, truncate: bool) -> bytes:
    """The body, inflated in bounded pieces and cut off at the size limit (robots.txt is
    cut silently at its own limit, as the large crawlers do)."""
    encoding = r.headers.get("content-encoding", "").strip().lower()
    body: AsyncIterator[bytes]
    if encoding in ("gzip", "x-gzip", "deflate"):
        body = inflate(r.aiter_raw(), encoding)
    elif encoding == "br":
        body = unbrotli(r.aiter_raw())
    elif encoding in ("", "identity"):
        body = r.aiter_raw()
    else:
        raise errors.HTTPStatusError(
            f"unsupported Content-Encoding {encoding!r} (asked for gzip, deflate or br)",
            url=url)
    chunks: list[bytes] = []
    size = 0
    async for chunk in body:
        size += len(chunk)
        if size > limit:
            if truncate:
                chunks.append(chunk[:len(chunk) - (size - limit)])
                break
            raise errors.TooLarge(f"body larger than {limit} bytes; cut off", url=url)
        chunks.append(chunk)
    return b"".join(chunks)
