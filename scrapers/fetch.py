"""Polite asynchronous HTTP: one client, per-host limits, bounded bodies, classified errors."""

from __future__ import annotations

import asyncio
import random
import time
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx

from scrapers import errors
from scrapers.models import Validators
from scrapers.urls import host_of

DEFAULT_USER_AGENT = "newswatch/0.1 (+https://github.com/newswatch/newswatch; news monitoring)"


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 30.0
    max_bytes: int = 5_000_000
    retries: int = 2
    backoff_base: float = 0.5
    max_retry_after: float = 30.0
    per_host_concurrency: int = 2
    max_connections: int = 8
    max_redirects: int = 5


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: float
    encoding: str | None = None
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def validators(self) -> Validators:
        return Validators(etag=self.headers.get("etag"),
                          last_modified=self.headers.get("last-modified"))

    def text(self) -> str:
        try:
            return self.body.decode(self.encoding or "utf-8", errors="replace")
        except LookupError:   # a charset name Python does not know
            return self.body.decode("utf-8", errors="replace")


@dataclass
class Fetcher:
    """Owns the httpx client. Use as `async with Fetcher(policy) as f: await f.get(url)`."""

    policy: FetchPolicy = field(default_factory=FetchPolicy)
    transport: httpx.AsyncBaseTransport | None = None
    _client: httpx.AsyncClient | None = None
    _host_slots: dict[str, asyncio.Semaphore] = field(default_factory=dict)

    async def __aenter__(self) -> Fetcher:
        p = self.policy
        self._client = httpx.AsyncClient(
            # Only what we can decode: without the brotli package httpx passes "br" bodies on
            # still compressed.
            headers={"User-Agent": p.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(p.read_timeout, connect=p.connect_timeout),
            limits=httpx.Limits(max_connections=p.max_connections,
                                max_keepalive_connections=p.max_connections),
            follow_redirects=True,
            max_redirects=p.max_redirects,
            transport=self.transport,
        )
        self._host_slots = defaultdict(lambda: asyncio.Semaphore(p.per_host_concurrency))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get(self, url: str, *, headers: dict[str, str] | None = None,
                  validators: Validators | None = None) -> Response:
        """GET with retries on transient failures. Raises a `ScrapeError` subclass."""
        request_headers = dict(headers or {})
        if validators is not None:
            if validators.etag:
                request_headers["If-None-Match"] = validators.etag
            if validators.last_modified:
                request_headers["If-Modified-Since"] = validators.last_modified
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._get_once(url, request_headers)
                return Response(**{**response.__dict__, "attempts": attempt})
            except errors.ScrapeError as exc:
                if not exc.transient or attempt > self.policy.retries:
                    raise
                delay = exc.retry_after
                if delay is None:
                    delay = self.policy.backoff_base * (2 ** (attempt - 1))
                    delay *= 1 + random.random() * 0.25   # jitter spreads synchronized retries
                elif delay > self.policy.max_retry_after:
                    raise      # the server asks for longer than a run should wait: next run
                await asyncio.sleep(delay)

    async def _get_once(self, url: str, headers: dict[str, str]) -> Response:
        assert self._client is not None, "use Fetcher as an async context manager"
        started = time.perf_counter()
        async with self._host_slots[host_of(url)]:
            try:
                async with asyncio.timeout(self.policy.total_timeout):
                    return await self._stream(url, headers, started)
            except TimeoutError as exc:
                raise errors.FetchTimeout(
                    f"no complete answer within {self.policy.total_timeout:g} s", url=url
                ) from exc
            except httpx.TimeoutException as exc:
                raise errors.FetchTimeout(f"timed out ({type(exc).__name__})", url=url) from exc
            except httpx.ConnectError as exc:
                raise errors.ConnectError(f"could not connect: {exc}", url=url) from exc
            except httpx.TooManyRedirects as exc:
                raise errors.HTTPStatusError(
                    f"more than {self.policy.max_redirects} redirects", url=url) from exc
            except httpx.DecodingError as exc:
                raise errors.HTTPStatusError(f"undecodable body: {exc}", url=url) from exc
            except httpx.TransportError as exc:
                # Resets and protocol errors mid-body: usually a passing network fault.
                raise errors.ConnectError(
                    f"connection failed ({type(exc).__name__}: {exc})", url=url) from exc

    async def _stream(self, url: str, headers: dict[str, str], started: float) -> Response:
        assert self._client is not None
        async with self._client.stream("GET", url, headers=headers) as r:
            status = r.status_code
            if status == 429 or status >= 500:
                exc = errors.ServerError(f"HTTP {status} {r.reason_phrase}", url=url)
                exc.retry_after = _retry_after(r.headers.get("retry-after"))
                raise exc
            if status >= 400:
                raise errors.HTTPStatusError(f"HTTP {status} {r.reason_phrase}", url=url)
            chunks: list[bytes] = []
            size = 0
            # Counted after decompression, so a gzip bomb is cut off like any large page.
            encoding = r.headers.get("content-encoding", "").strip().lower()
            body = (_inflate(r.aiter_raw(), encoding) if encoding in ("gzip", "x-gzip", "deflate")
                    else r.aiter_bytes())
            async for chunk in body:
                size += len(chunk)
                if size > self.policy.max_bytes:
                    raise errors.TooLarge(
                        f"body larger than {self.policy.max_bytes} bytes; cut off", url=url)
                chunks.append(chunk)
            return Response(
                url=str(r.url), status=status,
                headers={k.lower(): v for k, v in r.headers.items()},
                body=b"".join(chunks),
                elapsed_ms=(time.perf_counter() - started) * 1000,
                encoding=r.charset_encoding,
            )


async def _inflate(raw: AsyncIterator[bytes], encoding: str,
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


def _retry_after(value: str | None) -> float | None:
    """Retry-After is seconds or an HTTP date; anything else is ignored."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
