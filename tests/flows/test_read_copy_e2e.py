"""A user's DuckDB session never stops an alert, under Prefect, against the demo sites, real
DuckDB files and a real SMTP inbox: held on the read copy, runs do not notice it; held on the
warehouse itself, `newswatch run` defers (exit code 3) and the next run catches up."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from cli.common import EXIT_DEFERRED
from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from core.settings import Settings
from demo.articles import ARTICLES
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer
from flows.monitor import RunSummary, monitor_flow
from tests.warehouse.sessions import held_open

REPO = Path(__file__).resolve().parents[2]
LOCKED_RUN_1 = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)    # a third copy of the wire story
LOCKED_RUN_2 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)    # four more, one a new ceasefire story
pytestmark = pytest.mark.e2e


def _config(tmp_path: Path, server: DemoNewsServer) -> Path:
    config = write_demo_config(tmp_path / "config", server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    # These runs count the one ceasefire story's alerts; the summit rule's are the demo's.
    (config / "rules" / "summits.yaml").unlink()
    return config


def _visible(server: DemoNewsServer) -> set[str]:
    now = server.clock.now()
    return {f"{server.base_url}/{a.site}/{a.path}" for a in ARTICLES if a.published_at <= now}


def _stored(path: Path) -> tuple[int, set[str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        urls = [u for (u,) in con.execute("SELECT url FROM articles").fetchall()]
    finally:
        con.close()
    return len(urls), set(urls)


def _timed_run(settings: Settings) -> tuple[RunSummary, float]:
    started = time.monotonic()
    summary = asyncio.run(monitor_flow(settings=settings, run_label="test"))
    return summary, time.monotonic() - started


def test_a_session_held_on_the_read_copy_never_delays_a_run_or_its_alert(
        prefect_harness: None, demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEMO_EMAIL_ENV, mailbox.apprise_url())
    settings = Settings(config_dir=_config(tmp_path, demo_server),
                        warehouse=tmp_path / "wh.duckdb", staging_dir=tmp_path / "staging",
                        fetch_retries=0)
    first, cold = _timed_run(settings)
    copy = settings.read_copy_of()
    assert copy is not None and copy.is_file() and len(mailbox.received) == 1

    with held_open(copy) as user:   # what docs/warehouse.md tells users to open
        demo_server.clock.set(LOCKED_RUN_2)
        second, seconds = _timed_run(settings)
        # The alert arrived in that run, which met no lock and waited for none.
        assert second.deferred is None and second.errors == 0
        assert second.articles_new == 5 and second.alerts_sent == 1
        assert len(mailbox.received) == 2
        assert seconds < cold + settings.lock_wait_seconds, (seconds, cold)
        # The session still sees the copy it opened; a new one sees the run's articles.
        assert user.articles() == user.articles_at_open == first.articles_new
    assert _stored(copy)[0] == first.articles_new + second.articles_new


def test_a_session_held_on_the_warehouse_defers_two_runs_and_the_next_catches_up(
        prefect_harness: None, demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse = tmp_path / "wh.duckdb"
    for name, value in {"NEWSWATCH_CONFIG_DIR": str(_config(tmp_path, demo_server)),
                        "NEWSWATCH_WAREHOUSE": str(warehouse),
                        "NEWSWATCH_STAGING_DIR": str(tmp_path / "staging"),
                        "NEWSWATCH_FETCH_RETRIES": "0", "NEWSWATCH_LOCK_WAIT_SECONDS": "2",
                        DEMO_EMAIL_ENV: mailbox.apprise_url(),
                        "NEWSWATCH_SLACK_URL": "json://127.0.0.1:9/unused"}.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    first = runner.invoke(app, ["run"])
    assert first.exit_code == 0, first.output

    since = datetime.now(UTC)
    with held_open(warehouse) as user:   # a read-only session on the warehouse file itself
        outcomes = []
        for moment in (LOCKED_RUN_1, LOCKED_RUN_2):
            demo_server.clock.set(moment)   # articles published while the session is open
            outcomes.append(runner.invoke(app, ["run"]))
    for locked in outcomes:
        assert locked.exit_code == EXIT_DEFERRED, locked.output
        assert locked.exception is None or isinstance(locked.exception, SystemExit)
        assert "Traceback" not in locked.output
        assert (f"deferred: the warehouse {warehouse} is held open by another process "
                f"(PID {user.pid}). This run's ") in locked.output
        assert "the first run that gets the lock loads them" in locked.output
    assert len(mailbox.received) == 1
    _completed_in_prefect(since, runs=2)

    caught_up = runner.invoke(app, ["run"])
    assert caught_up.exit_code == 0, caught_up.output
    assert "loaded 2 batch(es) kept by earlier runs" in caught_up.output
    count, urls = _stored(warehouse)
    assert count == len(urls) and urls == _visible(demo_server)   # every article, once
    assert len(mailbox.received) == 2                            # each alert, once
    assert "Ceasefire takes hold" in mailbox.received[1].subject
    again = runner.invoke(app, ["run"])
    assert again.exit_code == 0 and len(mailbox.received) == 2


def _completed_in_prefect(since: datetime, runs: int) -> None:
    """A deferred run is a Completed flow run (the deferral is in its summary), not Failed."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        found = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["newswatch-monitor"])))
    states = [r.state.type.value if r.state else None for r in found
              if r.start_time is not None and r.start_time >= since]
    assert states == ["COMPLETED"] * runs, states


def test_a_digest_sent_between_runs_is_in_the_read_copy(
        prefect_harness: None, demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.demo import DEMO_DIGEST_ENV, add_demo_digest
    from flows.digest import digest_flow

    monkeypatch.setenv(DEMO_EMAIL_ENV, mailbox.apprise_url())
    monkeypatch.setenv(DEMO_DIGEST_ENV, mailbox.apprise_url(to="digest@newswatch.localhost"))
    config = _config(tmp_path, demo_server)
    add_demo_digest(config)   # the border conflict's daily digest, as `make demo` has it
    settings = Settings(config_dir=config, warehouse=tmp_path / "wh.duckdb", fetch_retries=0)
    _timed_run(settings)
    copy = settings.read_copy_of()
    assert copy is not None

    def sent_in_copy() -> int:
        con = duckdb.connect(str(copy), read_only=True)
        try:
            row = con.execute("SELECT count(*) FROM digests WHERE status = 'sent'").fetchone()
        finally:
            con.close()
        return int(row[0]) if row else 0

    assert sent_in_copy() == 0   # the daily digest is due at 08:00, not after this run
    report = asyncio.run(digest_flow(settings=settings, run_label="test", force=True))
    assert report.sent >= 1
    assert sent_in_copy() == report.sent
