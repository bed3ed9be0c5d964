"""Several workers share the sources: a real Prefect server, a process work pool, two workers.

Each worker is a `prefect worker start` process, as it would be on another machine; they share
nothing with the test but the Prefect API, the staging folder and the environment (settings,
the SMTP inbox's Apprise URL). Scrape runs land on both workers; the single loader loads every
batch once; each alert is mailed once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import duckdb
import httpx
import pytest

from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from demo.articles import ARTICLES
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer
from flows.deploy import WORK_POOL, deploy
from tests.flows.pool_cluster import cluster_env
from tests.sql import one_row

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))
RUN_TIMEOUT = 150.0
pytestmark = pytest.mark.e2e


@dataclass
class Cluster:
    api_url: str
    env: dict[str, str]
    workdir: Path
    warehouse: Path
    staging: Path
    logs: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO,
                            start_new_session=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)   # its own session: the process and its children
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _tail(path: Path, lines: int = 40) -> str:
    text = path.read_text("utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture
def cluster(tmp_path: Path, demo_server: DemoNewsServer,
            mailbox: LoopbackMailbox) -> Iterator[Cluster]:
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    config = write_demo_config(tmp_path / "config", demo_server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    logs = tmp_path / "logs"
    logs.mkdir()
    env = cluster_env(tmp_path, config, {"PREFECT_API_URL": api_url,
                                         DEMO_EMAIL_ENV: mailbox.apprise_url()})
    procs: list[subprocess.Popen[bytes]] = []
    try:
        server = _start([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                        env, logs / "server.log")
        procs.append(server)
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"prefect server did not start:\n{_tail(logs / 'server.log')}")
            time.sleep(0.5)
        subprocess.run([PREFECT, "work-pool", "create", WORK_POOL, "--type", "process"],
                       env=env, check=True, capture_output=True, cwd=REPO, timeout=60)
        for name in ("w1", "w2"):
            # --limit 1: a worker busy with one run leaves the next to the other worker.
            procs.append(_start([PREFECT, "worker", "start", "--pool", WORK_POOL, "--name", name,
                                 "--limit", "1"], env, logs / f"{name}.log"))
        yield Cluster(api_url, env, tmp_path, tmp_path / "wh.duckdb", tmp_path / "staging",
                      logs)
    finally:
        for proc in reversed(procs):
            _stop(proc)


async def _run_and_wait(names: list[str], timeout: float) -> list[FlowRun]:
    from prefect.client.orchestration import get_client
    from prefect.deployments import arun_deployment

    started = [await arun_deployment(name, timeout=0) for name in names]
    ids: list[UUID] = [run.id for run in started]
    deadline = time.monotonic() + timeout
    async with get_client() as client:
        while True:
            runs = [await client.read_flow_run(i) for i in ids]
            if all(r.state is not None and r.state.is_final() for r in runs):
                return runs
            if time.monotonic() > deadline:
                states = {r.name: r.state.name if r.state else None for r in runs}
                raise TimeoutError(f"flow runs not finished after {timeout:g} s: {states}")
            await asyncio.sleep(1)


def _in_cluster(cluster: Cluster, coro_factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: cluster.api_url}):
        return asyncio.run(coro_factory())


def _completed(run: FlowRun) -> bool:
    return run.state is not None and run.state.is_completed()


def _explain(cluster: Cluster, runs: list[FlowRun]) -> str:
    states = [(r.name, r.state.name if r.state else None) for r in runs]
    return "\n".join([str(states)]
                     + [f"--- {p.name}\n{_tail(p)}" for p in sorted(cluster.logs.iterdir())])


def test_two_workers_share_the_sources_and_one_loader_loads_each_batch_once(
        cluster: Cluster, demo_server: DemoNewsServer, mailbox: LoopbackMailbox) -> None:
    sites = [s.slug for s in demo_server.sites()]
    partitions = len(sites)

    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: cluster.api_url}):
        deployed = deploy(partitions=partitions, source=REPO)
    scrapers = sorted(deployed.scrapers)
    assert len(scrapers) == partitions

    # Round 1: every partition scraped, in parallel, by whichever worker is free.
    runs = _in_cluster(cluster, lambda: _run_and_wait(scrapers, RUN_TIMEOUT))
    assert all(_completed(r) for r in runs), _explain(cluster, runs)
    workers = {r.labels.get("prefect.worker.name") for r in runs}
    assert workers == {"w1", "w2"}, f"both workers must have run a scrape: {workers}"
    batches = sorted(p.name for p in cluster.staging.glob("batch-*.parquet"))
    assert batches == sorted(f"batch-{r.id}.parquet" for r in runs)
    assert not cluster.warehouse.exists(), "scrape runs must not open the warehouse"

    # The loader, twice: the second finds nothing to load and sends nothing.
    for _ in range(2):
        [load] = _in_cluster(cluster, lambda: _run_and_wait([deployed.loader], RUN_TIMEOUT))
        assert _completed(load), _explain(cluster, [load])
    assert list(cluster.staging.glob("batch-*.parquet")) == []
    assert len(list((cluster.staging / "loaded").glob("batch-*.parquet"))) == partitions

    visible = [a for a in ARTICLES if a.published_at <= demo_server.clock.now()]
    con = duckdb.connect(str(cluster.warehouse), read_only=True)
    try:
        urls = [r[0] for r in con.execute("SELECT url FROM articles").fetchall()]
        ledger = con.execute("SELECT batch_id, articles_new FROM staged_batches").fetchall()
        alerts = one_row(con, "SELECT count(*) FROM alerts")[0]
        sent = one_row(con, "SELECT count(*) FROM deliveries WHERE status = 'sent'")[0]
    finally:
        con.close()
    expected = {f"{demo_server.base_url}/{a.site}/{a.path}" for a in visible}
    assert len(urls) == len(set(urls)) == len(visible)      # every article exactly once
    assert set(urls) == expected
    assert sorted(f"batch-{b}.parquet" for b, _ in ledger) == batches
    assert sum(n for _, n in ledger) == len(visible)
    # One email per alert (the demo's wire story carried by two sites is one alert).
    assert alerts >= 1 and sent == alerts
    assert len(mailbox.received) == alerts

    # Round 2: nothing new on the sites: no new articles, no new mail.
    again = _in_cluster(cluster, lambda: _run_and_wait(scrapers, RUN_TIMEOUT))
    assert all(_completed(r) for r in again), _explain(cluster, again)
    [load] = _in_cluster(cluster, lambda: _run_and_wait([deployed.loader], RUN_TIMEOUT))
    assert _completed(load), _explain(cluster, [load])
    con = duckdb.connect(str(cluster.warehouse), read_only=True)
    try:
        assert one_row(con, "SELECT count(*) FROM articles")[0] == len(visible)
        assert one_row(con, "SELECT count(*) FROM staged_batches")[0] == 2 * partitions
    finally:
        con.close()
    assert len(mailbox.received) == alerts
