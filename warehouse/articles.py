"""Loading scrape results: idempotent article upserts, versions, URLs, stories, request log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np

from scrapers.models import Article, SourceConfig, SourceResult, Validators
from warehouse.stories import Assignment, StoryIndex, signature

# Syndicated copies arrive within days of each other; older stories are not joined.
STORY_WINDOW = timedelta(days=14)


@dataclass
class LoadReport:
    new_article_ids: list[str] = field(default_factory=list)
    updated_article_ids: list[str] = field(default_factory=list)
    unchanged: int = 0
    new_stories: int = 0
    joined_stories: int = 0


def register_sources(con: duckdb.DuckDBPyConnection, sources: list[SourceConfig]) -> None:
    if not sources:
        return
    con.executemany(
        """INSERT INTO sources (source_id, name, kind, url, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (source_id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
               url = excluded.url""",
        [(s.id, s.display_name, s.kind, s.url, datetime.now(UTC)) for s in sources],
    )


def source_state(con: duckdb.DuckDBPyConnection,
                 source_id: str) -> tuple[frozenset[str], Validators | None]:
    """URLs not to download again (stored articles, pages that were permanently not articles),
    and the feed's validators for a conditional GET."""
    urls = frozenset(r[0] for r in con.execute(
        """SELECT url FROM article_urls WHERE source_id = $1
           UNION SELECT url FROM fetches WHERE source_id = $1 AND kind = 'article'
               AND outcome = 'error' AND NOT transient""", [source_id]).fetchall())
    row = con.execute("SELECT etag, last_modified FROM sources WHERE source_id = ?",
                      [source_id]).fetchone()
    validators = Validators(row[0], row[1]) if row and (row[0] or row[1]) else None
    return urls, validators


def load_results(con: duckdb.DuckDBPyConnection, run_id: str,
                 results: list[SourceResult]) -> LoadReport:
    """Write one run's results in a single transaction. Loading the same results twice adds
    nothing; an article whose content hash changed keeps its old body in article_versions."""
    now = datetime.now(UTC)
    report = LoadReport()
    articles = _unique(a for r in results for a in r.articles)
    con.execute("BEGIN TRANSACTION")
    try:
        existing = _existing_hashes(con, [a.article_id for a in articles])
        new = [a for a in articles if a.article_id not in existing]
        changed = [a for a in articles
                   if a.article_id in existing and existing[a.article_id] != a.content_hash]
        report.unchanged = len(articles) - len(new) - len(changed)
        placed = _cluster(con, new, now, report)
        _insert_articles(con, new, placed, now)
        _update_changed(con, changed, now)
        _record_urls(con, articles, now)
        _record_fetches(con, run_id, results, now)
        _record_validators(con, results, now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    report.new_article_ids = [a.article_id for a in new]
    report.updated_article_ids = [a.article_id for a in changed]
    return report


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
    if not new:
        return {}
    index = StoryIndex()
    for article_id, story_id, sig in con.execute(
        """SELECT a.article_id, a.story_id, s.signature FROM articles a
           JOIN article_signatures s USING (article_id) WHERE a.first_seen_at >= ?""",
        [now - STORY_WINDOW],
    ).fetchall():
        index.add(article_id, story_id, np.asarray(sig, dtype=np.uint32))
    out: dict[str, _Placed] = {}
    # Oldest first, so the earliest copy founds the story.
    for article in sorted(new, key=lambda a: (a.published_at or now, a.article_id)):
        sig = signature(f"{article.title}\n{article.body}")
        assignment = index.assign(article.article_id, sig)
        out[article.article_id] = _Placed(assignment, sig)
        if assignment.similarity is None:
            report.new_stories += 1
        else:
            report.joined_stories += 1
    return out


def _insert_articles(con: duckdb.DuckDBPyConnection, new: list[Article],
                     placed: dict[str, _Placed],
                     now: datetime) -> None:
    if not new:
        return
    con.executemany(
        """INSERT INTO articles (article_id, source_id, url, title, authors, published_at,
               updated_at, fetched_at, first_seen_at, language, section, tags, summary, body,
               word_count, content_hash, story_id, evaluated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)""",
        [(a.article_id, a.source_id, a.url, a.title, list(a.authors), a.published_at,
          a.updated_at, a.fetched_at, now, a.language, a.section, list(a.tags), a.summary,
          a.body, a.word_count, a.content_hash, placed[a.article_id].assignment.story_id)
         for a in new],
    )
    con.executemany(
        "INSERT INTO article_signatures VALUES (?, ?, ?)",
        [(a.article_id, placed[a.article_id].signature.tolist(),
          placed[a.article_id].assignment.similarity) for a in new],
    )
    founders = [a for a in new if placed[a.article_id].assignment.similarity is None]
    if founders:
        con.executemany("INSERT INTO stories VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        [(a.article_id, a.title, now) for a in founders])


def _update_changed(con: duckdb.DuckDBPyConnection, changed: list[Article],
                    now: datetime) -> None:
    if not changed:
        return
    con.executemany(
        """INSERT INTO article_versions
           SELECT article_id, content_hash, title, body, fetched_at, ? FROM articles
           WHERE article_id = ?""",
        [(now, a.article_id) for a in changed],
    )
    con.executemany(
        """UPDATE articles SET title = ?, body = ?, summary = ?, updated_at = ?, fetched_at = ?,
               word_count = ?, content_hash = ?, evaluated_at = NULL
           WHERE article_id = ?""",
        [(a.title, a.body, a.summary, a.updated_at, a.fetched_at, a.word_count, a.content_hash,
          a.article_id) for a in changed],
    )


def _record_urls(con: duckdb.DuckDBPyConnection, articles: list[Article],
                 now: datetime) -> None:
    rows = {}
    for a in articles:
        for url in (a.discovered_url, a.url):
            rows.setdefault(url, (url, a.article_id, a.source_id, now))
    if rows:
        con.executemany("INSERT INTO article_urls VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        list(rows.values()))


def _record_fetches(con: duckdb.DuckDBPyConnection, run_id: str, results: list[SourceResult],
                    now: datetime) -> None:
    rows = [(run_id, r.source_id, f.url, f.kind, f.outcome, f.status_code, f.bytes,
             f.elapsed_ms, f.error_class, f.transient, f.message, now)
            for r in results for f in r.fetches]
    if rows:
        con.executemany("INSERT INTO fetches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _record_validators(con: duckdb.DuckDBPyConnection, results: list[SourceResult],
                       now: datetime) -> None:
    rows = [(r.validators.etag, r.validators.last_modified, now, r.source_id)
            for r in results if r.validators is not None]
    if rows:
        con.executemany(
            "UPDATE sources SET etag = ?, last_modified = ?, updated_at = ? WHERE source_id = ?",
            rows)
