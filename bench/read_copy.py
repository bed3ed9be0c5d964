"""What the read copy costs at 100,000 articles: the seconds every run spends publishing it
(CHECKPOINT and copy under the write lock, then the flush to disk and the rename) and the
disk it takes beside the warehouse.

Baseline: the load it follows, in the same run and on the same warehouse: a run's 1,000 new
articles (a busy run; most store far fewer) through the loader every run uses.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.loading import BATCH, TOTAL, _sources, make_articles
from core.settings import default_read_copy
from scrapers.models import SourceResult
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer
from warehouse.read_copy import Published, publish

RUN = 1_000
REPEATS = 5


def _build(path: Path, total: int) -> None:
    articles = make_articles(total, seed=11)
    with writer(path) as con:
        register_sources(con, _sources())
        for start in range(0, total, BATCH):
            load_results(con, f"bench-{start}",
                         [SourceResult("source-0", articles=articles[start:start + BATCH])])


def run(total: int = TOTAL) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        copy = default_read_copy(path)
        _build(path, total)
        loads: list[float] = []
        published: list[Published] = []
        for i in range(REPEATS):   # one run each: its load, then its publish
            fresh = make_articles(RUN, seed=12 + i, offset=total + i * RUN)
            with writer(path) as con:
                began = time.perf_counter()
                load_results(con, f"run-{i}", [SourceResult("source-0", articles=fresh)])
                loads.append(time.perf_counter() - began)
            published.append(publish(path, copy))
        warehouse_bytes, copy_bytes = path.stat().st_size, copy.stat().st_size
    load_s = statistics.median(loads)
    publish_s = statistics.median(p.seconds for p in published)
    locked_s = statistics.median(p.locked_seconds for p in published)
    both_mb, warehouse_mb = (warehouse_bytes + copy_bytes) / 1e6, warehouse_bytes / 1e6
    return [
        (f"read copy: publish at {total:,} articles",
         f"{publish_s:8.2f} s per run, of which {locked_s:.2f} s under the write lock; "
         f"x{publish_s / load_s:.2f} the load of {RUN:,} new articles it follows "
         f"({load_s:.2f} s)"),
        ("read copy: disk",
         f"{both_mb:8,.0f} MB: warehouse {warehouse_mb:,.0f} MB + copy {copy_bytes / 1e6:,.0f} MB"
         f" (x{both_mb / warehouse_mb:.1f}; NEWSWATCH_READ_COPY_ENABLED=false: no copy)"),
    ]


if __name__ == "__main__":
    for name, figure in run():
        print(f"  {name:<45} {figure}")
