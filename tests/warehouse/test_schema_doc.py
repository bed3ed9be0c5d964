"""docs/warehouse.md and the real schema cannot drift: every relation and column is documented
with its type, and every query in the doc runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from warehouse.connection import writer

DOC = Path(__file__).resolve().parents[2] / "docs" / "warehouse.md"


def _documented() -> dict[str, dict[str, str]]:
    relations: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in DOC.read_text("utf-8").splitlines():
        heading = re.match(r"^### `(\w+)` \((table|view)\)", line)
        if heading:
            current = relations.setdefault(heading.group(1), {})
            continue
        if line.startswith("## "):
            current = None
        row = re.match(r"^\| (\w+) \| ([A-Z][A-Z \[\]]*) \|", line)
        if current is not None and row and row.group(1) != "column":
            current[row.group(1)] = row.group(2).strip()
    return relations


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with writer(tmp_path / "doc.duckdb") as connection:
        yield connection


def test_every_relation_and_column_is_documented_with_its_type(
        con: duckdb.DuckDBPyConnection) -> None:
    actual: dict[str, dict[str, str]] = {}
    for table, column, data_type in con.execute(
            """SELECT table_name, column_name, data_type FROM information_schema.columns
               WHERE table_schema = 'main' ORDER BY table_name, ordinal_position""").fetchall():
        actual.setdefault(table, {})[column] = data_type
    assert _documented() == actual


def test_the_ten_queries_in_the_doc_run(con: duckdb.DuckDBPyConnection) -> None:
    block = DOC.read_text("utf-8").split("## Ten useful queries", 1)[1]
    sql = block.split("```sql", 1)[1].split("```", 1)[0]
    statements = [s.strip() for s in sql.split(";") if s.strip() and not
                  all(ln.startswith("--") for ln in s.strip().splitlines())]
    assert len(statements) == 10
    for statement in statements:
        con.execute(statement).fetchall()
