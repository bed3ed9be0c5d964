"""What the politeness tests share: a quick fetch policy, and fetching several URLs in one
run (one Fetcher), each outcome a Response or the error raised."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from scrapers import errors
from scrapers.fetch import Fetcher, FetchPolicy, Response

from .hostile_server import HostileServer


def policy(**overrides: Any) -> FetchPolicy:
    settings: dict[str, Any] = dict(connect_timeout=1.0, read_timeout=2.0, total_timeout=4.0,
                                    retries=1, backoff_base=0.01, max_retry_after=5.0,
                                    max_bytes=1_000_000, min_delay=0.0,
                                    allow_private_addresses=True)   # servers on 127.0.0.1
    settings.update(overrides)
    return FetchPolicy(**settings)


async def _many(calls: list[tuple[str, dict[str, Any]]], p: FetchPolicy
                ) -> list[Response | errors.ScrapeError]:
    """Fetch with one Fetcher (one run); each outcome is a Response or the error raised."""
    async def one(fetcher: Fetcher, url: str, kwargs: dict[str, Any]
                  ) -> Response | errors.ScrapeError:
        try:
            return await fetcher.get(url, **kwargs)
        except errors.ScrapeError as exc:
            return exc
    async with Fetcher(p) as fetcher:
        return list(await asyncio.gather(*(one(fetcher, u, k) for u, k in calls)))


def other_host(hostile: HostileServer) -> str:
    """The same server under a second host name."""
    if "127.0.0.1" not in {info[4][0] for info in socket.getaddrinfo("localhost", None)}:
        pytest.skip("localhost does not resolve to 127.0.0.1 here")
    return hostile.base_url.replace("127.0.0.1", "localhost")


def run(urls: list[str], p: FetchPolicy | None = None, **kwargs: Any
        ) -> list[Response | errors.ScrapeError]:
    return asyncio.run(_many([(u, kwargs) for u in urls], p or policy()))
