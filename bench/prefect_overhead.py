"""Prefect's overhead on a monitor run over the demo web, measured in the same process.

1. The same pipeline (scrape every demo source, load, evaluate, deliver, digests) called as
   plain steps (`pipeline.runner.run_plain`, as tests/flows/crash_child.py does) against
   `monitor_flow`, each on a fresh warehouse: cold runs, everything new.
2. An idle monitor flow run (nothing new: 304s, no mail) against an empty flow run: how much
   of an idle run is Prefect's fixed cost.
3. Idle runs over 50 and over 1,000 local sources, every feed answering 304
   (bench/idle_feeds.py), against an empty flow run plus the same idle run as plain steps:
   `idle_over_empty_ratio_<n>_sources` = idle flow / (empty flow + plain idle). Prefect's cost
   should be per run, not per source: the ratio should not grow with the source count. Each
   run starts on a quiet API server (the states a run sends are written after it returns);
   the server's CPU per idle run is reported beside.
Runs under Prefect's test harness (a temporary local API server).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow  # after the settings above: prefect reads them at import

from bench.idle_feeds import IdleFeeds, write_idle_config
from bench.results import record
from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from core.settings import Settings
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer
from flows.monitor import monitor_flow
from pipeline.runner import run_plain
from pipeline.summary import RunSummary

REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")


async def _plain(settings: Settings) -> int:
    done = await run_plain(settings, datetime.now(UTC))
    return len(done.loaded.new_article_ids)


@flow(name="bench-empty")
async def _empty_flow() -> None:
    return None


def _timed(run: Coroutine[Any, Any, T]) -> tuple[float, T]:
    """Seconds to run the coroutine in a fresh event loop (as a scheduled run would), and
    its value."""
    started = time.perf_counter()
    value = asyncio.run(run)
    return time.perf_counter() - started, value


IDLE_SIZES = (50, 1000)


def _idle_settings(config: Path, warehouse: Path) -> Settings:
    return Settings(config_dir=config, warehouse=warehouse, fetch_retries=0,
                    fetch_min_delay_seconds=0)


def _check_idle(summary: RunSummary, sources: int) -> None:
    idle = [s for s in summary.sources if s.not_modified and not s.errors]
    if summary.articles_new or len(idle) != sources:
        raise RuntimeError(f"idle run not idle: {summary.articles_new} new articles, "
                           f"{len(idle)} of {sources} sources answered 304 without error")


def _descendants_cpu(skip: int) -> float:
    """CPU seconds (user and system) used so far by this process's child processes and theirs
    (the test harness's Prefect API server), leaving out process `skip` (the feed server)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue   # ended meanwhile
        fields = stat[stat.rindex(")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    family, grown = {os.getpid()}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in family} - family
        family |= more
        grown = bool(more)
    return sum(cpu[pid] for pid in family - {os.getpid(), skip})


def _settle(skip: int, most: float = 180.0) -> None:
    """Wait until the API server has taken in what the last run sent it (task and flow run
    states arrive as events and are written after the run returns): its CPU time stops
    growing. Each timed run then starts on a quiet server, as a scheduled run would."""
    deadline = time.perf_counter() + most
    last = _descendants_cpu(skip)
    while time.perf_counter() < deadline:
        time.sleep(0.3)
        now = _descendants_cpu(skip)
        if now - last < 0.02:
            return
        last = now


@dataclass
class _Idle:
    """Medians over the repeats: idle flow run, empty flow run, idle plain run (seconds), and
    the API server's CPU seconds per idle flow run (until it settled)."""

    flow: float
    empty: float
    plain: float
    api_cpu: float


def _idle_run(sources: int, feeds: IdleFeeds, tmp: Path, repeats: int) -> _Idle:
    config = write_idle_config(tmp / f"idle-config-{sources}", feeds.source_urls(sources),
                               REPO / "config" / "rules", REPO / "config" / "channels.yaml")
    plain = _idle_settings(config, tmp / f"idle-plain-{sources}.duckdb")
    flowed = _idle_settings(config, tmp / f"idle-flow-{sources}.duckdb")
    # The first runs fetch every feed whole and store its ETag; the timed ones get 304s.
    asyncio.run(run_plain(plain, datetime.now(UTC)))
    asyncio.run(monitor_flow(settings=flowed, run_label="bench-idle-first"))
    idle, empty, bare, api = [], [], [], []
    for _ in range(repeats):
        _settle(feeds.pid)
        seconds, done = _timed(run_plain(plain, datetime.now(UTC)))
        _check_idle(done.summary, sources)
        bare.append(seconds)
        _settle(feeds.pid)
        cpu = _descendants_cpu(feeds.pid)
        seconds, summary = _timed(monitor_flow(settings=flowed, run_label="bench-idle"))
        _check_idle(summary, sources)
        idle.append(seconds)
        _settle(feeds.pid)
        api.append(_descendants_cpu(feeds.pid) - cpu)
        empty.append(_timed(_empty_flow())[0])
    return _Idle(*(statistics.median(x) for x in (idle, empty, bare, api)))


def idle_ratios(repeats: int = 5, sizes: tuple[int, ...] = IDLE_SIZES
                ) -> list[tuple[str, str]]:
    """Idle runs over many sources (all 304) against an empty flow run plus the same idle work
    as plain steps; records `idle_over_empty_ratio_<n>_sources` and the parts."""
    from prefect.testing.utilities import prefect_test_harness

    lines: list[tuple[str, str]] = []
    figures: dict[str, float] = {}
    with (prefect_test_harness(server_startup_timeout=120), IdleFeeds() as feeds,
          tempfile.TemporaryDirectory() as tmp):
        asyncio.run(_empty_flow())   # warm-up: first flow run registers the flow
        for sources in sizes:
            m = _idle_run(sources, feeds, Path(tmp), repeats)
            ratio = m.flow / (m.empty + m.plain)
            figures[f"idle_over_empty_ratio_{sources}_sources"] = ratio
            figures[f"idle_flow_seconds_{sources}_sources"] = m.flow
            figures[f"idle_plain_seconds_{sources}_sources"] = m.plain
            figures[f"empty_flow_seconds_{sources}_sources"] = m.empty
            figures[f"idle_api_cpu_seconds_{sources}_sources"] = m.api_cpu
            lines += [
                (f"prefect: idle run, {sources} sources (all 304)",
                 f"{m.flow * 1000:7.1f} ms as monitor_flow; {m.plain * 1000:.1f} ms plain; "
                 f"API server CPU {m.api_cpu * 1000:.0f} ms"),
                (f"prefect: idle/(empty flow + plain), {sources} src",
                 f"{ratio:7.2f}x (empty flow {m.empty * 1000:.1f} ms; goal <= 1.5x)")]
    record(figures)
    return lines


def run(repeats: int = 5) -> list[tuple[str, str]]:
    return demo_runs(repeats) + idle_ratios(repeats)


def demo_runs(repeats: int = 5) -> list[tuple[str, str]]:
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
            seconds, articles = _timed(_plain(a))
            plain.append(seconds)
            seconds, summary = _timed(monitor_flow(settings=b, run_label="bench"))
            flowed.append(seconds)
            assert summary.articles_new == articles, "both pipelines must do the same work"
            seconds, summary = _timed(monitor_flow(settings=b, run_label="bench-idle"))
            idle.append(seconds)
            assert summary.articles_new == 0
            empty.append(_timed(_empty_flow())[0])
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
    import sys

    # `python -m bench.prefect_overhead idle [repeats]`: only the idle runs over many sources.
    only_idle = sys.argv[1:2] == ["idle"]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    for name, figure in (idle_ratios(count) if only_idle else run(count)):
        print(f"  {name:<45} {figure}", flush=True)
