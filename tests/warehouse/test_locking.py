"""DuckDB's file lock across real processes: what readers and writers see, and are told."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from warehouse.connection import reader, writer
from warehouse.errors import WarehouseError, WarehouseLocked

PYTHON = Path(sys.executable)
# The child opens the file, says so, and holds it until its stdin closes (or 60 s pass).
HOLDER = """
import os, sys, threading, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
if sys.argv[2] == "rw":
    con.execute("CREATE TABLE IF NOT EXISTS held (x INTEGER)")
    con.execute("INSERT INTO held VALUES (42)")
print("holding", flush=True)
guard = threading.Timer(60, lambda: os._exit(1))
guard.daemon = True
guard.start()
sys.stdin.readline()
con.close()
"""


@contextmanager
def held(path: Path, mode: str) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([str(PYTHON), "-c", HOLDER, str(path), mode], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line == "holding\n", proc.stderr.read() if proc.stderr else line
        yield proc
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with writer(path):
        pass
    return path


def test_reader_gives_up_on_a_writer_and_says_what_to_do(path: Path) -> None:
    with held(path, "rw") as holder:
        started = time.monotonic()
        with pytest.raises(WarehouseLocked) as caught, reader(path, wait_seconds=1):
            pass
        waited = time.monotonic() - started
    message = str(caught.value)
    assert message == (
        f"warehouse {path} is locked by another process (PID {holder.pid}) and stayed locked "
        "for 1 s. A monitor run holds the lock only while it writes a batch: try again in a "
        "moment, or stop the process holding it (e.g. a duckdb shell opened without -readonly).")
    assert 1.0 <= waited < 10
    assert isinstance(caught.value, WarehouseError)


def test_reader_gets_in_once_the_writer_is_gone(path: Path) -> None:
    with held(path, "rw"):
        pass
    with reader(path, wait_seconds=1) as con:
        assert con.execute("SELECT x FROM held").fetchall() == [(42,)]


def test_reader_waits_for_a_short_write(path: Path) -> None:
    with held(path, "rw") as holder:
        # Release the lock half a second into the reader's wait.
        def release() -> None:
            time.sleep(0.5)
            assert holder.stdin is not None
            holder.stdin.close()

        thread = threading.Thread(target=release)
        started = time.monotonic()
        thread.start()
        with reader(path, wait_seconds=10) as con:
            assert con.execute("SELECT x FROM held").fetchall() == [(42,)]
        thread.join()
        assert 0.5 <= time.monotonic() - started < 10


def test_a_second_writer_is_refused_too(path: Path) -> None:
    with held(path, "rw") as holder, pytest.raises(WarehouseLocked) as caught, writer(
            path, wait_seconds=0.5):
        pass
    assert f"locked by another process (PID {holder.pid})" in str(caught.value)


def test_readers_share_the_file_but_block_a_writer(path: Path) -> None:
    """DuckDB's read-only connections take a shared lock: other readers get in, but a writer
    in another process is refused while any reader holds the file open."""
    with held(path, "ro") as holder:
        with reader(path, wait_seconds=1) as con:
            assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)
        with pytest.raises(WarehouseLocked) as caught, writer(path, wait_seconds=0.5):
            pass
    assert str(caught.value) == (
        f"warehouse {path} is locked by another process (PID {holder.pid}) and stayed locked "
        "for 0.5 s. Writing needs the file to itself: any other open connection blocks it, "
        "even a read-only one (a duckdb shell, a notebook, a long query). Close it and run "
        "again.")


def test_reader_on_a_missing_file_says_to_run_newswatch_first(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "warehouse.duckdb"
    with pytest.raises(WarehouseError) as caught, reader(missing):
        pass
    assert type(caught.value) is WarehouseError
    assert str(caught.value) == (
        f"no warehouse at {missing}: run `newswatch run` (or `newswatch demo`) first, "
        "or set NEWSWATCH_WAREHOUSE to the file's path")
    assert not missing.exists() and not missing.parent.exists()


def test_a_file_that_is_not_a_database_is_a_warehouse_error(tmp_path: Path) -> None:
    bogus = tmp_path / "warehouse.duckdb"
    bogus.write_text("this is not a database\n" * 100, "utf-8")
    with pytest.raises(WarehouseError) as caught, reader(bogus, wait_seconds=0.2):
        pass
    assert str(caught.value).startswith(f"cannot open warehouse {bogus}: ")
