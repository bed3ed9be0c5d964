"""Query results as records, matched by column name rather than position.

A record built from `Record(*row)` silently shifts a value into the wrong field when a SELECT
gains, loses or reorders a column; built by name, such a change fails loudly (an unknown or a
missing field). The names come from the cursor's description once per query, so a batch costs
one dict per row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import duckdb

T = TypeVar("T")


def dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every remaining row of the query just run, as {column name: value}."""
    names = [column[0] for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def records(cursor: duckdb.DuckDBPyConnection, make: Callable[..., T]) -> list[T]:
    """Every remaining row as `make(**row)`: the SELECT names its columns after the fields."""
    return [make(**row) for row in dicts(cursor)]


def scalar(cursor: duckdb.DuckDBPyConnection) -> Any:
    """The first value of the one row of the query just run (a count, a max, an EXISTS)."""
    row = cursor.fetchone()
    if row is None:
        raise LookupError("the query returned no row where one was expected; check its "
                          "WHERE clause (an aggregate such as count(*) always returns one)")
    return row[0]
