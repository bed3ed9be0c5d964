"""`scalar`: the one value of an aggregate query, or a clear error when there is no row."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.rows import scalar


def test_scalar_is_the_first_value_of_the_row(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "t.duckdb")) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
        con.execute("INSERT INTO t VALUES (3), (5)")
        assert scalar(con.execute("SELECT count(*), max(x) FROM t")) == 2
        assert scalar(con.execute("SELECT max(x) FROM t WHERE x > 9")) is None


def test_no_row_says_which_query_to_check(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "t.duckdb")) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
        with pytest.raises(LookupError, match="returned no row"):
            scalar(con.execute("SELECT x FROM t WHERE x = 1"))
