"""robots.txt: what an answer for /robots.txt means, and a per-origin cache of the rules.

The fetching itself is the Fetcher's (it goes through the same politeness limits as any other
request); this module turns its answer into rules and remembers them. The conventions are
those of RFC 9309 and the large crawlers: a missing file (any 4xx but 401/403) allows
everything, 401/403 disallows everything, and a 5xx, 429 or network failure means "unknown,
try later": nothing on that origin is fetched until it can be read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from protego import Protego

from scrapers import errors

USER_AGENT_TOKEN = "newswatch"   # the name robots.txt groups are matched against
MAX_ROBOTS_BYTES = 500_000       # Google reads the first 500 KiB and ignores the rest


def origin_of(url: str) -> str:
    """scheme://host[:port]: robots.txt applies to exactly one origin."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"   # an IPv6 address keeps its brackets
    port = parts.port
    scheme = parts.scheme.lower()
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def robots_url(url: str) -> str:
    return origin_of(url) + "/robots.txt"


@dataclass(frozen=True)
class RobotsRules:
    """One origin's rules for our User-Agent token."""

    origin: str
    parser: Protego | None = None     # None: no usable file, everything allowed
    disallow_all: bool = False        # 401/403 on robots.txt
    reason: str = "no robots.txt"     # how the rules were decided, for messages

    def allows(self, url: str) -> bool:
        if self.disallow_all:
            return False
        if self.parser is None:
            return True
        return self.parser.can_fetch(url, USER_AGENT_TOKEN)

    @property
    def crawl_delay(self) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(USER_AGENT_TOKEN)
        rate = self.parser.request_rate(USER_AGENT_TOKEN)
        if rate is not None and rate.requests > 0:   # "Request-rate: 1/10s" is a 10 s delay
            per_request = rate.seconds / rate.requests
            delay = per_request if delay is None else max(delay, per_request)
        return delay


def rules_from_answer(origin: str, status: int, body: bytes) -> RobotsRules:
    """Rules from the final answer to GET /robots.txt (after redirects). Raises
    RobotsUnavailable for answers that say nothing yet (5xx, 429)."""
    if 200 <= status < 300:
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        return RobotsRules(origin, parser=Protego.parse(text), reason="robots.txt")
    if status in (401, 403):
        return RobotsRules(origin, disallow_all=True,
                           reason=f"robots.txt answered HTTP {status}: treated as disallow all")
    if status == 429 or status >= 500:
        raise errors.RobotsUnavailable(
            f"robots.txt answered HTTP {status}; nothing on {origin} is fetched until it can "
            "be read (a later run tries again)", url=origin + "/robots.txt")
    return RobotsRules(origin, reason=f"robots.txt answered HTTP {status}: everything allowed")


@dataclass
class _Entry:
    expires: float
    rules: RobotsRules | None = None
    error: errors.ScrapeError | None = None


@dataclass
class RobotsCache:
    """Rules per origin, read once and kept for `ttl` seconds; a failure to read them is kept
    for `retry_after` seconds, so one unavailable site costs one request per period, not one
    per page. Concurrent callers for one origin share a single download."""

    ttl: float = 24 * 3600.0
    retry_after: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def rules_for(self, url: str,
                        load: Callable[[str], Awaitable[RobotsRules]]) -> RobotsRules:
        """The rules for `url`'s origin; `load(robots_url)` reads them when needed. Raises
        the (transient) error of a failed read, from the cache while it is fresh."""
        origin = origin_of(url)
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            entry = self._entries.get(origin)
            if entry is None or entry.expires <= self.clock():
                try:
                    rules = await load(origin + "/robots.txt")
                    entry = _Entry(self.clock() + self.ttl, rules=rules)
                except errors.ScrapeError as exc:
                    entry = _Entry(self.clock() + self.retry_after, error=_unavailable(exc))
                self._entries[origin] = entry
        if entry.error is not None:   # a copy naming this URL; the cached one stays as is
            error = type(entry.error)(entry.error.message, url=url)
            error.retry_after = entry.error.retry_after
            raise error from entry.error
        assert entry.rules is not None
        return entry.rules


def _unavailable(exc: errors.ScrapeError) -> errors.ScrapeError:
    """The error every URL of the origin gets while its robots.txt cannot be read. A site that
    cannot be reached at all keeps its network error class (connect, timeout): that is what
    is wrong with it; one whose address is refused keeps `blocked_address` as it is."""
    if isinstance(exc, (errors.RobotsUnavailable, errors.BlockedAddress)):
        return exc
    suffix = "while reading robots.txt; nothing on this site is fetched until it can be read"
    if isinstance(exc, (errors.ConnectError, errors.FetchTimeout)):
        same = type(exc)(f"{exc.message} ({suffix})", url=exc.url)
        same.__cause__ = exc
        return same
    unavailable = errors.RobotsUnavailable(f"{exc.error_class}: {exc.message} ({suffix})",
                                           url=exc.url)
    unavailable.__cause__ = exc
    return unavailable
