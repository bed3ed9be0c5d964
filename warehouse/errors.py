"""Warehouse errors, translated from DuckDB's at one boundary (connection.py)."""

from __future__ import annotations


class WarehouseError(Exception):
    """Base class for warehouse failures."""


class WarehouseLocked(WarehouseError):
    """Another process holds the write lock on the DuckDB file."""

    def __init__(self, message: str, *, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid   # the holder, when DuckDB names it


class MigrationError(WarehouseError):
    """A migration file failed; the warehouse is left at the previous version."""


class QueryError(WarehouseError):
    """A user's SQL failed: the message is DuckDB's, with what was run."""
