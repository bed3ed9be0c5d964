"""Every earlier schema version upgrades to the same schema as a new file, keeping its rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.migrate import apply_migrations, available_migrations

VERSIONS = [m.version for m in available_migrations()]


def _schema(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        """SELECT table_name, column_name, data_type FROM information_schema.columns
           WHERE table_schema = 'main' ORDER BY table_name, column_name""").fetchall()


def test_versions_are_numbered_without_gaps() -> None:
    assert list(range(1, len(VERSIONS) + 1)) == VERSIONS


@pytest.mark.parametrize("start", [0, *VERSIONS])
def test_upgrade_from_every_version(tmp_path: Path, start: int) -> None:
    fresh = duckdb.connect(str(tmp_path / "fresh.duckdb"))
    apply_migrations(fresh)
    expected = _schema(fresh)
    fresh.close()

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    apply_migrations(con, up_to=start)
    if start >= 1:   # rows written under the old schema survive the upgrade
        con.execute("INSERT INTO sources (source_id, name, kind, url) "
                    "VALUES ('kept', 'Kept', 'feed', 'http://127.0.0.1/')")
    applied = apply_migrations(con)
    assert [m.version for m in applied] == [v for v in VERSIONS if v > start]
    assert _schema(con) == expected
    assert apply_migrations(con) == []
    if start >= 1:
        assert con.execute("SELECT name FROM sources").fetchall() == [("Kept",)]
    con.close()
