"""Peak memory of a cold run over 10,000 articles (goal <= 400 MB).

The local site (bench/news_site.py: the corpus's 2,225 BBC texts, then the same texts again at
new addresses with their paragraphs reordered) is served from one process; the plain pipeline
(feeds, fetch, extract, load into a fresh DuckDB file with story clustering, rules) runs in
another, started for this alone, which reports its own peak resident set size
(VmHWM, the high-water mark of its resident memory) when it is done. The parent's
memory and the site's are not counted.

    python -m bench.memory                  the figure
    python -m bench.memory --trace 25       also the 25 lines that held most memory at the
                                            peak of Python allocations (tracemalloc; slower)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.news_site import CORPUS, LocalNewsSite
from bench.results import record

ARTICLES = 10_000
GOAL_MB = 400


def _peak_mb() -> float:
    """This process's peak resident set. Linux: VmHWM, the high-water mark of its own memory
    since exec (ru_maxrss would also carry the parent's size at the fork, which in `make
    bench` is larger than a small run). Elsewhere ru_maxrss, in KiB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_mb() -> float:
    with open("/proc/self/statm") as statm:   # Linux: resident pages, second field
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _watch_stages(marks: dict[str, list[float]]) -> None:
    """Note the memory (now, peak so far) after the scrape and after the load: where it goes."""
    from pipeline import steps

    def after(name: str, step: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            result = step(*args, **kwargs)
            marks[name] = [round(_current_mb()), round(_peak_mb())]
            return result
        return wrapped

    scrape_all = steps.scrape_all

    async def scrape(*args: Any, **kwargs: Any) -> Any:
        result = await scrape_all(*args, **kwargs)
        marks["scrape"] = [round(_current_mb()), round(_peak_mb())]
        return result

    steps.scrape_all = scrape
    steps.load = after("load", steps.load)
    steps.evaluate = after("rules", steps.evaluate)
    steps.publish_read_copy = after("read copy", steps.publish_read_copy)


def _child(config: Path, warehouse: Path, trace: int) -> None:
    """The measured process: one cold plain run; prints a JSON line."""
    from core.settings import Settings
    from pipeline.runner import run_plain

    marks: dict[str, list[float]] = {"imports": [round(_current_mb()), round(_peak_mb())]}
    _watch_stages(marks)
    if trace:
        import tracemalloc

        tracemalloc.start(8)
    settings = Settings(config_dir=config, warehouse=warehouse, fetch_retries=0,
                        fetch_min_delay_seconds=0.0)
    started = time.perf_counter()
    done = asyncio.run(run_plain(settings, datetime.now(UTC)))
    wall = time.perf_counter() - started
    errors = sum(1 for r in done.results for f in r.fetches if f.outcome == "error")
    report: dict[str, object] = {"stored": len(done.loaded.new_article_ids), "wall": wall,
                                 "peak_mb": _peak_mb(), "errors": errors,
                                 "stages_mb_now_peak": marks}
    if trace:
        import tracemalloc

        snapshot = tracemalloc.take_snapshot()
        report["python_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        report["top"] = [str(stat) for stat in snapshot.statistics("lineno")[:trace]]
    print(json.dumps(report), flush=True)


def measure(articles: int = ARTICLES, trace: int = 0) -> dict:
    # Here, not at the top: the measured child imports this module, and bench.throughput
    # brings Prefect, which the plain pipeline never loads.
    from bench.throughput import _write_config

    with LocalNewsSite(articles) as site, tempfile.TemporaryDirectory() as tmp:
        # Sections differ in size (sport has 23 % of the texts): every feed taken whole.
        config = _write_config(Path(tmp) / "config", site.feed_urls(), max_articles=articles)
        done = subprocess.run(
            [sys.executable, "-m", "bench.memory", "--child", str(config),
             str(Path(tmp) / "memory.duckdb"), "--trace", str(trace)],
            capture_output=True, text=True, timeout=3600)
    if done.returncode:
        raise RuntimeError(f"the measured run failed ({done.returncode}): {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run() -> list[tuple[str, str]]:
    if not CORPUS.is_dir():
        return [("memory", f"skipped: no bbc-news corpus at {CORPUS}")]
    report = measure()
    record({"peak_rss_mb_10k_articles": report["peak_mb"]})
    stages = ", ".join(f"{name} {now} MB (peak {peak})" for name, (now, peak) in
                       report["stages_mb_now_peak"].items())
    return [(f"memory: peak RSS, cold run over {ARTICLES:,} articles",
             f"{report['peak_mb']:.0f} MB (goal <= {GOAL_MB}); {report['stored']} stored in "
             f"{report['wall']:.0f} s, {report['errors']} fetch errors; resident after "
             f"{stages}")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("CONFIG", "WAREHOUSE"))
    parser.add_argument("--trace", type=int, default=0)
    parser.add_argument("--articles", type=int, default=ARTICLES)
    args = parser.parse_args()
    if args.child:
        _child(Path(args.child[0]), Path(args.child[1]), args.trace)
        return
    if args.trace:
        report = measure(args.articles, args.trace)
        print(f"peak RSS {report['peak_mb']:.0f} MB, Python allocations at most "
              f"{report['python_peak_mb']:.0f} MB; {report['stored']} stored")
        print("\n".join(report["top"]))
        return
    for name, figure in run():
        print(f"  {name:<45} {figure}", flush=True)


if __name__ == "__main__":
    main()
