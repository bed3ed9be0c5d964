"""Waiting for one of the fetcher's connections is not the site's fault: with more slow sites
than connections, a request queued behind them must not time out before it is even sent (it
did, with httpx's pool timeout, and the innocent source was reported as timing out)."""

from __future__ import annotations

import asyncio
import ssl
import time
from contextlib import ExitStack
from typing import Any

from scrapers.fetch import Fetcher, Response

from .fetching import fast
from .hostile_server import HostileRequest, HostileServer, reply


def _slow(req: HostileRequest) -> None:
    time.sleep(0.5)
    req.send(200, b"slow but fine", {"Content-Type": "text/plain"})


async def _get_all(urls: list[str], max_connections: int) -> list[Response]:
    policy = fast(max_connections=max_connections, read_timeout=1.2, total_timeout=4.0,
                  retries=0)
    async with Fetcher(policy) as fetcher:
        return list(await asyncio.gather(*(fetcher.get(u, robots=False) for u in urls)))


def test_requests_queued_for_a_connection_are_sent_not_timed_out() -> None:
    with ExitStack() as stack:
        # Six slow sites and one quick one, each its own host on loopback.
        servers = [stack.enter_context(HostileServer(f"127.0.0.{n}")) for n in range(2, 9)]
        urls = [s.route("/slow", _slow) for s in servers[:6]]
        urls.append(servers[6].route("/quick", reply(200, b"quick")))
        # Two connections: the last request waits about 1.5 s, longer than the read timeout
        # (1.2 s, which leaves each 0.5 s answer a wide margin on a loaded machine).
        responses = asyncio.run(_get_all(urls, max_connections=2))
    assert [r.status for r in responses] == [200] * 7
    assert [r.body for r in responses] == [b"slow but fine"] * 6 + [b"quick"]
    # The time spent queued is not counted as the site's: each answer took about 0.5 s.
    assert all(r.elapsed_ms < 1_100 for r in responses), [r.elapsed_ms for r in responses]


def test_a_wait_for_a_connection_does_not_shrink_the_gap_between_requests_to_a_host() -> None:
    with HostileServer("127.0.0.2") as slow_site, HostileServer("127.0.0.3") as site:
        slow = slow_site.route("/slow", _slow)
        page = site.route("/page", reply(200, b"ok"))
        policy = fast(max_connections=1, min_delay=0.3, per_host_concurrency=2, retries=0,
                      total_timeout=5.0, read_timeout=2.0)

        async def run() -> None:
            async with Fetcher(policy) as fetcher:
                first = asyncio.create_task(fetcher.get(slow, robots=False))
                await asyncio.sleep(0.05)       # the slow site holds the one connection
                await asyncio.gather(first, *(fetcher.get(f"{page}?n={n}", robots=False)
                                              for n in range(2)))

        asyncio.run(run())
        # Both pages passed the host's pacing while the connection was busy (0.3 s apart),
        # then waited for it together: they must still reach the site 0.3 s apart.
        times = [r.at for r in site.log if r.path.startswith("/page")]
    assert len(times) == 2 and times[1] - times[0] >= 0.28, times


def test_every_client_verifies_certificates_with_one_shared_tls_context() -> None:
    # Built once per process (reading the CA bundle took ~20 ms per client and pool, three a
    # run); every client and pool must still verify the certificate and the host name.
    async def pools() -> list[object]:
        found = []
        for _ in range(2):   # two runs
            async with Fetcher(fast(allow_private_addresses=False)) as fetcher:
                for private in (False, True):
                    transport: Any = fetcher._lane(private).client._transport
                    found.append(transport._pool._ssl_context)
        return found

    contexts = asyncio.run(pools())
    assert len(contexts) == 4   # the guarded client's pool and the open one's, twice
    assert len({id(c) for c in contexts}) == 1
    context = contexts[0]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0
