"""warehouse.bulk: chunked inserts write every row, in order, inside the caller's transaction."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from warehouse.bulk import TEXT, insert_chunked
from warehouse.connection import transaction

_SCHEMA = pa.schema([("k", TEXT), ("n", pa.int32())])


def _table(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "bulk.duckdb"))
    con.execute("CREATE TABLE t (k VARCHAR PRIMARY KEY, n INTEGER)")
    return con


def test_every_row_of_every_chunk_is_written_in_order(tmp_path: Path) -> None:
    con = _table(tmp_path)
    items = list(range(25))   # 3 chunks of 10, the last one short
    assert insert_chunked(con, "t", _SCHEMA, items, lambda i: (f"k{i}", i * 2), chunk=10) == 25
    assert con.execute("SELECT k, n FROM t ORDER BY rowid").fetchall() == [
        (f"k{i}", i * 2) for i in items]


def test_a_failing_chunk_rolls_back_the_earlier_ones(tmp_path: Path) -> None:
    con = _table(tmp_path)
    items = [0, 1, 2, 3, 0]   # the third chunk repeats a key of the first
    with pytest.raises(duckdb.ConstraintException), transaction(con):
        insert_chunked(con, "t", _SCHEMA, items, lambda i: (f"k{i}", i), chunk=2)
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_conflicts_across_chunks_are_ignored_when_asked(tmp_path: Path) -> None:
    con = _table(tmp_path)
    insert_chunked(con, "t", _SCHEMA, [0, 1, 0, 2], lambda i: (f"k{i}", i), chunk=2,
                   on_conflict_ignore=True)
    assert con.execute("SELECT k FROM t ORDER BY k").fetchall() == [("k0",), ("k1",), ("k2",)]


def test_nothing_to_insert_runs_no_statement(tmp_path: Path) -> None:
    con = _table(tmp_path)
    assert insert_chunked(con, "t", _SCHEMA, [], lambda i: (i, i)) == 0
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
