"""Schema migrations on a real DuckDB file: applied once, recorded, views usable when empty."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from warehouse.connection import reader, writer
from warehouse.errors import MigrationError
from warehouse.migrate import (
    Migration,
    applied_versions,
    apply_migrations,
    available_migrations,
)

INITIAL_TABLES = {"runs", "sources", "fetches", "articles", "article_urls", "article_versions",
                  "stories", "article_signatures", "matches", "alerts", "deliveries",
                  "schema_migrations"}
INITIAL_VIEWS = {"v_articles", "v_matches", "v_alerts", "v_source_health"}


def _all_view_names() -> set[str]:
    return {name for m in available_migrations()
            for name in re.findall(r"CREATE\s+VIEW\s+(\w+)", m.sql, re.IGNORECASE)}


def test_migration_files_are_numbered_from_one_without_gaps() -> None:
    migrations = available_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert (migrations[0].version, migrations[0].name) == (1, "initial")


def test_first_open_applies_every_migration_once_and_records_it(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    expected = [(m.version, m.name) for m in available_migrations()]
    with writer(path) as con:
        rows = con.execute(
            "SELECT version, name, applied_at FROM schema_migrations ORDER BY version").fetchall()
        assert [(v, n) for v, n, _ in rows] == expected
        assert all(applied_at is not None for _, _, applied_at in rows)
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        ).fetchall()}
        views = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW'"
        ).fetchall()}
    assert tables >= INITIAL_TABLES
    assert views >= INITIAL_VIEWS
    assert views == _all_view_names()


def test_reapplying_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with writer(path) as con:
        first = con.execute("SELECT * FROM schema_migrations ORDER BY version").fetchall()
        con.execute("INSERT INTO sources VALUES ('s', 'S', 'feed', 'https://s.example', "
                    "NULL, NULL, NULL)")
        assert apply_migrations(con) == []
    with writer(path) as con:        # a new process opening the file applies nothing either
        assert apply_migrations(con) == []
        assert con.execute("SELECT * FROM schema_migrations ORDER BY version").fetchall() == first
        assert con.execute("SELECT source_id FROM sources").fetchall() == [("s",)]
        assert applied_versions(con) == {m.version for m in available_migrations()}


def test_apply_on_a_bare_connection_returns_what_it_applied(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "bare.duckdb"))
    try:
        assert applied_versions(con) == set()
        applied = apply_migrations(con)
        assert [m.version for m in applied] == [m.version for m in available_migrations()]
        assert apply_migrations(con) == []
    finally:
        con.close()


@pytest.mark.parametrize("view", sorted(_all_view_names()))
def test_views_are_queryable_on_an_empty_warehouse(tmp_path: Path, view: str) -> None:
    path = tmp_path / "warehouse.duckdb"
    with writer(path):
        pass
    with reader(path) as con:
        assert con.execute(f"SELECT * FROM {view}").fetchall() == []


def test_source_health_lists_a_source_with_no_fetches_yet(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with writer(path) as con:
        con.execute("INSERT INTO sources VALUES ('s', 'S', 'feed', 'https://s.example', "
                    "NULL, NULL, NULL)")
        assert con.execute("SELECT * FROM v_source_health").fetchall() == [
            ("s", "S", None, None, None, 0, 0, 0,
             0, 0, None, 0.0, None, None, None,    # failures, skipped, new, rate, latency...
             0, None)]                             # no deferred runs


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "warehouse.duckdb"
    with writer(path):
        pass
    good = available_migrations()
    broken = Migration(len(good) + 1, "broken",
                       "CREATE TABLE half_done (x INTEGER);\nSELECT * FROM no_such_table;")
    monkeypatch.setattr("warehouse.migrate.available_migrations", lambda: [*good, broken])
    with pytest.raises(MigrationError) as caught, writer(path):
        pass
    assert str(caught.value).startswith(f"migration {broken.version:04d}_broken.sql failed: ")
    assert "no_such_table" in str(caught.value)
    with reader(path) as con:
        assert applied_versions_readonly(con) == [m.version for m in good]
        assert con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'half_done'").fetchone() == (0,)


def applied_versions_readonly(con: duckdb.DuckDBPyConnection) -> list[int]:
    rows = con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    return [r[0] for r in rows]
