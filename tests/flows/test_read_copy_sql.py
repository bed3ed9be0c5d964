"""`newswatch sql` answers while monitor runs write, on the real CLI in subprocesses.

The writer is another process running the plain runner (the steps every runner shares) in a
loop over the demo sites: a `newswatch serve` subprocess needs a Prefect server and fires at
most once a minute, so a loop shows the same overlap in a fraction of the time. A probe
watches the warehouse's write lock without taking any lock (fcntl F_GETLK), so the test knows
which queries ran while a run held it. And which file `newswatch sql` reads: the copy, with
its freshness on stderr, or with `--live` the warehouse itself."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer

REPO = Path(__file__).resolve().parents[2]
LATER = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
pytestmark = pytest.mark.e2e

# Monitor runs, one after another, until a line on stdin (or 20 runs); one line per run.
_WRITER = """
import asyncio, sys, threading
from datetime import UTC, datetime
from pathlib import Path
from core.settings import Settings
from pipeline.runner import run_plain
settings = Settings(config_dir=Path(sys.argv[1]), warehouse=Path(sys.argv[2]),
                    staging_dir=Path(sys.argv[3]), fetch_retries=0)
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
for n in range(20):
    done = asyncio.run(run_plain(settings, datetime.now(UTC)))
    print(f"run {n} new={done.summary.articles_new} deferred={done.summary.deferred}",
          flush=True)
    if stop.is_set():
        break
"""


def _write_locked(path: Path) -> bool:
    """Whether another process holds DuckDB's write lock on `path` (a read lock would
    conflict with it). Asks the kernel; takes no lock, so it never gets in the way."""
    request = struct.pack("hhqqi4x", fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
    fd = os.open(path, os.O_RDONLY)
    try:
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, request)
    finally:
        os.close(fd)
    return struct.unpack("hhqqi4x", answer)[0] != fcntl.F_UNLCK


class LockWatch(threading.Thread):
    """The times the warehouse was write-locked, sampled every few milliseconds."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.stop = path, threading.Event()
        self.locked_at: list[float] = []

    def run(self) -> None:
        while not self.stop.is_set():
            if self.path.exists() and _write_locked(self.path):
                self.locked_at.append(time.monotonic())
            time.sleep(0.005)

    def during(self, start: float, end: float) -> int:
        return sum(1 for t in self.locked_at if start <= t <= end)


def _sql(env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "cli.app", "sql", "-f", "csv",
                             "SELECT count(*) AS n FROM articles"], capture_output=True,
                            text=True, env=env, cwd=REPO, timeout=120)
    return result, started, time.monotonic()


def test_sql_answers_from_the_read_copy_while_runs_write(
        demo_server: DemoNewsServer, mailbox: LoopbackMailbox, tmp_path: Path) -> None:
    config = write_demo_config(tmp_path / "config", demo_server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    warehouse, staging = tmp_path / "wh.duckdb", tmp_path / "staging"
    env = {**os.environ, "PYTHONPATH": str(REPO), DEMO_EMAIL_ENV: mailbox.apprise_url(),
           "NEWSWATCH_WAREHOUSE": str(warehouse), "NEWSWATCH_STAGING_DIR": str(staging),
           "NEWSWATCH_READ_WAIT_SECONDS": "0"}   # a query that met the lock would fail at once
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(config), str(warehouse),
                               str(staging)], cwd=REPO, env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    watch = LockWatch(warehouse)
    watch.start()
    answers: list[tuple[subprocess.CompletedProcess[str], float, float]] = []
    try:
        assert writer.stdout is not None and writer.stdin is not None
        assert writer.stdout.readline().startswith("run 0 new=32 deferred=None")
        demo_server.clock.set(LATER)   # the next runs have new articles to write
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and (
                len(answers) < 4 or not any(watch.during(s, e) for _, s, e in answers)):
            answers.append(_sql(env))
        writer.stdin.write("stop\n")
        writer.stdin.flush()
        out, errors = writer.communicate(timeout=120)
    finally:
        watch.stop.set()
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode == 0, errors
    assert "deferred=None" in out and "deferred=deferred" not in out   # no run was held up
    counts = []
    for result, _, _ in answers:
        assert result.returncode == 0, result.stderr
        assert "read copy as of the run that finished" in result.stderr
        counts.append(int(result.stdout.split()[1]))
    assert counts == sorted(counts) and set(counts) <= {32, 37}
    overlapping = [(s, e) for _, s, e in answers if watch.during(s, e)]
    assert overlapping, "no query ran while a run held the warehouse's write lock"


def test_sql_reads_the_copy_unless_live_and_says_how_fresh_it_is(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.app import app
    from core.settings import default_read_copy
    from warehouse.connection import writer
    from warehouse.read_copy import publish

    warehouse = tmp_path / "wh.duckdb"
    with writer(warehouse) as con:
        con.execute("INSERT INTO runs (run_id, started_at, finished_at) VALUES "
                    "('r', '2026-12-04 19:40:00+00', '2026-12-04 19:40:00+00')")
        con.execute("INSERT INTO sources (source_id, name, kind, url) VALUES "
                    "('a', 'A', 'feed', 'http://127.0.0.1/a')")
    publish(warehouse, default_read_copy(warehouse))
    with writer(warehouse) as con:   # written after the run: only the warehouse has it
        con.execute("INSERT INTO sources (source_id, name, kind, url) VALUES "
                    "('b', 'B', 'feed', 'http://127.0.0.1/b')")
    query = ["sql", "-f", "csv", "SELECT count(*) AS n FROM sources", "--warehouse",
             str(warehouse)]
    copy = CliRunner().invoke(app, query)
    live = CliRunner().invoke(app, [*query, "--live"])
    assert (copy.exit_code, copy.stdout) == (0, "n\n1\n")
    assert copy.stderr.strip() == ("read copy as of the run that finished 2026-12-04 19:40 UTC; "
                                   "--live for the warehouse itself")
    assert (live.exit_code, live.stdout, live.stderr) == (0, "n\n2\n", "")
