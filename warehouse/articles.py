"""Loading scrape results: idempotent article upserts, versions, URLs, stories, request log."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa

from scrapers.models import Article, KnownUrls, SourceConfig, SourceResult, Validators
from warehouse.bulk import TEXT, TEXT_LIST, UTC_TIME, insert, insert_chunked, staged
from warehouse.evaluation import offset_minutes
from warehouse.rows import dicts
from warehouse.stories import BANDS, NUM_PERM, ROWS, Assignment, StoryIndex, signature

# Syndicated copies arrive within days of each other; older stories are not joined.
STORY_WINDOW = timedelta(days=14)

_ARTICLE = pa.schema([
    ("article_id", TEXT), ("source_id", TEXT), ("url", TEXT), ("title", TEXT),
    ("authors", TEXT_LIST), ("published_at", UTC_TIME), ("published_offset_minutes", pa.int16()),
    ("updated_at", UTC_TIME),
    ("fetched_at", UTC_TIME), ("first_seen_at", UTC_TIME), ("language", TEXT),
    ("section", TEXT), ("tags", TEXT_LIST), ("summary", TEXT), ("body", TEXT),
    ("word_count", pa.int32()), ("content_hash", TEXT), ("story_id", TEXT),
])
_SIGNATURE = pa.schema([("article_id", TEXT), ("signature", pa.list_(pa.uint32())),
                        ("similarity", pa.float64())])
_NEW_SIGNATURE = pa.schema([("signature", pa.list_(pa.uint32()))])
_STORY = pa.schema([("story_id", TEXT), ("title", TEXT), ("first_seen_at", UTC_TIME)])
_URL = pa.schema([("url", TEXT), ("article_id", TEXT), ("source_id", TEXT),
                  ("first_seen_at", UTC_TIME)])
_FETCH = pa.schema([
    ("run_id", TEXT), ("source_id", TEXT), ("url", TEXT), ("kind", TEXT), ("outcome", TEXT),
    ("status_code", pa.int32()), ("bytes", pa.int64()), ("elapsed_ms", pa.float64()),
    ("error_class", TEXT), ("transient", pa.bool_()), ("message", TEXT),
    ("fetched_at", UTC_TIME), ("final_url", TEXT), ("redirects", pa.int32()),
    ("attempts", pa.int32()),
])
_CHANGE = pa.schema([
    ("article_id", TEXT), ("title", TEXT), ("body", TEXT), ("summary", TEXT),
    ("updated_at", UTC_TIME), ("fetched_at", UTC_TIME), ("word_count", pa.int32()),
    ("content_hash", TEXT),
])
_TOUCH = pa.schema([("article_id", TEXT), ("fetched_at", UTC_TIME)])
_VALIDATORS = pa.schema([("source_id", TEXT), ("etag", TEXT), ("last_modified", TEXT)])


@dataclass
class LoadReport:
    new_article_ids: list[str] = field(default_factory=list)
    updated_article_ids: list[str] = field(default_factory=list)
    unchanged: int = 0
    new_stories: int = 0
    joined_stories: int = 0
    cluster_seconds: float = 0.0     # signatures and story assignment, inside the load
    cluster_cpu_seconds: float = 0.0  # the same in CPU time (all threads): robust to a busy host
    candidate_seconds: float = 0.0   # of which: finding stored candidates in SQL


def register_sources(con: duckdb.DuckDBPyConnection, sources: list[SourceConfig]) -> None:
    """Add new sources, update changed ones. Only those are written: an upsert per source
    costs about 2 ms, seconds per run for a thousand sources that rarely change."""
    if not sources:
        return
    stored = {row[0]: tuple(row[1:]) for row in con.execute(
        "SELECT source_id, name, kind, url FROM sources").fetchall()}
    changed = [s for s in sources if stored.get(s.id) != (s.display_name, s.kind, s.url)]
    if not changed:
        return
    con.executemany(
        """INSERT INTO sources (source_id, name, kind, url, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (source_id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
               url = excluded.url""",
        [(s.id, s.display_name, s.kind, s.url, datetime.now(UTC)) for s in changed],
    )


def source_state(con: duckdb.DuckDBPyConnection,
                 source_id: str) -> tuple[KnownUrls, Validators | None]:
    """One source's state (`source_states`)."""
    return source_states(con, [source_id])[source_id]


def source_states(con: duckdb.DuckDBPyConnection, source_ids: Collection[str]
                  ) -> dict[str, tuple[KnownUrls, Validators | None]]:
    """For each source: URLs not to download again (stored articles, pages that were
    permanently not articles) with when each stored article was last fetched (a later feed
    <updated> or sitemap <lastmod> fetches it again), and its validators for a conditional
    GET. Two queries for all of them: one per source cost ~1.3 ms, over a second a run for
    a thousand sources."""
    ids = list(dict.fromkeys(source_ids))
    rows = con.execute(
        """SELECT u.source_id, u.url, a.fetched_at FROM article_urls u
           LEFT JOIN articles a USING (article_id)
           WHERE u.source_id IN (SELECT unnest($1::VARCHAR[]))
           UNION ALL
           SELECT source_id, url, NULL FROM fetches
           WHERE source_id IN (SELECT unnest($1::VARCHAR[])) AND kind = 'article'
           GROUP BY source_id, url
           HAVING arg_max(outcome = 'error' AND NOT transient, fetched_at)""",
        [ids]).fetchall()
    urls: dict[str, list[str]] = {s: [] for s in ids}
    last_fetched: dict[str, dict[str, datetime]] = {s: {} for s in ids}
    for source_id, url, fetched_at in rows:
        urls[source_id].append(url)
        if fetched_at is not None:
            seen = last_fetched[source_id]
            seen[url] = max(fetched_at, seen.get(url, fetched_at))
    validators: dict[str, Validators] = {}
    for row in dicts(con.execute(
            """SELECT source_id, etag, last_modified FROM sources
               WHERE source_id IN (SELECT unnest($1::VARCHAR[]))
                 AND (etag IS NOT NULL OR last_modified IS NOT NULL)""", [ids])):
        found = Validators(row["etag"], row["last_modified"])
        if found.etag or found.last_modified:   # an empty string is no validator either
            validators[row["source_id"]] = found
    return {s: (KnownUrls(urls[s], last_fetched[s]), validators.get(s)) for s in ids}


def load_results(con: duckdb.DuckDBPyConnection, run_id: str, results: list[SourceResult],
                 before_commit: Callable[[duckdb.DuckDBPyConnection, LoadReport], None]
                 | None = None) -> LoadReport:
    """Write one run's results in a single transaction. Loading the same results twice adds
    nothing; an article whose content hash changed keeps its old body in article_versions.
    `before_commit` writes more rows in the same transaction (the staging loader's ledger)."""
    now = datetime.now(UTC)
    report = LoadReport()
    articles = _unique(a for r in results for a in r.articles)
    with _one_thread(con):
        _load(con, run_id, results, articles, now, report, before_commit)
    return report


@contextmanager
def _one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB on one thread for the load: the load's statements gain nothing from more (its
    time goes to clustering in Python), and each thread's buffers added ~15 MB to the peak of
    a 10,000-article run (bench/memory.py). The previous setting comes back afterwards."""
    threads = con.execute("SELECT current_setting('threads')").fetchone()
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        if threads is not None:
            with suppress(duckdb.Error):   # a broken connection: its own error is the news
                con.execute(f"SET threads = {int(threads[0])}")


def _load(con: duckdb.DuckDBPyConnection, run_id: str, results: list[SourceResult],
          articles: list[Article], now: datetime, report: LoadReport,
          before_commit: Callable[[duckdb.DuckDBPyConnection, LoadReport], None] | None
          ) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        existing = _existing_hashes(con, [a.article_id for a in articles])
        new = [a for a in articles if a.article_id not in existing]
        changed = [a for a in articles
                   if a.article_id in existing and existing[a.article_id] != a.content_hash]
        report.unchanged = len(articles) - len(new) - len(changed)
        started, cpu_started = time.perf_counter(), time.process_time()
        placed = _cluster(con, new, now, report)
        report.cluster_seconds = time.perf_counter() - started
        report.cluster_cpu_seconds = time.process_time() - cpu_started
        _insert_articles(con, new, placed, now)
        _update_changed(con, changed, now)
        _touch_refetched(con, [a for a in articles if existing.get(a.article_id)
                               == a.content_hash])
        _record_urls(con, articles, now)
        _record_fetches(con, run_id, results, now)
        _record_validators(con, results, now)
        report.new_article_ids = [a.article_id for a in new]
        report.updated_article_ids = [a.article_id for a in changed]
        if before_commit is not None:
            before_commit(con, report)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _unique(articles: Iterable[Article]) -> list[Article]:
    seen: dict[str, Article] = {}
    for article in articles:
        seen.setdefault(article.article_id, article)
    return list(seen.values())


def _existing_hashes(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = con.execute("SELECT article_id, content_hash FROM articles WHERE article_id = ANY(?)",
                       [ids]).fetchall()
    return dict(rows)


@dataclass(frozen=True)
class _Placed:
    assignment: Assignment
    signature: np.ndarray


def _cluster(con: duckdb.DuckDBPyConnection, new: list[Article], now: datetime,
             report: LoadReport) -> dict[str, _Placed]:
    """Place each new article in a story. Only stored articles that share an LSH band with a
    new one are read back (found in SQL), not every signature of the window."""
    if not new:
        return {}
    ordered = sorted(new, key=lambda a: (a.published_at or now, a.article_id))
    signatures = {a.article_id: signature(f"{a.title}\n{a.body}") for a in ordered}
    index = StoryIndex()
    started = time.perf_counter()
    for article_id, story_id, sig in _candidates(con, list(signatures.values()),
                                                 now - STORY_WINDOW):
        index.add(article_id, story_id, sig)
    report.candidate_seconds = time.perf_counter() - started
    out: dict[str, _Placed] = {}
    # Oldest first, so the earliest copy founds the story.
    for article in ordered:
        sig = signatures[article.article_id]
        assignment = index.assign(article.article_id, sig)
        out[article.article_id] = _Placed(assignment, sig)
        if assignment.similarity is None:
            report.new_stories += 1
        else:
            report.joined_stories += 1
    return out


def _band_key(column: str) -> str:
    """SQL for band t.band's key: its two MinHash values packed into one UBIGINT."""
    first, second = (f"{column}[t.band * {ROWS} + {i}]" for i in (1, 2))
    return f"(({first})::UBIGINT << 32) | {second}"


def _candidates(con: duckdb.DuckDBPyConnection, sigs: list[np.ndarray],
                since: datetime) -> list[tuple[str, str, np.ndarray]]:
    """Stored articles of the window sharing a band (two consecutive MinHash values, the same
    banding the in-memory LSH uses) with any new signature."""
    assert ROWS == 2, "band keys pack exactly two uint32 values"
    with staged(con, _NEW_SIGNATURE, [(sig,) for sig in sigs]) as batch:
        rows = con.sql(f"""
            WITH new_keys AS (
                SELECT DISTINCT t.band, {_band_key("n.signature")} AS key
                FROM {batch} n, range({BANDS}) t(band)),
            stored AS (
                SELECT s.article_id, a.story_id, s.signature FROM article_signatures s
                JOIN articles a USING (article_id) WHERE a.first_seen_at >= $since),
            stored_keys AS (
                SELECT s.article_id, t.band, {_band_key("s.signature")} AS key
                FROM stored s, range({BANDS}) t(band))
            SELECT article_id, story_id, signature FROM stored
            WHERE article_id IN (SELECT article_id FROM stored_keys JOIN new_keys USING (band, key))
            """, params={"since": since}).to_arrow_table()
    if not rows.num_rows:
        return []
    flat = rows.column("signature").combine_chunks().flatten().to_numpy()
    matrix = flat.astype(np.uint32).reshape(-1, NUM_PERM)
    return list(zip(rows.column("article_id").to_pylist(), rows.column("story_id").to_pylist(),
                    matrix, strict=True))


def _insert_articles(con: duckdb.DuckDBPyConnection, new: list[Article],
                     placed: dict[str, _Placed], now: datetime) -> None:
    # In chunks (bulk.insert_chunked): a run's articles at once held ~3x their text in the
    # rows, the Arrow copy and DuckDB's single large append.
    insert_chunked(con, "articles", _ARTICLE, new, lambda a: (
        a.article_id, a.source_id, a.url, a.title, list(a.authors), a.published_at,
        offset_minutes(a.published_at), a.updated_at, a.fetched_at, now, a.language,
        a.section, list(a.tags), a.summary, a.body, a.word_count, a.content_hash,
        placed[a.article_id].assignment.story_id))
    insert_chunked(con, "article_signatures", _SIGNATURE, new, lambda a: (
        a.article_id, placed[a.article_id].signature,
        placed[a.article_id].assignment.similarity))
    founders = [a for a in new if placed[a.article_id].assignment.similarity is None]
    insert_chunked(con, "stories", _STORY, founders, lambda a: (a.article_id, a.title, now),
                   on_conflict_ignore=True)


def _update_changed(con: duckdb.DuckDBPyConnection, changed: list[Article],
                    now: datetime) -> None:
    """The old version moves to article_versions; the row takes the new text and is queued
    for the rules again."""
    if not changed:
        return
    rows = [(a.article_id, a.title, a.body, a.summary, a.updated_at, a.fetched_at,
             a.word_count, a.content_hash) for a in changed]
    with staged(con, _CHANGE, rows) as batch:
        con.execute(f"""INSERT INTO article_versions
            SELECT a.article_id, a.content_hash, a.title, a.body, a.fetched_at, ?
            FROM articles a JOIN {batch} b USING (article_id)""", [now])
        con.execute(f"""UPDATE articles SET title = b.title, body = b.body, summary = b.summary,
                updated_at = b.updated_at, fetched_at = b.fetched_at,
                word_count = b.word_count, content_hash = b.content_hash, evaluated_at = NULL
            FROM {batch} b WHERE articles.article_id = b.article_id""")


def _touch_refetched(con: duckdb.DuckDBPyConnection, same: list[Article]) -> None:
    """A page fetched again but unchanged: remember the newer fetch, so the same <lastmod>
    does not send it back to us every run. Only the one small column is written."""
    rows = [(a.article_id, a.fetched_at) for a in same]
    if rows:
        with staged(con, _TOUCH, rows) as batch:
            con.execute(f"""UPDATE articles SET fetched_at = b.fetched_at FROM {batch} b
                WHERE articles.article_id = b.article_id
                  AND b.fetched_at > articles.fetched_at""")


def _record_urls(con: duckdb.DuckDBPyConnection, articles: list[Article],
                 now: datetime) -> None:
    rows: dict[str, tuple[str, str, str, datetime]] = {}
    for a in articles:
        for url in (a.discovered_url, a.url):
            rows.setdefault(url, (url, a.article_id, a.source_id, now))
    insert(con, "article_urls", _URL, list(rows.values()), on_conflict_ignore=True)


def _record_fetches(con: duckdb.DuckDBPyConnection, run_id: str, results: list[SourceResult],
                    now: datetime) -> None:
    insert(con, "fetches", _FETCH, [
        (run_id, r.source_id, f.url, f.kind, f.outcome, f.status_code, f.bytes, f.elapsed_ms,
         f.error_class, f.transient, f.message, now, f.final_url, f.redirects, f.attempts)
        for r in results for f in r.fetches])


def _record_validators(con: duckdb.DuckDBPyConnection, results: list[SourceResult],
                       now: datetime) -> None:
    rows = [(r.source_id, r.validators.etag, r.validators.last_modified)
            for r in results if r.validators is not None]
    if rows:
        with staged(con, _VALIDATORS, rows) as batch:
            con.execute(f"""UPDATE sources SET etag = b.etag, last_modified = b.last_modified,
                    updated_at = ? FROM {batch} b WHERE sources.source_id = b.source_id""",
                        [now])
