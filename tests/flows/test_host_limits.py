"""The host gate kept in Prefect's global concurrency limits (flows/host_limits.py), against a
real Prefect API (the test harness) and a real HTTP server on 127.0.0.1 that counts what it
is handling at once and when each request arrived.

Two gates in one process stand for two workers: they share nothing but the Prefect API (the
cross-process test is tests/flows/test_host_limits_workers.py)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Iterator

import pytest
from prefect.client.orchestration import get_client

from core.settings import Settings
from flows.host_limits import PrefectHostGate, host_gate, limit_names
from scrapers import errors
from scrapers.fetch import Fetcher, Response
from scrapers.host_gate import LocalHostGate
from tests.scrapers.hostile_server import HostileServer, reply, robots_txt
from tests.scrapers.polite import policy

HOLD = 1.0      # each answer takes this long: requests overlap unless something stops them
PACE = 0.3      # least time between two request starts to the host
TOLERANCE = 0.05   # the server (a thread in this process) notes a start a moment late


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as s:
        s.route("/robots.txt", robots_txt("User-agent: *\nAllow: /\n"))
        s.fallback = s.counting(reply(200, b"ok"), hold=HOLD)
        yield s


async def _fetch_all(gate: PrefectHostGate | LocalHostGate, urls: list[str], **overrides: float
                     ) -> list[Response | errors.ScrapeError]:
    async def one(fetcher: Fetcher, url: str) -> Response | errors.ScrapeError:
        try:
            return await fetcher.get(url)
        except errors.ScrapeError as exc:
            return exc
    async with Fetcher(policy(**overrides), gate=gate) as fetcher:
        return list(await asyncio.gather(*(one(fetcher, u) for u in urls)))


def _starts(server: HostileServer) -> list[float]:
    return sorted(r.at for r in server.log if r.path != "/robots.txt")


def test_two_gates_on_one_api_keep_one_hosts_concurrency_and_pacing(
        prefect_harness: None, server: HostileServer) -> None:
    urls = [f"{server.base_url}/page-{i}" for i in range(10)]

    async def both() -> list[list[Response | errors.ScrapeError]]:
        return list(await asyncio.gather(*(
            _fetch_all(PrefectHostGate(2, wait_seconds=60), urls[i::2], min_delay=PACE,
                       per_host_concurrency=2) for i in range(2))))

    outcomes = [o for batch in asyncio.run(both()) for o in batch]
    assert all(isinstance(o, Response) and o.status == 200 for o in outcomes), outcomes
    assert server.max_inflight == 2     # shared: both slots in use at times, never three
    starts = _starts(server)
    assert len(starts) == len(urls)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= PACE - TOLERANCE, gaps

    async def limits() -> list[tuple[int, float]]:
        async with get_client() as client:
            return [((lim := await client.read_global_concurrency_limit_by_name(n)).limit,
                     lim.slot_decay_per_second) for n in limit_names("127.0.0.1")]
    assert asyncio.run(limits()) == [(2, 0.0), (1, 0.0)]   # created on demand


def test_a_crawl_delay_paces_the_host_across_gates(prefect_harness: None) -> None:
    with HostileServer() as server:
        server.route("/robots.txt", robots_txt("User-agent: newswatch\nCrawl-delay: 0.6\n"))
        server.fallback = reply(200, b"ok")
        urls = [f"{server.base_url}/page-{i}" for i in range(6)]

        async def both() -> list[list[Response | errors.ScrapeError]]:
            return list(await asyncio.gather(*(
                _fetch_all(PrefectHostGate(4), urls[i::2], min_delay=0.05,
                           per_host_concurrency=4) for i in range(2))))

        outcomes = [o for batch in asyncio.run(both()) for o in batch]
        starts = _starts(server)
    assert all(isinstance(o, Response) for o in outcomes), outcomes
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 6 and min(gaps) >= 0.6 - TOLERANCE, gaps


def test_without_the_gate_the_same_two_runs_overlap(server: HostileServer) -> None:
    """The measurement above can fail: two runs with their own local limits reach 4."""
    urls = [f"{server.base_url}/page-{i}" for i in range(8)]

    async def both() -> None:
        await asyncio.gather(*(_fetch_all(LocalHostGate(2), urls[i::2]) for i in range(2)))
    asyncio.run(both())
    assert server.max_inflight == 4


def test_a_host_busy_longer_than_the_wait_fails_as_a_timeout_not_a_hang(
        prefect_harness: None, server: HostileServer) -> None:
    host = "127.0.0.1"
    slot_name, _ = limit_names(host)

    async def blocked() -> tuple[list[Response | errors.ScrapeError], float]:
        other = PrefectHostGate(1)      # another worker, holding the host's one slot
        await other._ensure(host)
        try:
            async with other._held(slot_name):
                started = time.monotonic()
                outcome = await _fetch_all(PrefectHostGate(1, wait_seconds=1.5),
                                           [f"{server.base_url}/page"], retries=2)
                return outcome, time.monotonic() - started
        finally:
            await other.aclose()

    [outcome], waited = asyncio.run(blocked())
    assert isinstance(outcome, errors.HostGateTimeout), outcome
    assert outcome.transient and outcome.error_class == "timeout" and outcome.attempts == 1
    assert "NEWSWATCH_HOST_LIMITS_WAIT_SECONDS" in str(outcome) and slot_name in str(outcome)
    assert 1.4 < waited < 10
    assert server.log == []   # not even robots.txt went out


def test_an_unreachable_api_falls_back_to_local_limits_logged_once(
        server: HostileServer, caplog: pytest.LogCaptureFixture) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    gate = PrefectHostGate(1, wait_seconds=30)
    urls = [f"{server.base_url}/page-{i}" for i in range(3)]
    with caplog.at_level(logging.WARNING, logger="newswatch.host_limits"), \
            temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        outcomes = asyncio.run(_fetch_all(gate, urls, per_host_concurrency=1))
    assert all(isinstance(o, Response) and o.status == 200 for o in outcomes), outcomes
    assert server.max_inflight == 1          # the local limits hold
    assert gate.fallen_back and "ConnectError" in gate.fallen_back
    warnings = [r for r in caplog.records if r.name == "newswatch.host_limits"]
    assert len(warnings) == 1
    assert "NEWSWATCH_HOST_LIMITS=local" in warnings[0].getMessage()


@pytest.mark.parametrize(("mode", "shared", "expected"), [
    ("auto", True, PrefectHostGate), ("auto", False, LocalHostGate),
    ("prefect", False, PrefectHostGate), ("local", True, LocalHostGate)])
def test_the_setting_chooses_the_gate(mode: str, shared: bool, expected: type,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_HOST_LIMITS", mode)
    gate = host_gate(Settings(), policy(per_host_concurrency=3), shared=shared)
    assert isinstance(gate, expected) and isinstance(gate, PrefectHostGate | LocalHostGate)
    assert gate.concurrency == 3
