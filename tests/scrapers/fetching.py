"""What the fetcher tests share: a policy with small timeouts and backoff, and one fetch
that returns the Response or the ScrapeError raised."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from scrapers import errors
from scrapers.fetch import Fetcher, FetchPolicy, Response


def fast(**overrides: Any) -> FetchPolicy:
    """Small timeouts and backoff so every test is quick; the test servers are on 127.0.0.1,
    so private addresses are allowed unless a test says otherwise."""
    settings: dict[str, Any] = dict(connect_timeout=1.0, read_timeout=2.0, total_timeout=4.0,
                                    retries=2, backoff_base=0.01, max_retry_after=5.0,
                                    max_redirects=3, max_bytes=1_000_000, min_delay=0.0,
                                    allow_private_addresses=True)
    settings.update(overrides)
    return FetchPolicy(**settings)


async def _get(url: str, policy: FetchPolicy, **kwargs: Any) -> Response:
    async with Fetcher(policy) as fetcher:
        return await fetcher.get(url, **kwargs)


def fetch(url: str, policy: FetchPolicy | None = None, **kwargs: Any) -> Response:
    return asyncio.run(_get(url, policy or fast(), **kwargs))


def fetch_error(url: str, policy: FetchPolicy | None = None) -> errors.ScrapeError:
    with pytest.raises(errors.ScrapeError) as caught:
        fetch(url, policy)
    return caught.value
