"""Warehouse loads and queries at 100,000 articles.

Baseline: the same rows inserted one statement and one commit at a time, measured in the same
run on a sample (it is too slow to push all 100,000 through) and compared as rows per second.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.results import record
from demo.articles import ARTICLES
from scrapers.models import Article, SourceResult
from scrapers.urls import article_id
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer

TOTAL = 100_000
BATCH = 10_000
BASELINE_SAMPLE = 3_000
_WORDS = " ".join(p for a in ARTICLES for p in a.paragraphs).split()
_START = datetime(2026, 11, 1, tzinfo=UTC)


def make_articles(count: int, seed: int, offset: int = 0) -> list[Article]:
    rng = random.Random(seed)
    out = []
    for i in range(offset, offset + count):
        url = f"https://news{i % 20}.example/story/{i}"
        body = " ".join(rng.choices(_WORDS, k=rng.randint(150, 400)))
        title = " ".join(rng.choices(_WORDS, k=8))
        when = _START + timedelta(minutes=i)
        out.append(Article(
            article_id=article_id(url), source_id=f"source-{i % 20}", url=url,
            discovered_url=url, title=title, authors=("Desk",), published_at=when,
            updated_at=None, fetched_at=when, language="en", section="World",
            tags=("bench",), summary=title, body=body, word_count=len(body.split()),
            content_hash=f"h{i}"))
    return out


def _sources() -> list:
    from scrapers.models import SourceConfig

    return [SourceConfig(id=f"source-{i}", url=f"https://news{i}.example/feed") for i in range(20)]


def _row_at_a_time(path: Path, articles: list[Article]) -> float:
    with writer(path) as con:
        started = time.perf_counter()
        for a in articles:   # autocommit: one statement, one commit per row
            con.execute(
                """INSERT INTO articles (article_id, source_id, url, title, authors, published_at,
                       updated_at, fetched_at, first_seen_at, language, section, tags, summary,
                       body, word_count, content_hash, story_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [a.article_id, a.source_id, a.url, a.title, list(a.authors), a.published_at,
                 a.updated_at, a.fetched_at, a.fetched_at, a.language, a.section, list(a.tags),
                 a.summary, a.body, a.word_count, a.content_hash, a.article_id])
        return time.perf_counter() - started


_QUERIES = {
    "latest 20 articles": "SELECT title, url FROM v_articles ORDER BY first_seen_at DESC LIMIT 20",
    "stories by sources": "SELECT title, sources FROM v_stories ORDER BY sources DESC LIMIT 20",
    "source health": "SELECT * FROM v_source_health",
    "articles per day": "SELECT CAST(first_seen_at AS DATE) d, count(*) FROM v_articles GROUP BY d",
    "body ILIKE search": "SELECT count(*) FROM v_articles WHERE body ILIKE '%harbour board%'",
    "one article by url": "SELECT title FROM v_articles WHERE url = 'https://news7.example/story/777'",
}


def _clustering(total: int, write_s: float, cluster_s: float, cluster_cpu_s: float,
                candidate_s: float) -> tuple[str, str]:
    """Story clustering per article, against the same rows' load without it (same run)."""
    per_article_ms = cluster_s / total * 1000
    record({"clustering_ms_per_article": per_article_ms,
            "clustering_cpu_ms_per_article": cluster_cpu_s / total * 1000})
    return ("load: story clustering inside the load",
            f"{per_article_ms:8.3f} ms per article (signature + assign "
            f"{(cluster_s - candidate_s) / total * 1000:.3f}, stored candidates in SQL "
            f"{candidate_s / total * 1000:.3f}; CPU {cluster_cpu_s / total * 1000:.3f} ms); "
            f"{total / write_s:,.0f} rows/s without it, {total / (write_s + cluster_s):,.0f} "
            "with it")


def run(total: int = TOTAL) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    articles = make_articles(total, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        with writer(path) as con:
            register_sources(con, _sources())
            write_s = cluster_s = cluster_cpu_s = candidate_s = 0.0
            for start in range(0, total, BATCH):
                batch = articles[start:start + BATCH]
                began = time.perf_counter()
                report = load_results(con, f"bench-{start}",
                                      [SourceResult("source-0", articles=batch)])
                cluster_s += report.cluster_seconds
                cluster_cpu_s += report.cluster_cpu_seconds
                candidate_s += report.candidate_seconds
                write_s += time.perf_counter() - began - report.cluster_seconds
            size_mb = path.stat().st_size / 1e6
        baseline_s = _row_at_a_time(Path(tmp) / "baseline.duckdb", articles[:BASELINE_SAMPLE])
        ours_rate, base_rate = total / write_s, BASELINE_SAMPLE / baseline_s
        rows.append((f"load: {total:,} articles, batches of {BATCH:,}",
                     f"{ours_rate:8,.0f} rows/s written; row-at-a-time {base_rate:,.0f} rows/s "
                     f"(x{ours_rate / base_rate:.0f}); file {size_mb:.0f} MB"))
        rows.append(_clustering(total, write_s, cluster_s, cluster_cpu_s, candidate_s))

        half_old = articles[:BATCH // 2] + make_articles(BATCH // 2, seed=8, offset=total)
        with writer(path) as con:
            began = time.perf_counter()
            report = load_results(con, "bench-upsert", [SourceResult("source-0",
                                                                     articles=half_old)])
            upsert_s = time.perf_counter() - began
        assert len(report.new_article_ids) == BATCH // 2 and report.unchanged == BATCH // 2
        rows.append((f"load: upsert {BATCH:,} (half already stored)",
                     f"{upsert_s * 1000:8,.0f} ms ({BATCH / upsert_s:,.0f} rows/s; clustering "
                     f"{report.cluster_seconds * 1000:,.0f} ms, of which finding candidates "
                     f"among {total:,} stored: {report.candidate_seconds * 1000:,.0f} ms)"))

        from warehouse.connection import reader

        with reader(path) as con:
            for name, sql in _QUERIES.items():
                samples = []
                for _ in range(5):
                    began = time.perf_counter()
                    con.execute(sql).fetchall()
                    samples.append(time.perf_counter() - began)
                rows.append((f"query over {total:,}: {name}",
                             f"{statistics.median(samples) * 1000:8.1f} ms"))
    return rows
