"""Per-host politeness across every worker: a host's request slots and pacing held in Prefect
global concurrency limits, which all workers reach through the one Prefect API they share.

Two limits per host, created on demand (and updated when the settings changed):

- `newswatch-host:<host>`, `per_host_concurrency` slots: one is held while a request to the
  host is in flight, on whichever worker;
- `newswatch-pace:<host>`, one slot: taken just before a request starts and kept until the
  pacing delay after its start (`fetch_min_delay_seconds`, or the Crawl-delay if longer), so two
  request starts on any workers are at least that far apart.

Pacing is a held slot rather than a slot-decay rate limit: Prefect decays whole slots counted
from the limit's last change, and every refused attempt is a change, so waiting workers would
keep holding each other off. A worker that dies keeps its slots until their lease runs out
(`LEASE_SECONDS`).

When the Prefect API cannot be reached the gate falls back to this process's own limits
(logged once): the run goes on as polite as a single worker. Waiting longer than
`wait_seconds` for a slot fails that request as a transient timeout (the next run tries again).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from uuid import UUID

import httpx
from prefect.client.orchestration import PrefectClient, get_client
from prefect.exceptions import ObjectAlreadyExists, PrefectException

from core.settings import Settings
from scrapers import errors
from scrapers.fetch import FetchPolicy
from scrapers.host_gate import HostGate, LocalHostGate

logger = logging.getLogger("newswatch.host_limits")

SLOT_PREFIX = "newswatch-host:"
PACE_PREFIX = "newswatch-pace:"
LEASE_SECONDS = 60.0      # Prefect's shortest lease; renewed while a slot is held
_NOT_IN_NAMES = str.maketrans({c: "_" for c in "/%&<>"})   # refused in Prefect names
# What an unreachable or refusing API raises.
_UNREACHABLE = (PrefectException, httpx.HTTPError, OSError)


class _Unreachable(Exception):
    pass


def limit_names(host: str) -> tuple[str, str]:
    """The host's slot limit and pace limit, as named in Prefect."""
    safe = host.translate(_NOT_IN_NAMES)
    return SLOT_PREFIX + safe, PACE_PREFIX + safe


def host_gate(settings: Settings, policy: FetchPolicy, *, shared: bool) -> HostGate:
    """The gate `NEWSWATCH_HOST_LIMITS` asks for: `prefect`, `local`, or `auto` (Prefect's
    limits when the run is `shared` with other workers, as work-pool scrape runs are)."""
    mode = settings.host_limits
    if mode == "prefect" or (mode == "auto" and shared):
        return PrefectHostGate(policy.per_host_concurrency, settings.host_limits_wait_seconds)
    return LocalHostGate(policy.per_host_concurrency)


class PrefectHostGate:
    """A `HostGate` whose slots and pacing every worker on the same Prefect API shares."""

    def __init__(self, concurrency: int, wait_seconds: float = 600.0, *,
                 poll_seconds: float = 0.2) -> None:
        self.concurrency = concurrency
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds   # the most a freed slot goes unnoticed
        self.fallen_back: str | None = None   # why the local limits took over
        self._local = LocalHostGate(concurrency)
        # In this process only the requests that could go out now ask the API: at most
        # `concurrency` per host wait for a slot, one for the pace slot.
        self._slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(concurrency))
        self._pace_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._client: PrefectClient | None = None
        self._ensured: set[str] = set()
        self._ensure_lock = asyncio.Lock()
        self._holders: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def hop(self, host: str, delay: float) -> AsyncIterator[None]:
        if self.fallen_back is None:
            async with self._slots[host]:
                held = AsyncExitStack()
                try:
                    started = await self._enter(held, host, delay)
                except _Unreachable as exc:
                    await held.aclose()
                    self._fall_back(str(exc))
                except BaseException:
                    await held.aclose()
                    raise
                else:
                    async with held:
                        started.set_result(time.monotonic())   # the pacing counts from here
                        yield
                    return
        async with self._local.hop(host, delay):
            yield

    async def aclose(self) -> None:
        """Wait for the pace slots still held: each is released once its delay is over, so
        the host's next request (another worker's) still starts no sooner."""
        if self._holders:
            await asyncio.gather(*self._holders, return_exceptions=True)
        client, self._client = self._client, None
        if client is not None:
            await client.__aexit__(None, None, None)

    def _fall_back(self, why: str) -> None:
        if self.fallen_back is None:
            self.fallen_back = why
            logger.warning(
                "per-host limits shared through the Prefect API are not available (%s); this "
                "run keeps them in this worker only, so other workers may reach the same hosts "
                "at the same time. Check PREFECT_API_URL and the Prefect server, or set "
                "NEWSWATCH_HOST_LIMITS=local to stop trying.", why)

    async def _enter(self, held: AsyncExitStack, host: str, delay: float
                     ) -> asyncio.Future[float]:
        """Hold one of the host's slots (on `held`) and wait for its pace slot. The caller
        sets the returned future to the time its request starts: the pace slot is kept
        until `delay` after that."""
        slot_name, pace_name = limit_names(host)
        started: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(self.wait_seconds):
                await self._ensure(host)
                await held.enter_async_context(self._held(slot_name))
                if delay > 0:
                    async with self._pace_locks[host]:
                        await self._pace(pace_name, delay, started)
                return started
        except TimeoutError as exc:
            raise errors.HostGateTimeout(
                f"no request slot for {host} within {self.wait_seconds:g} s (the limits "
                f"{slot_name} and {pace_name} are shared by every worker): not requested; the "
                "next run tries again (raise NEWSWATCH_HOST_LIMITS_WAIT_SECONDS if this host "
                "has more requests per run than that many seconds of pacing)") from exc
        except _UNREACHABLE as exc:
            raise _Unreachable(f"{type(exc).__name__}: {exc}") from exc

    async def _ensure(self, host: str) -> None:
        """Create the host's limits (or set them to this run's concurrency), once per run."""
        if host in self._ensured:
            return
        async with self._ensure_lock:
            if host in self._ensured:
                return
            if self._client is None:
                client = get_client()
                await client.__aenter__()
                self._client = client
            slot_name, pace_name = limit_names(host)
            for name, limit in ((slot_name, self.concurrency), (pace_name, 1)):
                await _upsert(self._client, name, limit)
            self._ensured.add(host)

    @asynccontextmanager
    async def _held(self, name: str) -> AsyncIterator[None]:
        """One slot of the limit `name`, held (its lease renewed) until the block ends."""
        assert self._client is not None   # opened by _ensure
        lease = await self._take(self._client, name)
        renewing = asyncio.create_task(self._renew(self._client, lease))
        try:
            yield
        finally:
            renewing.cancel()
            try:
                await self._client.release_concurrency_slots_with_lease(lease)
            except _UNREACHABLE as exc:   # must not fail a request that went out
                logger.warning("could not release a slot of %s (%s); its lease frees it "
                               "within %g s", name, exc, LEASE_SECONDS)

    async def _take(self, client: PrefectClient, name: str) -> UUID:
        """Ask for a slot until one is free, every `poll_seconds` at most: Prefect's own
        retry waits about a slot's average hold, which would leave a host idle much of the
        time. The lease's id."""
        while True:
            try:
                response = await client.increment_concurrency_slots_with_lease(
                    names=[name], slots=1, mode="concurrency", lease_duration=LEASE_SECONDS)
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code != 423:     # 423: every slot is taken
                    raise
                retry_after = float(exc.response.headers.get("Retry-After") or 0)
                await asyncio.sleep(min(max(retry_after, 0.01), self.poll_seconds))
                continue
            answer = response.json()
            if not answer.get("limits"):
                raise PrefectException(f"the limit {name} is gone (deleted during the run?)")
            return UUID(answer["lease_id"])

    @staticmethod
    async def _renew(client: PrefectClient, lease: UUID) -> None:
        while True:
            await asyncio.sleep(LEASE_SECONDS / 3)
            try:
                await client.renew_concurrency_lease(lease, LEASE_SECONDS)
            except _UNREACHABLE as exc:
                logger.warning("could not renew a host slot's lease: %s", exc)

    async def _pace(self, name: str, delay: float, started: asyncio.Future[float]) -> None:
        """Take the pace slot; a task of its own keeps it until `delay` after the request
        `started` (counted from the request's start, not from taking the slot: a busy event
        loop may hand the request on late, and the next start would come too soon)."""
        taken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        holder = asyncio.create_task(self._hold(name, delay, taken, started))
        self._holders.add(holder)
        holder.add_done_callback(self._holders.discard)
        try:
            await taken
        except BaseException:
            holder.cancel()
            raise

    async def _hold(self, name: str, delay: float, taken: asyncio.Future[None],
                    started: asyncio.Future[float]) -> None:
        try:
            async with self._held(name):
                if taken.done():     # the request gave up waiting meanwhile
                    return
                taken.set_result(None)
                try:
                    async with asyncio.timeout(LEASE_SECONDS):   # set unless a bug
                        at = await asyncio.shield(started)
                except TimeoutError:
                    at = time.monotonic()
                await asyncio.sleep(max(0.0, at + delay - time.monotonic()))
        except asyncio.CancelledError:
            if not taken.done():
                taken.cancel()
            raise
        except Exception as exc:
            if not taken.done():
                taken.set_exception(exc)


async def _upsert(client: PrefectClient, name: str, limit: int) -> None:
    """Create the limit or set its size. Two workers creating it at once: one of them is
    refused (409, or a 500 from a server on SQLite) and finds it there on the next try."""
    for attempt in range(3):
        try:
            await client.upsert_global_concurrency_limit_by_name(name, limit)
            return
        except (ObjectAlreadyExists, httpx.HTTPStatusError):
            if attempt == 2:
                raise
            await asyncio.sleep(0.2 * (attempt + 1))
