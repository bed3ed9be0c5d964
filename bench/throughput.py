"""Throughput of the whole pipeline on a local site of 2,000 real-text article pages.

1. Cold run: every page new. The monitor's steps as plain functions (`run_plain`:
   feeds, fetch, extract, load into a real DuckDB file with story clustering, rules) against
   the site served from another process. Printed: articles per second (wall), and the
   process CPU time per article against trafilatura's `extract()` alone on the same pages in
   the same run (goal <= 1.3: everything but extraction under 30 %).
2. Idle rerun (nothing new: feeds answer 304, known links skipped) as a `monitor_flow` run,
   beside an empty flow run, under Prefect's test harness (Prefect's own share of it, with
   the idle work as plain functions as the baseline: bench/prefect_overhead.py).
Medians of `repeats` for the idle and empty runs; the cold run is one pass over all pages and
the baseline one pass over every 4th page (per-page figures are means over those pages).
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

import trafilatura
from prefect import flow

from bench.news_site import CORPUS, LocalNewsSite, build_site
from bench.results import record
from core.settings import Settings
from flows.monitor import monitor_flow
from pipeline.runner import run_plain

PAGES = 2000
BASELINE_EVERY = 4


@flow(name="bench-empty")
async def _empty_flow() -> None:
    return None


def _write_config(folder: Path, feeds: dict[str, str], max_articles: int = 1000) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["sources:"]
    for section, url in feeds.items():
        lines += [f"  - id: loopback-{section}", f"    url: {url}", "    language: en",
                  f"    max_articles: {max_articles}", "    robots: false",
                  "    allow_private_addresses: true"]   # the site is on 127.0.0.1
    (folder / "sources.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # No rules, so this channel never hears anything: the run is fetch, extract and store.
    (folder / "channels.yaml").write_text(
        "channels:\n  - name: bench\n    url: json://127.0.0.1:9/\n", encoding="utf-8")
    (folder / "rules").mkdir(exist_ok=True)
    return folder


def _cold(settings: Settings) -> tuple[int, float, float, int]:
    """Articles stored, wall seconds, process CPU seconds, pages fetched."""
    cpu, wall = time.process_time(), time.perf_counter()
    done = asyncio.run(run_plain(settings, datetime.now(UTC)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    fetched = sum(1 for r in done.results for f in r.fetches if f.kind == "article")
    problems = [f for r in done.results for f in r.fetches if f.outcome == "error"]
    if problems:
        raise RuntimeError(f"{len(problems)} fetches failed, e.g. {problems[0]}")
    return len(done.loaded.new_article_ids), wall, cpu, fetched


def _trafilatura_cpu(port: int) -> tuple[float, int, float]:
    """CPU seconds of trafilatura.extract() (default settings) over every BASELINE_EVERY-th of
    the same article pages (the pages share one template: a sample prices them all), the
    pages measured, and their median size in KB."""
    every = [body for host in build_site(PAGES, port).values()
             for path, body in host.items() if not path.endswith((".xml", ".txt"))]
    size = statistics.median(len(b) for b in every) / 1000
    pages = [body.decode("utf-8") for body in every[::BASELINE_EVERY]]
    trafilatura.extract(pages[0])   # imports and caches outside the measurement
    started = time.process_time()
    for page in pages:
        trafilatura.extract(page)
    return time.process_time() - started, len(pages), size


def _idle_plain(settings: Settings, repeats: int) -> float:
    """The idle rerun's own work (304s, known-link skips, empty load and rules) without Prefect."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        done = asyncio.run(run_plain(settings, datetime.now(UTC)))
        samples.append(time.perf_counter() - started)
        if done.loaded.new_article_ids:
            raise RuntimeError("an idle rerun found new articles: the site changed")
    return statistics.median(samples)


def _idle_against_empty(settings: Settings, repeats: int) -> tuple[float, float, int]:
    from prefect.testing.utilities import prefect_test_harness

    idle, empty, new = [], [], 0
    with prefect_test_harness(server_startup_timeout=120):
        asyncio.run(_empty_flow())   # the first flow run registers the flow
        for _ in range(repeats):
            started = time.perf_counter()
            summary = asyncio.run(monitor_flow(settings=settings, run_label="bench-idle"))
            idle.append(time.perf_counter() - started)
            new += summary.articles_new
            started = time.perf_counter()
            asyncio.run(_empty_flow())
            empty.append(time.perf_counter() - started)
    return statistics.median(idle), statistics.median(empty), new


def run(repeats: int = 5) -> list[tuple[str, str]]:
    if not CORPUS.is_dir():
        return [("throughput", f"skipped: no bbc-news corpus at {CORPUS}")]
    with LocalNewsSite(PAGES) as site, tempfile.TemporaryDirectory() as tmp:
        config = _write_config(Path(tmp) / "config", site.feed_urls())
        # The site is on loopback: no pause between requests (pacing is not what is measured).
        settings = Settings(config_dir=config, warehouse=Path(tmp) / "throughput.duckdb",
                            fetch_retries=0, fetch_min_delay_seconds=0.0)
        stored, wall, cpu, fetched = _cold(settings)
        base_cpu, base_pages, size_kb = _trafilatura_cpu(site.port)
        plain_idle = _idle_plain(settings, repeats)
        idle, empty, new_on_idle = _idle_against_empty(settings, repeats)
    ours, theirs = cpu / max(stored, 1), base_cpu / base_pages
    record({"articles_per_second": stored / wall, "pipeline_over_extract_ratio": ours / theirs})
    return [
        (f"throughput: cold run, {fetched} pages of {size_kb:.0f} KB",
         f"{stored} stored in {wall:.1f} s: {stored / wall:.0f} articles/s (wall)"),
        ("throughput: CPU per article, whole pipeline", f"{ours * 1000:.1f} ms (process time)"),
        (f"throughput: CPU per page, trafilatura.extract() ({base_pages} pages)",
         f"{theirs * 1000:.1f} ms; pipeline/extract = {ours / theirs:.2f} (goal <= 1.3)"),
        ("throughput: idle rerun, plain functions (median)", f"{plain_idle * 1000:.0f} ms"),
        ("throughput: idle monitor_flow rerun (median)",
         f"{idle * 1000:.0f} ms, {new_on_idle} new articles"),
        ("throughput: empty flow run (median)",
         f"{empty * 1000:.0f} ms; idle/empty = {idle / empty:.2f}x (the idle work itself "
         "included; Prefect's own share: the prefect: idle/(empty flow + plain) lines)"),
    ]


if __name__ == "__main__":
    for name, figure in run():
        print(f"  {name:<45} {figure}", flush=True)
