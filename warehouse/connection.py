"""Opening the DuckDB file: one short-lived writer, any number of read-only readers.

DuckDB lets one process write a file at a time, and only while no other process has it open.
Writers here hold the connection only for one batch; readers retry for a few seconds and then
say who holds the lock and what to do. People's queries go to the read copy
(warehouse/read_copy.py), which no writer ever waits for.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeAlias

import duckdb

from warehouse.errors import WarehouseError, WarehouseLocked
from warehouse.migrate import apply_migrations

# What callers outside the warehouse name a connection by: only warehouse/ imports duckdb.
Connection: TypeAlias = duckdb.DuckDBPyConnection

_LOCK_HINT = re.compile(r"lock|Conflicting lock|being used by another process", re.IGNORECASE)


def _connect(path: Path, *, read_only: bool, wait_seconds: float) -> Connection:
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            con.execute("SET TimeZone = 'UTC'")   # the warehouse stores and shows UTC
            # DuckDB draws a progress bar on stderr for slow queries: noise in a pipeline.
            con.execute("SET enable_progress_bar = false")
            return con
        except duckdb.IOException as exc:
            if not _LOCK_HINT.search(str(exc)):
                raise WarehouseError(f"cannot open warehouse {path}: {exc}") from exc
            if time.monotonic() >= deadline:
                pid = _lock_holder(str(exc))
                holder = f" (PID {pid})" if pid else ""
                advice = ("A monitor run holds the lock only while it writes a batch: try again "
                          "in a moment, or stop the process holding it (e.g. a duckdb shell "
                          "opened without -readonly)." if read_only else
                          "Writing needs the file to itself: any other open connection blocks "
                          "it, even a read-only one (a duckdb shell, a notebook, a long query). "
                          "Close it and run again.")
                raise WarehouseLocked(
                    f"warehouse {path} is locked by another process{holder} and stayed locked "
                    f"for {wait_seconds:g} s. {advice}", pid=pid) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _lock_holder(message: str) -> int | None:
    match = re.search(r"\(PID (\d+)\)", message)
    return int(match.group(1)) if match else None


@contextmanager
def writer(path: Path, *, wait_seconds: float = 30.0) -> Iterator[Connection]:
    """A write connection for one batch; schema migrations are applied on first open."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, read_only=False, wait_seconds=wait_seconds)
    try:
        apply_migrations(con)
        yield con
    finally:
        con.close()


@contextmanager
def reader(path: Path, *, wait_seconds: float = 5.0) -> Iterator[Connection]:
    """A read-only connection; safe to open while flows run between their write batches."""
    if not path.exists():
        raise WarehouseError(
            f"no warehouse at {path}: run `newswatch run` (or `newswatch demo`) first, "
            "or set NEWSWATCH_WAREHOUSE to the file's path")
    con = _connect(path, read_only=True, wait_seconds=wait_seconds)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """Everything written in the block commits together, or not at all: any exception (a
    failed write, a full disk, Ctrl-C) rolls it back and propagates."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
