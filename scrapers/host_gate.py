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
