"""Prefect's overhead on a monitor run over the demo web, measured in the same process.

1. The same pipeline (scrape every demo source, load, evaluate, deliver, digests) called as
   plain functions (each task's `.fn`, as tests/flows/crash_child.py does) against
   `monitor_flow`, each on a fresh warehouse: cold runs, everything new.
2. An idle monitor flow run (nothing new: 304s, no mail) against an empty flow run: how much
   of an idle run is Prefect's fixed cost.
Runs under Prefect's test harness (a temporary local API server).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow  # after the settings above: prefect reads them at import

from demo.server import DemoNewsServer
from flows.config import load_config
from flows.demo_run import DEMO_EMAIL_ENV, write_demo_config
from flows.mailbox import LoopbackMailbox
from flows.monitor import (
    deliver_task,
    digest_task,
    evaluate_task,
    load_task,
    monitor_flow,
    scrape_task,
)
from flows.settings import Settings
from scrapers.fetch import Fetcher
from warehouse.articles import register_sources, source_state
from warehouse.connection import writer

REPO = Path(__file__).resolve().parent.parent


async def _plain(settings: Settings) -> int:
    now = datetime.now(UTC)
    config = load_config(settings.config_dir)
    sources = [s for s in config.sources if s.enabled]
    with writer(settings.warehouse) as con:
        register_sources(con, config.sources)
        states = {s.id: source_state(con, s.id) for s in sources}
    async with Fetcher(settings.fetch_policy()) as fetcher:
        results = await asyncio.gather(*(
            scrape_task.fn(s, fetcher, states[s.id][0], states[s.id][1]) for s in sources))
    loaded = load_task.fn(settings, str(uuid.uuid4()), list(results))
    evaluate_task.fn(settings, config, now)
    await deliver_task.fn(settings, config, now)
    await digest_task.fn(settings, config, now)
    return len(loaded.new_article_ids)


@flow(name="bench-empty")
async def _empty_flow() -> None:
    return None


def _timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def run(repeats: int = 5) -> list[tuple[str, str]]:
    from prefect.testing.utilities import prefect_test_harness

    plain, flowed, idle, empty = [], [], [], []
    articles = 0
    with (prefect_test_harness(server_startup_timeout=120), DemoNewsServer() as server,
          LoopbackMailbox() as inbox, tempfile.TemporaryDirectory() as tmp):
        os.environ[DEMO_EMAIL_ENV] = inbox.apprise_url()
        config = write_demo_config(Path(tmp) / "config", server, REPO / "config" / "rules",
                                   REPO / "config" / "channels.yaml")
        asyncio.run(_empty_flow())   # warm-up: first flow run registers the flow
        for i in range(repeats):
            a = Settings(config_dir=config, warehouse=Path(tmp) / f"plain-{i}.duckdb",
                         fetch_retries=0)
            b = Settings(config_dir=config, warehouse=Path(tmp) / f"flow-{i}.duckdb",
                         fetch_retries=0)
            seconds, articles = _timed(lambda a=a: asyncio.run(_plain(a)))
            plain.append(seconds)
            seconds, summary = _timed(
                lambda b=b: asyncio.run(monitor_flow(settings=b, run_label="bench")))
            flowed.append(seconds)
            assert summary.articles_new == articles, "both pipelines must do the same work"
            seconds, summary = _timed(
                lambda b=b: asyncio.run(monitor_flow(settings=b, run_label="bench-idle")))
            idle.append(seconds)
            assert summary.articles_new == 0
            empty.append(_timed(lambda: asyncio.run(_empty_flow()))[0])
    p, f, i_, e = (statistics.median(x) for x in (plain, flowed, idle, empty))
    return [
        (f"prefect: cold run, plain functions ({articles} art.)", f"{p * 1000:7.1f} ms"),
        ("prefect: cold run, as monitor_flow",
         f"{f * 1000:7.1f} ms; {f / p:.2f}x the plain run (+{(f - p) * 1000:.0f} ms)"),
        ("prefect: idle monitor_flow run", f"{i_ * 1000:7.1f} ms"),
        ("prefect: empty flow run",
         f"{e * 1000:7.1f} ms; {e / i_:.0%} of the idle run ({i_ / e:.2f}x)"),
    ]


if __name__ == "__main__":
    for name, figure in run():
        print(f"  {name:<45} {figure}", flush=True)
