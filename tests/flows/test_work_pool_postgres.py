"""The work pool on the multi-machine setup: a Prefect server on PostgreSQL (a throwaway
cluster from Debian's postgresql package, demo/postgres.py), two `prefect worker start`
processes and the loader. Then a worker dies mid-scrape (SIGKILL to its process group, its
flow-run subprocess included): the partition's next run scrapes it again, nothing is lost and
nothing is stored or mailed twice, and the dead run is marked Crashed once its heartbeats stop.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import httpx
import pytest
import yaml

from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from demo.articles import ARTICLES
from demo.mailbox import LoopbackMailbox
from demo.postgres import PostgresCluster, PostgresUnavailable, postgres_bindir
from demo.server import DemoNewsServer
from flows.deploy import deploy
from tests.flows.pool_cluster import (
    REPO,
    PoolCluster,
    cluster_env,
    run_and_wait,
    start_runs,
    wait_runs,
)

RUN_TIMEOUT = 150.0
HEARTBEAT = 30
pytestmark = pytest.mark.e2e


class GatedFeeds:
    """A loopback proxy in front of the demo sites that holds every request until `open()`:
    a source whose server has stopped answering mid-run, for as long as the test likes."""

    def __init__(self, upstream: str) -> None:
        self.gate = threading.Event()
        self.seen = threading.Event()
        gate, seen = self.gate, self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.set()
                gate.wait(timeout=120)
                reply = httpx.get(upstream + self.path, timeout=10)
                self.send_response(reply.status_code)
                self.send_header("Content-Type", reply.headers.get("content-type", "text/xml"))
                self.send_header("Content-Length", str(len(reply.content)))
                self.end_headers()
                self.wfile.write(reply.content)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def postgres() -> Iterator[PostgresCluster]:
    try:
        postgres_bindir()
    except PostgresUnavailable as missing:
        pytest.skip(str(missing))
    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture
def gated(demo_server: DemoNewsServer) -> Iterator[GatedFeeds]:
    proxy = GatedFeeds(demo_server.base_url)
    yield proxy
    proxy.close()


def _pool(tmp_path: Path, demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
          postgres: PostgresCluster) -> Iterator[PoolCluster]:
    config = write_demo_config(tmp_path / "config", demo_server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    (tmp_path / "logs").mkdir()
    pool = PoolCluster(tmp_path, cluster_env(tmp_path, config,
                                             {DEMO_EMAIL_ENV: mailbox.apprise_url()}),
                       tmp_path / "logs")
    try:
        pool.start_server(postgres.async_url())
        for name in ("w1", "w2"):
            pool.start_worker(name)
        yield pool
    finally:
        pool.stop()


@pytest.fixture
def pool(tmp_path: Path, demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
         postgres: PostgresCluster) -> Iterator[PoolCluster]:
    yield from _pool(tmp_path, demo_server, mailbox, postgres)


def _warehouse_counts(path: Path) -> tuple[list[str], list[tuple[str, int]], int, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        urls = [r[0] for r in con.execute("SELECT url FROM articles").fetchall()]
        ledger = con.execute("SELECT batch_id, articles_new FROM staged_batches").fetchall()
        [(alerts,)] = con.execute("SELECT count(*) FROM alerts").fetchall()
        [(sent,)] = con.execute("SELECT count(*) FROM deliveries WHERE status = 'sent'"
                                ).fetchall()
    finally:
        con.close()
    return urls, ledger, alerts, sent


def _expected_urls(demo_server: DemoNewsServer) -> set[str]:
    visible = [a for a in ARTICLES if a.published_at <= demo_server.clock.now()]
    return {f"{demo_server.base_url}/{a.site}/{a.path}" for a in visible}


def test_work_pool_on_a_postgres_backed_prefect_server(
        pool: PoolCluster, postgres: PostgresCluster, demo_server: DemoNewsServer,
        mailbox: LoopbackMailbox) -> None:
    scrapers, loader = _deploy(pool, partitions=2)

    runs = pool.call(lambda: run_and_wait(scrapers, RUN_TIMEOUT))
    assert all(r.state.is_completed() for r in runs), pool.explain(runs)
    assert {r.labels.get("prefect.worker.name") for r in runs} == {"w1", "w2"}
    for _ in range(2):      # the second load finds nothing new and sends nothing
        [load] = pool.call(lambda: run_and_wait([loader], RUN_TIMEOUT))
        assert load.state.is_completed(), pool.explain([load])

    urls, ledger, alerts, sent = _warehouse_counts(pool.workdir / "wh.duckdb")
    assert len(urls) == len(set(urls)) and set(urls) == _expected_urls(demo_server)
    assert sorted(b for b, _ in ledger) == sorted(str(r.id) for r in runs)
    assert alerts >= 1 and sent == alerts == len(mailbox.received)
    # The runs are PostgreSQL rows: the server read them back from the cluster.
    flow_runs = _pg_count(postgres, "SELECT count(*) FROM flow_run")
    assert flow_runs == len(runs) + 2


def _pg_count(postgres: PostgresCluster, sql: str) -> int:
    import asyncio

    import asyncpg

    async def count() -> int:
        con = await asyncpg.connect(user="newswatch", password=postgres.password,
                                    host="127.0.0.1", port=postgres.port,
                                    database=postgres.database)
        try:
            return int(await con.fetchval(sql))
        finally:
            await con.close()

    return asyncio.run(count())


def _deploy(pool: PoolCluster, partitions: int) -> tuple[list[str], str]:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: pool.api_url}):
        # Prefect's shortest heartbeat period, so a dead run is marked Crashed within ~75 s.
        deployed = deploy(partitions=partitions, source=REPO, heartbeat_seconds=HEARTBEAT)
    return sorted(deployed.scrapers), deployed.loader


def _route_feeds_through(config: Path, proxy: GatedFeeds, demo_server: DemoNewsServer) -> None:
    path = config / "sources.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    for source in data["sources"]:
        source["url"] = source["url"].replace(demo_server.base_url, proxy.base_url)
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")


def test_a_worker_killed_mid_scrape_loses_nothing_and_stores_nothing_twice(
        pool: PoolCluster, gated: GatedFeeds, demo_server: DemoNewsServer,
        mailbox: LoopbackMailbox) -> None:
    _route_feeds_through(Path(pool.env["NEWSWATCH_CONFIG_DIR"]), gated, demo_server)
    scrapers, loader = _deploy(pool, partitions=2)
    ids = pool.call(lambda: start_runs(scrapers))
    # Both runs are in progress: picked up by a worker and waiting on a feed.
    running = pool.call(lambda: wait_runs(
        ids, RUN_TIMEOUT, done=lambda r: r.state is not None and r.state.is_running()))
    assert gated.seen.wait(timeout=60), pool.explain(running)
    victim = next(r for r in running if r.labels.get("prefect.worker.name") == "w1")
    survivor = next(r for r in running if r.id != victim.id)
    pool.kill("w1", victim.id)   # the worker and its flow run's process, without warning
    gated.gate.set()        # the feeds answer again

    [finished] = pool.call(lambda: wait_runs([survivor.id], RUN_TIMEOUT))
    assert finished.state.is_completed(), pool.explain([finished])
    [dead] = pool.call(lambda: wait_runs([victim.id], 5, done=lambda r: True))
    assert not dead.state.is_completed(), "the killed run cannot have finished"
    staging = pool.workdir / "staging"
    assert not (staging / f"batch-{victim.id}.parquet").exists()

    # The next run of the killed partition's deployment (on the worker still alive).
    victim_deployment = next(n for n in scrapers
                             if n.endswith(f"scrape-{victim.parameters['partition']}-of-2"))
    [again] = pool.call(lambda: run_and_wait([victim_deployment], RUN_TIMEOUT))
    assert again.state.is_completed(), pool.explain([again])
    assert again.labels.get("prefect.worker.name") == "w2"
    [load] = pool.call(lambda: run_and_wait([loader], RUN_TIMEOUT))
    assert load.state.is_completed(), pool.explain([load])

    urls, ledger, alerts, sent = _warehouse_counts(pool.workdir / "wh.duckdb")
    assert len(urls) == len(set(urls))                        # nothing stored twice
    assert set(urls) == _expected_urls(demo_server)           # nothing lost
    assert sorted(b for b, _ in ledger) == sorted([str(survivor.id), str(again.id)])
    assert alerts >= 1 and sent == alerts == len(mailbox.received)
    assert list(staging.glob("batch-*.parquet")) == []

    # The killed run stops sending heartbeats: the automation deploy() made marks it Crashed
    # (2.5 missed beats), instead of leaving it Running for ever.
    [crashed] = pool.call(lambda: wait_runs([victim.id], RUN_TIMEOUT + HEARTBEAT * 3))
    assert crashed.state.is_crashed(), pool.explain([crashed])
    assert "No heartbeat for 75 s" in (crashed.state.message or "")
