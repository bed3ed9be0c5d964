"""The read copy: published with an atomic rename, so a session left open on it keeps the
snapshot it opened and never holds up the writer; and which file read-only commands open."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.settings import Settings, default_read_copy
from tests.sql import one_row
from warehouse.connection import reader, writer
from warehouse.read_copy import choose, freshness, publish

FINISHED = datetime(2026, 12, 4, 19, 40, 12, tzinfo=UTC)

# A user's session on the copy: counts the sources, then again after a line on stdin.
SESSION = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
count = lambda: con.execute("SELECT count(*) FROM sources").fetchone()[0]
print(count(), flush=True)
sys.stdin.readline()
print(count(), flush=True)
"""


@contextmanager
def session(path: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", SESSION, str(path)], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _add_source(path: Path, source_id: str) -> None:
    with writer(path) as con:
        con.execute("INSERT INTO sources (source_id, name, kind, url) VALUES (?, ?, 'feed', ?)",
                    [source_id, source_id.upper(), f"http://127.0.0.1/{source_id}"])


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "wh.duckdb"
    _add_source(path, "a")
    with writer(path) as con:
        con.execute("INSERT INTO runs (run_id, started_at, finished_at) VALUES (?, ?, ?)",
                    ["r1", FINISHED, FINISHED])
    return path


def _sources(path: Path) -> int:
    with reader(path) as con:
        return int(one_row(con, "SELECT count(*) FROM sources")[0])


def test_a_session_on_the_copy_keeps_its_snapshot_and_never_holds_up_a_publish(
        path: Path) -> None:
    copy = default_read_copy(path)
    assert copy.name == "wh.read.duckdb"
    first = publish(path, copy)
    assert first.path == copy and first.bytes == copy.stat().st_size > 0
    with session(copy) as user:
        assert user.stdout is not None and user.stdout.readline().strip() == "1"
        _add_source(path, "b")
        started = time.monotonic()
        publish(path, copy, wait_seconds=0.5)   # the writer's own lock only: no wait
        assert time.monotonic() - started < 5
        assert _sources(copy) == 2                      # a new connection sees the new copy
        assert user.stdin is not None
        user.stdin.write("\n")
        user.stdin.flush()
        assert user.stdout.readline().strip() == "1"    # the open session, its old one
    leftovers = sorted(p.name for p in path.parent.iterdir())
    assert leftovers == ["wh.duckdb", "wh.read.duckdb"]


def test_a_log_left_beside_the_copy_is_not_replayed_onto_the_new_one(path: Path) -> None:
    copy = default_read_copy(path)
    publish(path, copy)
    stale = copy.with_name(copy.name + ".wal")
    stale.write_bytes(b"\x00" * 4096)   # as a session that opened the copy read-write leaves
    publish(path, copy)
    assert not stale.exists() and _sources(copy) == 1


def test_freshness_names_the_last_completed_run(path: Path) -> None:
    with writer(path) as con:   # a deferred run recorded later does not make the copy fresher
        con.execute("INSERT INTO runs (run_id, started_at, finished_at, status) VALUES "
                    "('r2', now(), now(), 'deferred')")
    copy = default_read_copy(path)
    publish(path, copy)
    assert freshness(copy) == ("read copy as of the run that finished 2026-12-04 19:40 UTC; "
                               "--live for the warehouse itself")


def test_read_only_commands_open_the_copy_unless_told_otherwise(path: Path) -> None:
    copy = default_read_copy(path)
    missing = choose(path, copy, live=False)
    assert (missing.path, missing.is_copy) == (path, False)
    assert missing.note == (f"no read copy at {copy} yet (each monitor run publishes it when "
                            "it finishes): reading the warehouse itself, read-only")
    publish(path, copy)
    published = choose(path, copy, live=False)
    assert (published.path, published.is_copy, published.note) == (copy, True, None)
    assert choose(path, copy, live=True).path == path
    off = choose(path, None, live=False)           # NEWSWATCH_READ_COPY_ENABLED=false
    assert (off.path, off.is_copy, off.note) == (path, False, None)


def test_the_copy_is_beside_the_warehouse_unless_set(tmp_path: Path) -> None:
    settings = Settings(warehouse=tmp_path / "nw.duckdb")
    assert settings.read_copy_of() == tmp_path / "nw.read.duckdb"
    assert settings.read_copy_of(tmp_path / "x" / "other.duckdb") == (
        tmp_path / "x" / "other.read.duckdb")
    named = Settings(warehouse=tmp_path / "nw.duckdb", read_copy=tmp_path / "share" / "c.duckdb")
    assert named.read_copy_of() == named.read_copy_of(tmp_path / "nw.duckdb") == (
        tmp_path / "share" / "c.duckdb")
    assert Settings(warehouse=tmp_path / "nw.duckdb", read_copy_enabled=False
                    ).read_copy_of() is None


def test_an_older_snapshot_never_replaces_a_newer_copy(path: Path) -> None:
    """Two overlapping runs: the one whose snapshot was taken later may rename first; the
    other then leaves it in place rather than publish an older state over it."""
    copy = default_read_copy(path)
    publish(path, copy)
    _add_source(path, "b")
    later = time.time() + 60   # as if another run's newer snapshot were already there
    os.utime(copy, (later, later))
    kept = publish(path, copy)
    assert kept.path == copy and _sources(copy) == 1
    os.utime(copy, (later - 120, later - 120))
    publish(path, copy)
    assert _sources(copy) == 2
    assert sorted(p.name for p in path.parent.iterdir()) == ["wh.duckdb", "wh.read.duckdb"]
