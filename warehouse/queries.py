"""Ad hoc SQL for people: read-only, results as rows with column names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse.connection import reader
from warehouse.errors import QueryError


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def run_query(path: Path, sql: str, params: dict[str, Any] | None = None) -> QueryResult:
    with reader(path) as con:
        try:
            cursor = con.execute(sql, params or None)
        except duckdb.Error as exc:
            raise QueryError(f"{exc}\n  in: {' '.join(sql.split())[:300]}") from exc
        if cursor.description is None:
            return QueryResult([], [])
        return QueryResult([d[0] for d in cursor.description], cursor.fetchall())


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = ["sources", "articles", "stories", "matches", "alerts", "deliveries", "fetches"]
    return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0]  # type: ignore[index]
            for n in names}
