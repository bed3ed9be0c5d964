"""One row of a query, for tests that read the warehouse back.

DuckDB's `fetchone()` is typed `tuple | None`; a query that was meant to return a row and
returned none fails here, naming the query, instead of a `TypeError` on `None[0]` later."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb


def one_row(con: duckdb.DuckDBPyConnection, sql: str,
            params: Sequence[object] | None = None) -> tuple[Any, ...]:
    row = con.execute(sql, params).fetchone()
    assert row is not None, f"no row from: {sql}"
    return row
