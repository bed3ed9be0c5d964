"""Retention keeps what alerted; export writes Parquet another tool can read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from warehouse.connection import writer
from warehouse.maintenance import export_parquet, prune

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def _seed(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT INTO sources (source_id, name, kind, url) VALUES "
                "('s', 'S', 'feed', 'http://127.0.0.1/f')")
    rows = [("old-plain", 200), ("old-matched", 200), ("new", 1)]
    for article_id, age_days in rows:
        seen = NOW - timedelta(days=age_days)
        con.execute(
            """INSERT INTO articles (article_id, source_id, url, title, first_seen_at, fetched_at,
                   body, word_count, content_hash, story_id)
               VALUES (?, 's', ?, ?, ?, ?, 'text', 1, 'h', ?)""",
            [article_id, f"http://127.0.0.1/{article_id}", article_id, seen, seen, article_id])
        con.execute("INSERT INTO stories VALUES (?, ?, ?)", [article_id, article_id, seen])
        con.execute("INSERT INTO article_urls VALUES (?, ?, 's', ?)",
                    [f"http://127.0.0.1/{article_id}", article_id, seen])
    con.execute("INSERT INTO article_versions VALUES ('old-plain', 'h0', 't', 'b', ?, ?)",
                [NOW - timedelta(days=201), NOW - timedelta(days=200)])
    con.execute("INSERT INTO matches VALUES ('m', 'r', 'old-matched', 'old-matched', ?, "
                "'body', ['x'], 'x')", [NOW - timedelta(days=200)])
    con.execute("INSERT INTO fetches (run_id, source_id, url, kind, outcome, fetched_at) VALUES "
                "('r1', 's', 'u', 'feed', 'ok', ?), ('r2', 's', 'u', 'feed', 'ok', ?)",
                [NOW - timedelta(days=200), NOW - timedelta(days=1)])


def _ids(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    column = "run_id" if table == "fetches" else "story_id" if table == "stories" else "article_id"
    return sorted(r[0] for r in con.execute(f"SELECT {column} FROM {table}").fetchall())


def test_prune_deletes_old_unmatched_articles_and_keeps_matched_ones(tmp_path: Path) -> None:
    with writer(tmp_path / "w.duckdb") as con:
        _seed(con)
        dry = prune(con, timedelta(days=90), dry_run=True, now=NOW)
        assert (dry.articles, dry.versions, dry.fetches, dry.stories) == (1, 1, 1, 1)
        assert _ids(con, "articles") == ["new", "old-matched", "old-plain"]

        report = prune(con, timedelta(days=90), now=NOW)
        assert (report.articles, report.versions, report.fetches, report.stories) == (1, 1, 1, 1)
        assert _ids(con, "articles") == ["new", "old-matched"]
        assert _ids(con, "stories") == ["new", "old-matched"]
        assert _ids(con, "article_versions") == []
        assert _ids(con, "fetches") == ["r2"]
        # The pruned URL stays known, so its feed listing it again does not re-download it.
        assert len(_ids(con, "article_urls")) == 3


def test_export_partitions_articles_by_day(tmp_path: Path) -> None:
    with writer(tmp_path / "w.duckdb") as con:
        _seed(con)
        written = export_parquet(con, tmp_path / "out")
    days = sorted(p.name for p in written["articles"].iterdir())
    assert days == [f"day={(NOW - timedelta(days=d)).date()}" for d in (200, 1)]
    titles = duckdb.execute(
        f"SELECT title FROM read_parquet('{written['articles']}/*/*.parquet') ORDER BY 1"
    ).fetchall()
    assert titles == [("new",), ("old-matched",), ("old-plain",)]
