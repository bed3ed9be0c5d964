"""The read copy: a snapshot of the warehouse for people and tools to query.

DuckDB lets a writer in only when no other process has the file open, even read-only. So
users do not query the warehouse a run writes: every run that wrote publishes a copy when
it finishes (CHECKPOINT, copy the file to a temporary name in the copy's folder, rename it
over the copy). The rename is atomic: a session left open keeps the copy it opened (its
inode) and never holds anything a run needs; the next connection sees the new copy. The
copy's `runs` table says which run it is as of.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from warehouse.connection import reader, writer

if TYPE_CHECKING:   # `newswatch sql` imports this module: it needs neither pyarrow nor scrapers
    from scrapers.models import KnownUrls, Validators


@dataclass(frozen=True)
class Published:
    path: Path
    bytes: int
    locked_seconds: float    # the writer's lock held: CHECKPOINT and copy
    seconds: float           # in all, with the flush to disk and the rename


def publish(warehouse: Path, copy: Path, *, wait_seconds: float = 30.0) -> Published:
    """Publish the read copy of `warehouse` at `copy`. The copy is taken under the write lock
    (after a CHECKPOINT the file alone holds everything); the flush to disk and the rename
    happen after the lock is released."""
    started = time.perf_counter()
    copy.parent.mkdir(parents=True, exist_ok=True)
    temp = copy.with_name(f".{copy.name}.{uuid.uuid4().hex}.tmp")
    try:
        with writer(warehouse, wait_seconds=wait_seconds) as con:
            con.execute("CHECKPOINT")
            shutil.copyfile(warehouse, temp)
        locked = time.perf_counter() - started
        with temp.open("rb+") as out:
            os.fsync(out.fileno())
        taken = temp.stat().st_mtime_ns
        if copy.exists() and copy.stat().st_mtime_ns > taken:
            # An overlapping run took its snapshot after this one and renamed it first.
            return Published(copy, copy.stat().st_size, locked, time.perf_counter() - started)
        # A log left beside the copy (a session opened it read-write) would be replayed
        # onto the new copy by the next reader: it belongs to the copy being replaced.
        copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
        os.replace(temp, copy)
    finally:
        temp.unlink(missing_ok=True)
    return Published(copy, copy.stat().st_size, locked, time.perf_counter() - started)


def as_of(copy: Path) -> datetime | None:
    """When the last completed run recorded in the copy finished; None before any run."""
    with reader(copy) as con:
        try:
            row = con.execute("SELECT max(finished_at) FROM runs WHERE status = 'completed'"
                              ).fetchone()
        except duckdb.Error:   # not a warehouse, or one older than run statuses
            return None
    return row[0] if row else None


def freshness(copy: Path) -> str:
    """The line `newswatch sql` prints on stderr about the copy it read."""
    finished = as_of(copy)
    when = (f"as of the run that finished {finished:%Y-%m-%d %H:%M} UTC" if finished
            else "published before any run finished")
    return f"read copy {when}; --live for the warehouse itself"


def source_states(copy: Path, source_ids: Collection[str]
                  ) -> dict[str, tuple[KnownUrls, Validators | None]]:
    """What each source's scraper may skip, and its feed validators, as of the copy: what a
    run reads when the warehouse itself is locked."""
    from warehouse.articles import source_states as states_of

    with reader(copy, wait_seconds=1.0) as con:
        return states_of(con, source_ids)


@dataclass(frozen=True)
class ReadTarget:
    """The file a read-only command opens."""

    path: Path
    is_copy: bool
    note: str | None = None    # why the warehouse itself is read when the copy was wanted


def choose(warehouse: Path, copy: Path | None, *, live: bool) -> ReadTarget:
    """The read copy, unless `live` is asked for, copies are off (`copy` None) or no run has
    published one yet (then the warehouse itself, read-only, with a note saying so)."""
    if live or copy is None:
        return ReadTarget(warehouse, False)
    if copy.exists():
        return ReadTarget(copy, True)
    if warehouse.name.endswith(".read.duckdb"):   # pointed at a copy itself
        return ReadTarget(warehouse, True)
    return ReadTarget(warehouse, False, (
        f"no read copy at {copy} yet (each monitor run publishes it when it finishes): "
        "reading the warehouse itself, read-only"))
