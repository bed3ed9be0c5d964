"""Per-host slots and pacing: the gate every request hop passes before it goes out.

`LocalHostGate` (the default) holds them in this process with asyncio primitives: at most
`concurrency` requests to a host at once, starts at least the hop's `delay` apart. A gate
shared by several processes (flows/host_limits.py: Prefect's global concurrency limits) has
the same shape, so the fetcher does not know which one it goes through.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class HostGate(Protocol):
    def hop(self, host: str, delay: float) -> AbstractAsyncContextManager[None]:
        """Held while one request to `host` is in flight: entering waits for one of the
        host's slots and until `delay` seconds have passed since the host's last request
        start. Raises a `ScrapeError` when the gate cannot be passed (nothing was sent)."""
        ...

    async def aclose(self) -> None:
        """The run is over: release whatever the gate still holds."""
        ...


class LocalHostGate:
    """Slots and pacing in this process only (one run, one Fetcher)."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self._slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(concurrency))
        self._pace_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._next_start: dict[str, float] = {}

    @asynccontextmanager
    async def hop(self, host: str, delay: float) -> AsyncIterator[None]:
        async with self._slots[host]:
            await self._pace(host, delay)
            yield

    async def _pace(self, host: str, delay: float) -> None:
        async with self._pace_locks[host]:
            wait = self._next_start.get(host, 0.0) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next_start[host] = time.monotonic() + delay

    async def aclose(self) -> None:
        return None


class StartGaps:
    """When each host's last request really started, in this process. A gate paces a hop when
    it lets it through; a wait for one of the fetcher's connections after that may bring it
    close behind the host's previous request, which had waited longer. `keep` holds the hop
    until `delay` after that request's real start (reserving its own start before sleeping,
    so two hops released together still go out apart)."""

    def __init__(self) -> None:
        self._sent_at: dict[str, float] = {}

    async def keep(self, host: str, delay: float) -> None:
        now = time.monotonic()
        start = max(now, self._sent_at.get(host, now - delay) + delay)
        self._sent_at[host] = start
        if start > now:
            await asyncio.sleep(start - now)
