"""Politeness across workers: two processes, each running the work-pool scrape flow on its own
partition, against one Prefect API (the test harness); every source (the demo's three sites,
their feeds and articles) is on ONE host, a server on 127.0.0.1 that holds each answer a
while and records when each request started and ended. Across both workers together the host
never has more requests in flight than `per_host_concurrency`, and request starts are at
least the pacing delay apart; everything is fetched.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from demo.catalog import article_path, feed_path, visible_articles
from demo.clock import DemoClock
from demo.routes import DemoApp
from demo.sites import PROFILES
from tests.scrapers.hostile_server import HostileRequest, HostileServer, Route, demo_app

REPO = Path(__file__).resolve().parents[2]
CONCURRENCY = 2
PACE = 0.3          # NEWSWATCH_FETCH_MIN_DELAY_SECONDS for both workers
HOLD = 0.8          # each answer takes this long (well over PACE), so requests would overlap if let
TOLERANCE = 0.03    # the server notes a start a moment after the client sent it
pytestmark = pytest.mark.e2e


@dataclass
class Spans:
    """Start and end (time.monotonic()) of every request, and the most at once."""

    spans: list[tuple[float, float, str]] = field(default_factory=list)
    inflight: int = 0
    max_inflight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, route: Route) -> Route:
        def wrapped(req: HostileRequest) -> None:
            start = time.monotonic()
            with self.lock:
                self.inflight += 1
                self.max_inflight = max(self.max_inflight, self.inflight)
            try:
                time.sleep(HOLD)
            finally:
                with self.lock:    # counted out before answering: the maximum is exact
                    self.inflight -= 1
            route(req)
            with self.lock:
                self.spans.append((start, time.monotonic(), req.path))
        return wrapped


@pytest.fixture
def site() -> Iterator[tuple[HostileServer, Spans, DemoClock]]:
    clock, spans = DemoClock(), Spans()
    with HostileServer() as server:
        server.fallback = spans.timed(demo_app(DemoApp(clock, server.base_url)))
        yield server, spans, clock


def _config(folder: Path, base_url: str) -> Path:
    (folder / "rules").mkdir(parents=True)
    sources = "".join(
        f"  - id: {p.slug}\n    url: {base_url}{feed_path(p.slug)}\n    language: en\n"
        "    allow_private_addresses: true\n" for p in PROFILES)
    (folder / "sources.yaml").write_text("sources:\n" + sources, "utf-8")
    (folder / "channels.yaml").write_text("channels: []\n", "utf-8")
    return folder


def _max_overlap(spans: list[tuple[float, float, str]]) -> int:
    edges = sorted([(s, 1) for s, _, _ in spans] + [(e, -1) for _, e, _ in spans])
    return max(itertools.accumulate(d for _, d in edges))


def _run_workers(env: dict[str, str], go: Path) -> list[dict[str, Any]]:
    """Two `scrape_flow` runs, partitions 0 and 1 of 2, each in its own process, started
    together; what each printed."""
    workers = [subprocess.Popen(
        [sys.executable, "-m", "tests.flows.scrape_child", str(i), "2", str(go)], env=env,
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(2)]
    try:
        for worker in workers:      # both imported and waiting: start them together
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready", worker.stderr
        go.touch()
        outputs = [w.communicate(timeout=240) for w in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err[-3000:]
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]


def test_two_workers_on_one_host_keep_its_concurrency_and_pacing_together(
        prefect_harness: None, site: tuple[HostileServer, Spans, DemoClock],
        tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    server, spans, clock = site
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    env.update({
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PYTHONPATH": str(REPO),
        "NEWSWATCH_CONFIG_DIR": str(_config(tmp_path / "config", server.base_url)),
        "NEWSWATCH_STAGING_DIR": str(tmp_path / "staging"),
        "NEWSWATCH_WAREHOUSE": str(tmp_path / "wh.duckdb"),
        "NEWSWATCH_FETCH_RETRIES": "0",
        "NEWSWATCH_FETCH_MIN_DELAY_SECONDS": str(PACE),
        "NEWSWATCH_PER_HOST_CONCURRENCY": str(CONCURRENCY),
        "NEWSWATCH_HOST_LIMITS": "auto",   # a work-pool scrape run: Prefect's limits
        "NEWSWATCH_ALLOW_PRIVATE_ADDRESSES": "1",
    })
    results = _run_workers(env, tmp_path / "go")

    # Everything was fetched: every feed, every visible article, once per worker's sources.
    visible = [a for p in PROFILES for a in visible_articles(p.slug, clock.now())]
    assert sorted(s for r in results for s in r["sources"]) == sorted(p.slug for p in PROFILES)
    assert all(r["sources"] for r in results)        # each worker had a partition
    assert sum(r["articles"] for r in results) == len(visible)
    assert sum(r["errors"] for r in results) == 0
    fetched = {path for _, _, path in spans.spans}
    assert {article_path(a) for a in visible} | {feed_path(p.slug) for p in PROFILES} <= fetched
    assert len(list((tmp_path / "staging").glob("batch-*.parquet"))) == 2

    # The two workers did run at the same time...
    (a0, a1), (b0, b1) = ((r["started"], r["ended"]) for r in results)
    assert max(a0, b0) < min(a1, b1)
    # ...and together never exceeded the host's concurrency, nor its pacing.
    starts = sorted(s for s, _, _ in spans.spans)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    print(f"\n{len(starts)} requests; most in flight {spans.max_inflight} (spans overlap "
          f"{_max_overlap(spans.spans)}); gaps between starts: least {min(gaps):.3f} s, "
          f"median {sorted(gaps)[len(gaps) // 2]:.3f} s")
    assert spans.max_inflight <= CONCURRENCY
    assert spans.max_inflight == CONCURRENCY     # the limit was reached, not just respected
    assert min(gaps) >= PACE - TOLERANCE, gaps
