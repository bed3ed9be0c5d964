"""Sizing figures for a work-pool deployment (docs/scaling.md turns them into a table).

1. The loader: articles per second from staged batches into DuckDB (`load_staged`: read each
   Parquet batch, load it with its ledger row, move it to loaded/), with the staging area a
   local folder and an S3 bucket (moto's server in a process of its own on 127.0.0.1). The
   warehouse already holds PRELOADED articles, so story clustering searches a realistic
   store. Baseline in the same run: the same articles loaded directly (`load_results`, one
   transaction per batch, no staging).
2. One scrape worker: sources per minute for a pass in which every source has NEW_PER_SOURCE
   new articles (a feed request + that many article pages, fetched and extracted), then the
   staged batch written; against the local news site (bench/news_site.py, 5 hosts on
   loopback, no politeness delay: a CPU figure, the network cap is in docs/scaling.md).
   Baseline in the same run: an idle pass (every feed answers 304).
Medians of REPEATS; each loader repeat starts from a copy of the same warehouse.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.loading import _sources, make_articles
from bench.news_site import LocalNewsSite
from bench.results import record
from core.settings import Settings
from pipeline import steps
from scrapers.models import FetchRecord, KnownUrls, SourceConfig, SourceResult
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer
from warehouse.staging import load_staged, write_batch
from warehouse.staging_store import S3Options, S3Store, StagingStore, as_store

REPEATS = 3
BATCHES, PER_BATCH, PRELOADED = 20, 100, 10_000
WORKER_SOURCES, NEW_PER_SOURCE = 100, 2


# -- the loader ------------------------------------------------------------------------------

def _batches() -> list[list[SourceResult]]:
    articles = make_articles(BATCHES * PER_BATCH, seed=11, offset=PRELOADED)
    out = []
    for b in range(BATCHES):
        mine = articles[b * PER_BATCH:(b + 1) * PER_BATCH]
        by_source: dict[str, SourceResult] = {}
        for a in mine:
            result = by_source.setdefault(a.source_id, SourceResult(a.source_id))
            result.articles.append(a)
            result.fetches.append(FetchRecord(url=a.url, kind="article", outcome="ok",
                                              status_code=200, bytes=20_000, elapsed_ms=40.0))
        out.append(list(by_source.values()))
    return out


def _template(folder: Path) -> Path:
    path = folder / "template.duckdb"
    with writer(path) as con:
        register_sources(con, _sources())
        for start in range(0, PRELOADED, 5_000):
            load_results(con, f"preload-{start}", [SourceResult(
                "source-0", articles=make_articles(5_000, seed=5, offset=start))])
    return path


def _timed_load(template: Path, folder: Path, load: Callable[[Path], int]
                ) -> tuple[float, float]:
    """(wall, CPU) seconds of one load into a fresh copy of the template warehouse."""
    path = folder / "wh.duckdb"
    shutil.copy(template, path)
    started, cpu = time.perf_counter(), time.process_time()
    articles = load(path)
    elapsed = time.perf_counter() - started, time.process_time() - cpu
    assert articles == BATCHES * PER_BATCH, f"loaded {articles} articles"
    path.unlink()
    return elapsed


def _rates(samples: list[tuple[float, float]], items: int, per: float = 1.0
           ) -> tuple[float, float]:
    """Items per `per` seconds: of wall time and of this process's CPU time (medians). On a
    busy machine the CPU figure is the one that does not depend on the neighbours."""
    return (items * per / statistics.median(s[0] for s in samples),
            items * per / statistics.median(s[1] for s in samples))


def _staged_rate(template: Path, folder: Path, make_store: Callable[[], StagingStore],
                 batches: list[list[SourceResult]]) -> tuple[float, float]:
    def load(path: Path) -> int:
        with writer(path) as con:
            report = load_staged(con, store)
        assert not report.failed, report.failed
        return len(report.new_article_ids)

    samples = []
    for _ in range(REPEATS):
        store = make_store()
        for i, results in enumerate(batches):
            write_batch(store, f"bench-{i}", results)
        samples.append(_timed_load(template, folder, load))
    return _rates(samples, BATCHES * PER_BATCH)


def _direct_rate(template: Path, folder: Path, batches: list[list[SourceResult]]
                 ) -> tuple[float, float]:
    def load(path: Path) -> int:
        with writer(path) as con:
            return sum(len(load_results(con, f"direct-{i}", results).new_article_ids)
                       for i, results in enumerate(batches))

    return _rates([_timed_load(template, folder, load) for _ in range(REPEATS)],
                  BATCHES * PER_BATCH)


@contextmanager
def _moto_server() -> Iterator[S3Options]:
    """moto's S3 server as a child process on 127.0.0.1 (not a thread: it would share this
    process's interpreter lock with the loader being measured)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                               "-p", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start on 127.0.0.1") from None
                time.sleep(0.2)
        yield S3Options(endpoint_url=f"http://127.0.0.1:{port}", region="us-east-1",
                        access_key_id="bench", secret_access_key="bench")
    finally:
        server.terminate()
        server.wait(10)


def _loader() -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    import boto3

    batches = _batches()
    with tempfile.TemporaryDirectory() as tmp, _moto_server() as options:
        folder = Path(tmp)
        template = _template(folder)
        direct = _direct_rate(template, folder, batches)
        rounds = iter(range(REPEATS))
        local = _staged_rate(template, folder,
                             lambda: as_store(folder / f"staging-{next(rounds)}"), batches)
        client = boto3.client("s3", endpoint_url=options.endpoint_url, region_name="us-east-1",
                              aws_access_key_id="bench", aws_secret_access_key="bench")
        buckets = iter(range(REPEATS))

        def bucket() -> StagingStore:
            name = f"bench-staging-{next(buckets)}"
            client.create_bucket(Bucket=name)
            return S3Store(f"s3://{name}/staging", options)

        s3 = _staged_rate(template, folder, bucket, batches)
    return local, s3, direct


# -- one scrape worker -----------------------------------------------------------------------

def _worker_pass(settings: Settings, sources: list[SourceConfig],
                 states: steps.SourceStates, batch_id: str
                 ) -> tuple[tuple[float, float], list[SourceResult]]:
    started, cpu = time.perf_counter(), time.process_time()
    results = asyncio.run(steps.scrape_all(settings, sources, states))
    steps.stage_results(settings, batch_id, results)
    return (time.perf_counter() - started, time.process_time() - cpu), results


def _worker() -> tuple[tuple[float, float], tuple[float, float]]:
    with LocalNewsSite(WORKER_SOURCES * NEW_PER_SOURCE) as site, \
            tempfile.TemporaryDirectory() as tmp:
        feeds = list(site.feed_urls().values())
        # Sources share the 5 hosts; each takes the newest NEW_PER_SOURCE entries of its feed.
        sources = [SourceConfig(id=f"source-{i}", url=feeds[i % len(feeds)],
                                max_articles=NEW_PER_SOURCE, robots=False,
                                allow_private_addresses=True) for i in range(WORKER_SOURCES)]
        settings = Settings(staging_dir=Path(tmp) / "staging", fetch_min_delay_seconds=0,
                            fetch_retries=0, allow_private_addresses=True)
        busy, idle = [], []
        for round_ in range(REPEATS):
            seconds, results = _worker_pass(settings, sources, {}, f"busy-{round_}")
            new = sum(len(r.articles) for r in results)
            assert new == WORKER_SOURCES * NEW_PER_SOURCE, f"{new} articles scraped"
            busy.append(seconds)
            states: steps.SourceStates = {
                r.source_id: (KnownUrls(a.discovered_url for a in r.articles), r.validators)
                for r in results}
            seconds, results = _worker_pass(settings, sources, states, f"idle-{round_}")
            assert sum(len(r.articles) for r in results) == 0
            idle.append(seconds)
    return (_rates(busy, WORKER_SOURCES, 60.0), _rates(idle, WORKER_SOURCES, 60.0))


def run() -> list[tuple[str, str]]:
    (local, local_cpu), (s3, s3_cpu), (direct, _) = _loader()
    (busy, busy_cpu), (idle, _) = _worker()
    record({"loader_articles_per_second": local, "loader_articles_per_second_s3": s3,
            "loader_articles_per_cpu_second": local_cpu,
            "loader_articles_per_cpu_second_s3": s3_cpu,
            "loader_direct_articles_per_second": direct,
            "scrape_worker_sources_per_minute": busy,
            "scrape_worker_sources_per_cpu_minute": busy_cpu,
            "scrape_worker_idle_sources_per_minute": idle})
    return [
        (f"loader: staged -> DuckDB ({PRELOADED:,} stored)",
         f"{local:8,.0f} articles/s from a folder ({local_cpu:,.0f} per CPU-s); direct "
         f"load_results {direct:,.0f}/s (x{local / direct:.2f})"),
        ("loader: staged on S3 (moto, loopback)",
         f"{s3:8,.0f} articles/s ({s3_cpu:,.0f} per CPU-s; x{s3 / local:.2f} of the folder)"),
        (f"scrape worker: {NEW_PER_SOURCE} new articles/source",
         f"{busy:8,.0f} sources/min ({busy_cpu:,.0f} per CPU-min); idle pass (304s) "
         f"{idle:,.0f}/min (x{idle / busy:.1f})"),
    ]
