"""What sharing per-host limits through the Prefect API costs a request: the same requests to
one host (the demo web's pages, no pacing, 2 slots) through this process's own limits and
through Prefect global concurrency limits (flows/host_limits.py), alternately.

Runs under Prefect's test harness (a temporary local API server on SQLite): a server on
PostgreSQL on its own machine answers differently, so read the figure as the order of the
cost, not a promise.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from bench.results import record
from demo.catalog import article_path, visible_articles
from demo.server import DemoNewsServer
from demo.sites import PROFILES
from flows.host_limits import PrefectHostGate
from scrapers.fetch import Fetcher, FetchPolicy
from scrapers.host_gate import HostGate, LocalHostGate

REQUESTS = 40
SLOTS = 2


async def _fetch(gate: HostGate, urls: list[str]) -> float:
    policy = FetchPolicy(retries=0, min_delay=0.0, per_host_concurrency=SLOTS,
                         allow_private_addresses=True)   # the demo web is on 127.0.0.1
    async with Fetcher(policy, gate=gate) as fetcher:
        await fetcher.robots_rules(urls[0])
        started = time.perf_counter()
        await asyncio.gather(*(fetcher.get(u) for u in urls))
        return time.perf_counter() - started


def run(repeats: int = 5) -> list[tuple[str, str]]:
    from prefect.testing.utilities import prefect_test_harness

    local, shared = [], []
    with prefect_test_harness(server_startup_timeout=120), DemoNewsServer() as server:
        pages = [server.base_url + article_path(a) for p in PROFILES
                 for a in visible_articles(p.slug, server.clock.now())]
        urls = [pages[i % len(pages)] for i in range(REQUESTS)]
        asyncio.run(_fetch(PrefectHostGate(SLOTS), urls[:2]))   # warm-up: limits created
        for _ in range(repeats):
            local.append(asyncio.run(_fetch(LocalHostGate(SLOTS), urls)))
            shared.append(asyncio.run(_fetch(PrefectHostGate(SLOTS), urls)))
    local_ms = statistics.median(local) / REQUESTS * 1000
    shared_ms = statistics.median(shared) / REQUESTS * 1000
    record({"host_limits_local_ms_per_request": local_ms,
            "host_limits_prefect_ms_per_request": shared_ms,
            "host_limits_prefect_vs_local_ratio": shared_ms / local_ms})
    return [(f"host limits: local, {REQUESTS} requests, {SLOTS} slots",
             f"{local_ms:7.1f} ms/request"),
            ("host limits: shared through Prefect",
             f"{shared_ms:7.1f} ms/request ({shared_ms / local_ms:.1f}x local; "
             f"{shared_ms - local_ms:.0f} ms more per request)")]
