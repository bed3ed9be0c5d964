"""Retention and export: keep the file small, hand the data to other tools."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

# Articles a rule matched (and so every alert) are kept whatever their age: they are the record
# of what was sent, and "what did we alert on last year" is a question people ask.
_PRUNABLE = """
    SELECT article_id FROM articles a
    WHERE a.first_seen_at < $cutoff
      AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.article_id = a.article_id)
      AND NOT EXISTS (SELECT 1 FROM alerts al WHERE al.article_id = a.article_id)
"""


@dataclass(frozen=True)
class PruneReport:
    articles: int
    versions: int
    fetches: int
    stories: int
    dry_run: bool


def prune(con: duckdb.DuckDBPyConnection, older_than: timedelta, *,
          dry_run: bool = False, now: datetime | None = None) -> PruneReport:
    """Delete unmatched articles first seen before now - older_than, their versions, mentions
    and signatures, request-log rows as old, and stories left empty. URLs stay known, so a
    pruned article listed again by its feed is not downloaded again."""
    cutoff = (now or datetime.now(UTC)) - older_than
    params = {"cutoff": cutoff}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE TEMP TABLE prune_ids AS {_PRUNABLE}", params)
        counts = {
            "articles": _count(con, "SELECT count(*) FROM prune_ids"),
            "versions": _count(con, "SELECT count(*) FROM article_versions "
                                    "WHERE article_id IN (SELECT article_id FROM prune_ids)"),
            "fetches": _count(con, "SELECT count(*) FROM fetches WHERE fetched_at < $cutoff",
                              params),
        }
        for table in ("article_versions", "article_signatures", "entity_mentions",
                      "date_mentions", "articles"):
            con.execute(f"DELETE FROM {table} WHERE article_id IN "
                        "(SELECT article_id FROM prune_ids)")
        con.execute("DELETE FROM fetches WHERE fetched_at < $cutoff", params)
        counts["stories"] = _count(con, "SELECT count(*) FROM stories s WHERE NOT EXISTS "
                                        "(SELECT 1 FROM articles a WHERE a.story_id = s.story_id)")
        con.execute("DELETE FROM stories s WHERE NOT EXISTS "
                    "(SELECT 1 FROM articles a WHERE a.story_id = s.story_id)")
        con.execute("DROP TABLE prune_ids")
        con.execute("ROLLBACK" if dry_run else "COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if not dry_run:
        con.execute("CHECKPOINT")   # give the freed blocks back to the file
    return PruneReport(dry_run=dry_run, **counts)


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Fold the write-ahead log into the file, so freed blocks are reused."""
    con.execute("CHECKPOINT")


def export_parquet(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, Path]:
    """Articles partitioned by ingest day (articles/day=YYYY-MM-DD/*.parquet); stories, matches
    and alerts as single files. Re-exporting overwrites."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    target = folder / "articles"
    con.execute(
        f"""COPY (SELECT *, CAST(first_seen_at AS DATE) AS day FROM v_articles)
            TO '{_quoted(target)}' (FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE)""")
    written["articles"] = target
    for view in ("v_stories", "v_matches", "v_alerts", "v_source_health"):
        path = folder / f"{view.removeprefix('v_')}.parquet"
        con.execute(f"COPY (SELECT * FROM {view}) TO '{_quoted(path)}' (FORMAT parquet)")
        written[view.removeprefix("v_")] = path
    return written


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> int:
    row = con.execute(sql, params or None).fetchone()
    return int(row[0]) if row else 0


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
