"""Scraping the demo web: a cold run (everything new) against an idle run (feeds answer 304).

An idle run should cost a small fraction of a cold one: conditional GETs and known-URL skips.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from demo.server import DemoNewsServer
from scrapers.fetch import Fetcher, FetchPolicy
from scrapers.models import SourceConfig, SourceResult
from scrapers.pipeline import scrape_source


async def _scrape_all(sources: list[SourceConfig],
                      previous: dict[str, SourceResult] | None) -> dict[str, SourceResult]:
    # The demo sites are on 127.0.0.1: a private address the sources must be allowed.
    policy = FetchPolicy(retries=0, min_delay=0.0, allow_private_addresses=True)
    async with Fetcher(policy) as fetcher:
        results = await asyncio.gather(*(
            scrape_source(
                s, fetcher,
                known_urls={a.discovered_url for a in previous[s.id].articles} if previous else (),
                validators=previous[s.id].validators if previous else None)
            for s in sources))
    return {r.source_id: r for r in results}


def run(repeats: int = 5) -> list[tuple[str, str]]:
    cold, idle, pages = [], [], 0
    with DemoNewsServer() as server:
        sources = [SourceConfig(id=s.slug, url=s.feed_url) for s in server.sites()]
        for _ in range(repeats):
            started = time.perf_counter()
            first = asyncio.run(_scrape_all(sources, None))
            cold.append(time.perf_counter() - started)
            pages = sum(len(r.articles) for r in first.values())
            started = time.perf_counter()
            second = asyncio.run(_scrape_all(sources, first))
            idle.append(time.perf_counter() - started)
            assert sum(len(r.articles) for r in second.values()) == 0
    cold_s, idle_s = statistics.median(cold), statistics.median(idle)
    return [
        (f"scrape: cold run, {len(sources)} feeds + {pages} pages",
         f"{cold_s * 1000:7.1f} ms ({pages / cold_s:.0f} pages/s fetched and extracted)"),
        ("scrape: idle run (304s)",
         f"{idle_s * 1000:7.1f} ms; {idle_s / cold_s:.1%} of the cold run"),
    ]
