"""Where an idle monitor run's time goes, as plain steps (no Prefect): 1,000 sources whose
feeds all answer 304 (bench/idle_feeds.py, served from another process on loopback).

One warm-up run fetches every feed whole and stores its ETag; then each timed run is split
into its steps (read_config, prepare_sources, scrape_all, load, after_load) by wall clock and
this process's CPU time.

    python -m bench.idle_profile [sources] [repeats] [--profile] [--compare]

--profile: one more run under cProfile, its top entries printed.
--compare: runs alternate between this code and the earlier way of doing the same work (the
    sources' state read one source at a time, config files through PyYAML's pure-Python
    reader, a TLS context built per client), on the same warehouse and feeds; prints each
    step's median for both and the ratio of the idle run's totals.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import httpx

from bench.idle_feeds import IdleFeeds, write_idle_config
from bench.results import record
from core.settings import Settings
from pipeline import steps
from pipeline.runner import after_load, begin_summary, run_plain

REPO = Path(__file__).resolve().parent.parent
Laps = dict[str, tuple[float, float]]   # step -> (wall seconds, CPU seconds)


async def stepped_run(settings: Settings) -> Laps:
    """`run_plain`'s sequence, step by step, with the wall-clock and this process's CPU
    seconds of each."""
    times: Laps = {}
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


@contextlib.contextmanager
def earlier_way() -> Iterator[None]:
    """The idle run as it was before: two queries per source for its state, every config
    file through the pure-Python YAML reader, a new TLS context for each client and pool."""
    from scrapers import addresses, fetch
    from warehouse.articles import source_state

    def one_at_a_time(con: Any, ids: Collection[str]) -> dict[str, Any]:
        return {s: source_state(con, s) for s in ids}

    with (mock.patch.object(steps, "source_states", one_at_a_time),
          mock.patch("core.yamlfile._read_with_libyaml", lambda text: None),
          mock.patch.object(addresses, "tls_context", httpx.create_ssl_context),
          mock.patch.object(fetch, "tls_context", httpx.create_ssl_context)):
        yield


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


def _medians(laps: list[Laps]) -> dict[str, tuple[float, float]]:
    return {name: (statistics.median(lap[name][0] for lap in laps),
                   statistics.median(lap[name][1] for lap in laps)) for name in laps[0]}


def compared(settings: Settings, repeats: int) -> tuple[list[Laps], list[Laps]]:
    """Idle runs the earlier way and now, alternating, so both see the same machine and the
    same warehouse size: (earlier runs, runs now)."""
    now, before = [], []
    for _ in range(repeats):
        with earlier_way():
            before.append(asyncio.run(stepped_run(settings)))
        now.append(asyncio.run(stepped_run(settings)))
    return before, now


def _print_comparison(before: list[Laps], now: list[Laps], sources: int) -> None:
    old, new = _medians(before), _medians(now)
    print(f"idle run over {sources} sources, earlier way vs now, median of {len(now)} "
          "alternating runs (seconds):")
    print(f"  {'step':<42} {'before':>7} {'now':>7}   (CPU {'before':>6} {'now':>6})")
    for name in old:
        print(f"  {name:<42} {old[name][0]:7.3f} {new[name][0]:7.3f}   "
              f"(    {old[name][1]:6.3f} {new[name][1]:6.3f})")
    ratios = [b["total"][0] / n["total"][0] for b, n in zip(before, now, strict=True)]
    print(f"  idle run now takes {new['total'][0] / old['total'][0]:.2f}x the earlier time "
          f"({old['total'][0] / new['total'][0]:.2f}x faster; per pair: "
          f"{', '.join(f'{r:.2f}x' for r in ratios)})")


def _idle_settings(tmp: Path, feeds: IdleFeeds, sources: int) -> Settings:
    """A config of `sources` idle feeds and a warehouse that has stored their ETags."""
    config = write_idle_config(tmp / "config", feeds.source_urls(sources),
                               REPO / "config" / "rules", REPO / "config" / "channels.yaml")
    settings = Settings(config_dir=config, warehouse=tmp / "idle.duckdb", fetch_retries=0,
                        fetch_min_delay_seconds=0)
    asyncio.run(run_plain(settings, datetime.now(UTC)))   # warm-up: stores the ETags
    return settings


def run(repeats: int = 5, sources: int = 1000) -> list[tuple[str, str]]:
    """For `make bench`: the idle run now against the earlier way, alternating in one
    process; records `idle_plain_seconds_<n>_sources_now` and `..._before`."""
    with IdleFeeds() as feeds, tempfile.TemporaryDirectory() as tmp:
        before, now = compared(_idle_settings(Path(tmp), feeds, sources), repeats)
    old, new = _medians(before)["total"][0], _medians(now)["total"][0]
    record({f"idle_plain_seconds_{sources}_sources_now": new,
            f"idle_plain_seconds_{sources}_sources_before": old})
    return [(f"idle run, {sources} sources, plain steps",
             f"{new * 1000:7.1f} ms; {old * 1000:.0f} ms the earlier way, same runs "
             f"({old / new:.2f}x)")]


def main(sources: int = 1000, repeats: int = 3, profile: bool = False,
         compare: bool = False) -> None:
    with IdleFeeds() as feeds, tempfile.TemporaryDirectory() as tmp:
        settings = _idle_settings(Path(tmp), feeds, sources)
        if compare:
            _print_comparison(*compared(settings, repeats), sources)
        else:
            medians = _medians([asyncio.run(stepped_run(settings)) for _ in range(repeats)])
            print(f"idle run over {sources} sources, median of {repeats} (seconds):")
            print(f"  {'step':<42} {'wall':>7} {'CPU':>7}")
            for name, (wall, cpu) in medians.items():
                print(f"  {name:<42} {wall:7.3f} {cpu:7.3f}")
        if profile:
            print(profiled(lambda: asyncio.run(stepped_run(settings))))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 1000, int(args[1]) if len(args) > 1 else 3,
         "--profile" in sys.argv, "--compare" in sys.argv)
