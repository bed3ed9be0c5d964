"""Ad hoc SQL for people: read-only, results as rows with column names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse.connection import reader
from warehouse.errors import QueryError
from warehouse.migrate import available_migrations
from warehouse.rows import scalar


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def run_query(path: Path, sql: str, params: dict[str, Any] | None = None, *,
              wait_seconds: float = 5.0,
              on_open: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> QueryResult:
    """`on_open` sees the connection before the query runs: another thread may call its
    `interrupt()` (the SQL prompt's Ctrl-C)."""
    with reader(path, wait_seconds=wait_seconds) as con:
        if on_open is not None:
            on_open(con)
        try:
            cursor = con.execute(sql, params or None)
        except duckdb.Error as exc:
            raise _query_error(con, sql, exc) from exc
        if cursor.description is None:
            return QueryResult([], [])
        return QueryResult([d[0] for d in cursor.description], cursor.fetchall())


def copy_query(path: Path, sql: str, params: dict[str, Any] | None, out: Path, *,
               wait_seconds: float = 5.0) -> int:
    """Write a query's result to a Parquet file; returns the row count."""
    with reader(path, wait_seconds=wait_seconds) as con:
        try:
            relation = con.sql(sql, params=params or None)
            relation.write_parquet(str(out))
            rows = con.execute(f"SELECT count(*) FROM read_parquet('{_quoted(out)}')").fetchall()
            return int(rows[0][0])
        except duckdb.Error as exc:
            raise _query_error(con, sql, exc) from exc


def _query_error(con: duckdb.DuckDBPyConnection, sql: str, exc: duckdb.Error) -> QueryError:
    """DuckDB's message and the query; says so when the file's schema is older than the code."""
    message = f"{exc}\n  in: {' '.join(sql.split())[:300]}"
    if isinstance(exc, duckdb.CatalogException):
        try:
            have = scalar(con.execute("SELECT max(version) FROM schema_migrations"))
        except duckdb.Error:
            have = 0
        want = available_migrations()[-1].version
        if (have or 0) < want:
            message += (f"\n  the warehouse schema is at version {have or 0} and this newswatch "
                        f"expects {want}: run `newswatch migrate` (or any `newswatch run`)")
    return QueryError(message)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = ["sources", "articles", "stories", "matches", "alerts", "deliveries", "fetches"]
    return {n: scalar(con.execute(f"SELECT count(*) FROM {n}")) for n in names}


def undelivered_alerts(path: Path) -> QueryResult:
    """Alerts not (yet) delivered, oldest first, with their last error (`newswatch outbox`)."""
    return run_query(path, """
        SELECT channel, status, attempts, next_attempt_at, rule_id, title, last_error
        FROM v_alerts WHERE status <> 'sent' ORDER BY created_at""")


def waiting_digest_lines(path: Path) -> QueryResult:
    """How many lines wait for a digest, per channel, stream and reason (`newswatch outbox`)."""
    return run_query(path, "SELECT channel, stream, reason, count(*) AS lines "
                           "FROM v_digest_items WHERE sent_at IS NULL GROUP BY ALL ORDER BY ALL")

