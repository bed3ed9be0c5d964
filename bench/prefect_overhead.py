"""Prefect's overhead on a monitor run over the demo web, measured in the same process.

1. The same pipeline (scrape every demo source, load, evaluate, deliver, digests) called as
   plain steps (`pipeline.runner.run_plain`, as tests/flows/crash_child.py does) against
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
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow  # after the settings above: prefect reads them at import

from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from core.settings import Settings
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer
from flows.monitor import monitor_flow
from pipeline.runner import run_plain

REPO = Path(__file__).resolve().parent.parent


async def _plain(settings: Settings) -> int:
    done = await run_plain(settings, datetime.now(UTC))
    return len(done.loaded.new_article_ids)


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
                         fetch_retries=0, fetch_min_delay_seconds=0)
            b = Settings(config_dir=config, warehouse=Path(tmp) / f"flow-{i}.duckdb",
                         fetch_retries=0, fetch_min_delay_seconds=0)
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
