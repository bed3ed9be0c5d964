"""Polite asynchronous HTTP: one client, robots.txt, per-host limits and pacing, bounded
bodies, classified errors.

Connections to loopback, private, link-local, shared, multicast and reserved addresses are
refused (`scrapers/addresses.py`) unless the policy or the request opts in; the two kinds of
request use separate clients, so a pooled connection never crosses from one to the other.
A caller's request headers go to the requested origin only, never on across a redirect to
another origin.

Every request to a host goes through that host's slots (`per_host_concurrency`) and pacing
(`min_delay` between request starts, or the site's Crawl-delay when longer), held by a host
gate (`scrapers/host_gate.py`: this process's own, or one shared by every worker); robots.txt is
read once per origin and kept (`robots_ttl`). Redirects are followed here, not by httpx, so
that each hop is paced, checked against robots.txt and counted.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

import httpx

from core.identity import PLACEHOLDER_CONTACT, build_user_agent
from scrapers import errors
from scrapers.addresses import AddressRefused, GuardedTransport, networks, tls_context
from scrapers.decompress import read_body
from scrapers.host_gate import HostGate, LocalHostGate, StartGaps
from scrapers.models import Validators
from scrapers.retry_after import retry_after as _retry_after
from scrapers.robots import MAX_ROBOTS_BYTES, RobotsCache, RobotsRules, origin_of, rules_from_answer
from scrapers.urls import headers_may_follow, host_of, redirect_target, url_problem

logger = logging.getLogger("newswatch.fetch")

_T = TypeVar("_T")
_warned_placeholder = False


DEFAULT_USER_AGENT = build_user_agent()


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 5.0
    read_timeout: float = 15.0        # longest silence between two pieces of an answer
    total_timeout: float = 30.0       # the whole answer, all redirect hops together
    max_bytes: int = 5_000_000        # after decompression
    retries: int = 2
    backoff_base: float = 0.5
    max_retry_after: float = 30.0
    per_host_concurrency: int = 2
    max_connections: int = 8
    max_redirects: int = 5
    min_delay: float = 1.0            # seconds between request starts to one host
    max_crawl_delay: float = 60.0     # a longer Crawl-delay is capped here
    robots_ttl: float = 24 * 3600.0   # robots.txt is read again after this
    robots_retry: float = 300.0       # an unreadable robots.txt is tried again after this
    # Every source may reach loopback, private, link-local, shared, multicast and reserved
    # addresses (otherwise only those with `allow_private_addresses: true` may).
    allow_private_addresses: bool = False
    allowed_networks: tuple[str, ...] = ()   # reachable all the same, e.g. "10.20.0.0/16"


@dataclass(frozen=True)
class Response:
    url: str                          # the final URL, after redirects
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: float                 # network time of all hops, without politeness waits
    encoding: str | None = None
    attempts: int = 1
    redirects: tuple[str, ...] = ()   # the URLs redirected through, in order

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


@dataclass(frozen=True)
class _Hop:
    """One request's answer: a final response, or a redirect to follow."""

    response: Response
    location: str | None = None


# Where a redirect's Location waits for `_follow`: httpx builds the next request from it by
# itself and raises on a malformed one (mailto:x, http://[oops/), which would lose the answer.
_LOCATION = "newswatch.location"


async def _hold_location(response: httpx.Response) -> None:
    location = response.headers.pop("location", None)
    if location is not None:
        response.extensions[_LOCATION] = location


@dataclass
class _Lane:
    """One client with its own connection pool and robots.txt cache: sources that may reach
    private addresses never share a connection with those that may not."""

    client: httpx.AsyncClient
    robots: RobotsCache
    # One slot per pooled connection, taken before a hop's clock starts: a request queued
    # behind slow sites waits here, not in httpx's pool, whose timeout would blame this site.
    connections: asyncio.Semaphore


@dataclass
class Fetcher:
    """Owns the httpx clients. Use as `async with Fetcher(policy) as f: await f.get(url)`.
    `gate` holds the per-host slots and pacing (default: this process's own); the Fetcher
    closes it when it closes."""

    policy: FetchPolicy = field(default_factory=FetchPolicy)
    transport: httpx.AsyncBaseTransport | None = None   # tests: replaces the network
    gate: HostGate | None = None
    _lanes: dict[bool, _Lane] = field(default_factory=dict)
    _entered: bool = False
    _crawl_delay: dict[str, float] = field(default_factory=dict)
    _gaps: StartGaps = field(default_factory=StartGaps)

    async def __aenter__(self) -> Fetcher:
        p = self.policy
        _warn_placeholder(p.user_agent)
        if self.gate is None:
            self.gate = LocalHostGate(p.per_host_concurrency)
        self._entered = True
        self._lane(False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        lanes, self._lanes = list(self._lanes.values()), {}
        try:
            for lane in lanes:
                await lane.client.aclose()
        finally:
            if self.gate is not None:
                await self.gate.aclose()

    def _lane(self, allow_private: bool) -> _Lane:
        """The client for public addresses only, or (opened when first needed) the one that
        may also reach private ones. With the policy's opt-in there is only the latter."""
        p = self.policy
        if not self._entered:
            raise RuntimeError("use Fetcher as an async context manager")
        open_lane = allow_private or p.allow_private_addresses
        if open_lane not in self._lanes:
            limits = httpx.Limits(max_connections=p.max_connections,
                                  max_keepalive_connections=p.max_connections)
            transport = self.transport
            if transport is None and not open_lane:
                transport = GuardedTransport(limits, networks(p.allowed_networks))
            client = httpx.AsyncClient(
                # Only what we inflate ourselves, in bounded pieces (scrapers/decompress.py).
                headers={"User-Agent": p.user_agent, "Accept-Encoding": "gzip, deflate, br"},
                timeout=httpx.Timeout(p.read_timeout, connect=p.connect_timeout),
                limits=limits, follow_redirects=False, transport=transport,
                verify=tls_context(),
                event_hooks={"response": [_hold_location]})
            self._lanes[open_lane] = _Lane(client, RobotsCache(ttl=p.robots_ttl,
                                                               retry_after=p.robots_retry),
                                           asyncio.Semaphore(p.max_connections))
        return self._lanes[open_lane]

    async def get(self, url: str, *, headers: dict[str, str] | None = None,
                  validators: Validators | None = None, robots: bool = True,
                  allow_private: bool = False) -> Response:
        """GET with retries on transient failures. Raises a `ScrapeError` subclass:
        `RobotsDisallowed` (nothing was requested) when robots.txt forbids the URL,
        `RobotsUnavailable` when robots.txt cannot be read now, `BadUrl` for an address that is
        no URL, `BlockedAddress` for a non-public address (unless `allow_private`).
        `robots=False` skips the check, for sources whose owner allows newswatch explicitly.
        `headers` go to `url`'s origin only: a redirect elsewhere drops them."""
        problem = url_problem(url)
        if problem is not None:
            raise errors.BadUrl(f"not a usable URL ({problem}); not requested", url=url)
        lane = self._lane(allow_private)
        request_headers = dict(headers or {})
        if validators is not None:
            if validators.etag:
                request_headers["If-None-Match"] = validators.etag
            if validators.last_modified:
                request_headers["If-Modified-Since"] = validators.last_modified
        if robots:
            await self._check_robots(lane, url, headers or {})
        response, attempts = await self._with_retries(
            lambda: self._follow(lane, url, request_headers, robots=robots))
        return replace(response, attempts=attempts) if attempts > 1 else response

    async def robots_rules(self, url: str, headers: dict[str, str] | None = None, *,
                           allow_private: bool = False) -> RobotsRules:
        """The robots.txt rules for `url`'s origin (read now, or from the cache). `headers`
        go with the robots.txt request (a site behind an API key wants it there too)."""
        return await self._robots_rules(self._lane(allow_private), url, headers or {})

    async def _robots_rules(self, lane: _Lane, url: str, headers: dict[str, str]
                            ) -> RobotsRules:
        async def load(robots_url: str) -> RobotsRules:
            return await self._load_robots(lane, robots_url, headers)
        rules = await lane.robots.rules_for(url, load)
        delay = rules.crawl_delay
        if delay:
            self._crawl_delay[host_of(url)] = min(delay, self.policy.max_crawl_delay)
        return rules

    async def _check_robots(self, lane: _Lane, url: str, headers: dict[str, str],
                            redirected_from: str | None = None) -> None:
        rules = await self._robots_rules(lane, url, headers)
        if not rules.allows(url):
            via = f" (redirected from {redirected_from})" if redirected_from else ""
            why = f" ({rules.reason})" if rules.disallow_all else ""
            raise errors.RobotsDisallowed(
                f"robots.txt disallows this URL for newswatch{why}{via}; not requested", url=url)

    async def _load_robots(self, lane: _Lane, robots_url: str, headers: dict[str, str]
                           ) -> RobotsRules:
        headers = {k: v for k, v in headers.items()
                   if k.lower() not in ("if-none-match", "if-modified-since")}

        async def once() -> RobotsRules:
            response = await self._follow(lane, robots_url, headers, robots=False,
                                          for_robots=True)
            return rules_from_answer(origin_of(robots_url), response.status, response.body)
        rules, _attempts = await self._with_retries(once, retry_robots=True)
        return rules

    async def _with_retries(self, attempt_once: Callable[[], Awaitable[_T]], *,
                            retry_robots: bool = False) -> tuple[_T, int]:
        """Retry transient failures with backoff; the result and the attempts it took. An
        unreadable robots.txt met on a redirect is not retried here: its cached answer would
        only repeat (`retry_robots` is for the robots.txt request itself)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                result = await attempt_once()
            except errors.ScrapeError as exc:
                exc.attempts = attempt
                if (not exc.transient or attempt > self.policy.retries
                        or isinstance(exc, errors.HostGateTimeout)
                        or (isinstance(exc, errors.RobotsUnavailable) and not retry_robots)):
                    raise
                delay = exc.retry_after
                if delay is None:
                    delay = self.policy.backoff_base * (2 ** (attempt - 1))
                    delay *= 1 + random.random() * 0.25   # jitter spreads synchronized retries
                elif delay > self.policy.max_retry_after:
                    raise      # the server asks for longer than a run should wait: next run
                await asyncio.sleep(delay)
                continue
            return result, attempt

    async def _follow(self, lane: _Lane, url: str, headers: dict[str, str], *, robots: bool,
                      for_robots: bool = False) -> Response:
        """One attempt: the request and its redirects, each hop paced and (when `robots`)
        allowed by robots.txt. All hops share the total timeout. The caller's headers go
        only as far as the first hop to another origin (or down from https to http)."""
        chain = [url]
        spent = 0.0
        current = url
        while True:
            hop = await self._hop(lane, current, headers, self.policy.total_timeout - spent,
                                  for_robots=for_robots)
            spent += hop.response.elapsed_ms / 1000
            if hop.location is None:
                return Response(**{**hop.response.__dict__, "elapsed_ms": spent * 1000,
                                   "redirects": tuple(chain[1:])})
            target = redirect_target(url, current, hop.location)
            if target in chain:
                raise errors.RedirectError(
                    "redirect loop: " + " -> ".join([*chain[chain.index(target):], target]),
                    url=url)
            if len(chain) > self.policy.max_redirects:
                raise errors.RedirectError(
                    f"more than {self.policy.max_redirects} redirects (the last to {target})",
                    url=url)
            if not headers_may_follow(current, target):
                headers = {}
            if robots:
                await self._check_robots(lane, target, headers, redirected_from=url)
            chain.append(target)
            current = target

    async def _hop(self, lane: _Lane, url: str, headers: dict[str, str], budget: float, *,
                   for_robots: bool) -> _Hop:
        host = host_of(url)
        assert self.gate is not None   # set on entering
        delay = max(self.policy.min_delay, self._crawl_delay.get(host, 0.0))
        async with self.gate.hop(host, delay), lane.connections:
            await self._gaps.keep(host, delay)   # a wait for a connection came after the gate
            started = time.perf_counter()
            try:
                if budget <= 0:
                    raise TimeoutError
                async with asyncio.timeout(budget):
                    hop = await self._stream(lane, url, headers, for_robots=for_robots)
            except TimeoutError as exc:
                raise errors.FetchTimeout(
                    f"no complete answer within {self.policy.total_timeout:g} s", url=url
                ) from exc
            except AddressRefused as exc:
                raise errors.BlockedAddress(
                    f"{exc}: not fetched (a source reaches loopback, private, link-local, "
                    "shared, multicast and reserved addresses only with "
                    "`allow_private_addresses: true`)", url=url) from exc
            except httpx.TimeoutException as exc:
                raise errors.FetchTimeout(f"timed out ({type(exc).__name__})", url=url) from exc
            except httpx.ConnectError as exc:
                raise errors.ConnectError(f"could not connect: {exc}", url=url) from exc
            except httpx.DecodingError as exc:
                raise errors.HTTPStatusError(f"undecodable body: {exc}", url=url) from exc
            except httpx.TransportError as exc:
                # Resets and protocol errors mid-body: usually a passing network fault.
                raise errors.ConnectError(
                    f"connection failed ({type(exc).__name__}: {exc})", url=url) from exc
            elapsed_ms = (time.perf_counter() - started) * 1000
        return _Hop(Response(**{**hop.response.__dict__, "elapsed_ms": elapsed_ms}),
                    hop.location)

    async def _stream(self, lane: _Lane, url: str, headers: dict[str, str], *,
                      for_robots: bool) -> _Hop:
        try:
            request = lane.client.build_request("GET", url, headers=headers)
            r = await lane.client.send(request, stream=True)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as refused:
            # What url_problem let through, httpx may still refuse (a host it cannot encode).
            raise errors.BadUrl(f"not a usable URL ({type(refused).__name__}: {refused})",
                                url=url) from refused
        try:
            status = r.status_code
            location = r.extensions.get(_LOCATION)
            if 300 <= status < 400 and status != 304 and location:
                return _Hop(self._response(r, b""), location=location.strip())
            if not for_robots:   # robots.txt answers are judged by rules_from_answer
                if status == 429 or status >= 500:
                    exc = errors.ServerError(f"HTTP {status} {r.reason_phrase}", url=url)
                    exc.retry_after = _retry_after(r.headers.get("retry-after"))
                    raise exc
                if status >= 400:
                    raise errors.HTTPStatusError(f"HTTP {status} {r.reason_phrase}", url=url)
            elif status == 429 or status >= 500:
                unreadable = errors.RobotsUnavailable(
                    f"robots.txt answered HTTP {status}; nothing on {origin_of(url)} is "
                    "fetched until it can be read (a later run tries again)", url=url)
                unreadable.retry_after = _retry_after(r.headers.get("retry-after"))
                raise unreadable
            limit = MAX_ROBOTS_BYTES if for_robots else self.policy.max_bytes
            body = await read_body(r, url, limit, truncate=for_robots)
            return _Hop(self._response(r, body))
        finally:
            await r.aclose()

    @staticmethod
    def _response(r: httpx.Response, body: bytes) -> Response:
        return Response(url=str(r.url), status=r.status_code,
                        headers={k.lower(): v for k, v in r.headers.items()},
                        body=body, elapsed_ms=0.0, encoding=r.charset_encoding)


def _warn_placeholder(user_agent: str) -> None:
    global _warned_placeholder
    if PLACEHOLDER_CONTACT in user_agent and not _warned_placeholder:
        _warned_placeholder = True
        logger.warning(
            "the User-Agent names no contact of yours (%s): set NEWSWATCH_CONTACT_URL to a "
            "page or mailto: address where site owners can reach whoever runs newswatch",
            user_agent)
