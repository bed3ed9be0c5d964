"""Ordered SQL migrations: NNNN_name.sql files, each applied once in its own transaction.

A migration that needs Python (signing stored articles again) also has a step in `_STEPS`,
run after its SQL in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

import duckdb

from warehouse.errors import MigrationError

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
Step = Callable[[duckdb.DuckDBPyConnection], object]


def _resign(con: duckdb.DuckDBPyConnection) -> object:
    # Imported here: numpy and pyarrow only load when this step runs, not on every open.
    from warehouse.resign import resign_signatures

    return resign_signatures(con)


# Version -> the Python part of that migration.
_STEPS: dict[int, Step] = {9: _resign}


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    step: Step | None = None   # run after `sql`, inside the same transaction


def available_migrations() -> list[Migration]:
    found = []
    for item in resources.files("warehouse").joinpath("migrations").iterdir():
        match = _NAME.match(item.name)
        if match:
            version = int(match.group(1))
            found.append(Migration(version, match.group(2), item.read_text("utf-8"),
                                   _STEPS.get(version)))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a version number: {sorted(versions)}")
    return sorted(found, key=lambda m: m.version)


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)""")
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def apply_migrations(con: duckdb.DuckDBPyConnection,
                     up_to: int | None = None) -> list[Migration]:
    """Apply what is missing, in order (up to a version, for tests of the upgrade path).
    Returns the migrations applied now."""
    done = applied_versions(con)
    applied = []
    for migration in available_migrations():
        if migration.version in done or (up_to is not None and migration.version > up_to):
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.sql)
            if migration.step is not None:
                migration.step(con)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                        [migration.version, migration.name, datetime.now(UTC)])
            con.execute("COMMIT")
        except Exception as exc:   # a Python step can fail with more than duckdb.Error
            con.execute("ROLLBACK")
            step = " (with its Python step)" if migration.step is not None else ""
            raise MigrationError(
                f"migration {migration.version:04d}_{migration.name}.sql{step} failed: {exc}; "
                "the warehouse stays at the previous version") from exc
        applied.append(migration)
    return applied
