"""Where an idle monitor run's time goes, as plain steps (no Prefect): 1,000 sources whose
feeds all answer 304 (bench/idle_feeds.py, served from another process on loopback).

One warm-up run fetches every feed whole and stores its ETag; then each timed run is split
into its steps (read_config, prepare_sources, scrape_all, load, after_load) by wall clock,
and one of them runs under cProfile, whose top entries are printed.

    python -m bench.idle_profile [sources] [repeats] [--profile]
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.idle_feeds import IdleFeeds, write_idle_config
from core.settings import Settings
from pipeline import steps
from pipeline.runner import after_load, begin_summary, run_plain

REPO = Path(__file__).resolve().parent.parent


async def stepped_run(settings: Settings) -> dict[str, tuple[float, float]]:
    """`run_plain`'s sequence, step by step, with the wall-clock and this process's CPU
    seconds of each."""
    times: dict[str, tuple[float, float]] = {}
    clock, cpu = time.perf_counter(), time.process_time()

    def lap(name: str) -> None:
        nonlocal clock, cpu
        now, cpu_now = time.perf_counter(), time.process_time()
        times[name] = (now - clock, cpu_now - cpu)
        clock, cpu = now, cpu_now

    started, run_id = datetime.now(UTC), str(uuid.uuid4())
    run = steps.read_config(settings)
    lap("read_config")
    sources = steps.choose_sources(run.config)
    states = steps.prepare_sources(settings, run.config, sources)
    lap("prepare_sources")
    results = await steps.scrape_all(settings, sources, states)
    lap("scrape_all")
    loaded = steps.load(settings, run.config.sources, run_id, results, started=started)
    summary = begin_summary(settings, run_id, results, loaded)
    lap("load")
    done = await after_load(settings, run, summary, started=started, now=datetime.now(UTC),
                            sources=len(sources), health_of=[s.id for s in sources])
    lap("after_load (health, pending, record_run)")
    idle = [s for s in done.summary.sources if s.not_modified and not s.errors]
    if done.summary.articles_new or len(idle) != len(sources):
        raise RuntimeError(f"not idle: {done.summary.articles_new} new articles, {len(idle)} "
                           f"of {len(sources)} sources answered 304 without error")
    times["total"] = (sum(t[0] for t in times.values()), sum(t[1] for t in times.values()))
    return times


def profiled(run: Callable[[], Any], top: int = 30) -> str:
    profile = cProfile.Profile()
    profile.enable()
    run()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(top)
    out.write("\n-- by own time --\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(sources: int = 1000, repeats: int = 3, profile: bool = False) -> None:
    with IdleFeeds() as feeds, tempfile.TemporaryDirectory() as tmp:
        config = write_idle_config(Path(tmp) / "config", feeds.source_urls(sources),
                                   REPO / "config" / "rules", REPO / "config" / "channels.yaml")
        settings = Settings(config_dir=config, warehouse=Path(tmp) / "idle.duckdb",
                            fetch_retries=0, fetch_min_delay_seconds=0)
        asyncio.run(run_plain(settings, datetime.now(UTC)))   # warm-up: stores the ETags
        laps = [asyncio.run(stepped_run(settings)) for _ in range(repeats)]
        print(f"idle run over {sources} sources, median of {repeats} (seconds):")
        print(f"  {'step':<42} {'wall':>7} {'CPU':>7}")
        for name in laps[0]:
            wall = statistics.median(lap[name][0] for lap in laps)
            cpu = statistics.median(lap[name][1] for lap in laps)
            print(f"  {name:<42} {wall:7.3f} {cpu:7.3f}")
        if profile:
            print(profiled(lambda: asyncio.run(stepped_run(settings))))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 1000, int(args[1]) if len(args) > 1 else 3,
         "--profile" in sys.argv)
