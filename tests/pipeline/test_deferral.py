"""A session left open on the warehouse itself: runs of the plain runner (the steps every
runner shares) scrape anyway, keep their results as staged batches, and the first run that
gets the lock loads them once and alerts once. Real demo sites, DuckDB files, SMTP inbox."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from core.settings import Settings
from demo.articles import ARTICLES
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer
from pipeline import steps
from pipeline.config import Config
from pipeline.rule_evaluation import RuleSet
from pipeline.runner import PLAIN, PlainRun, Stages, after_load, run_plain
from pipeline.summary import RunSummary
from tests.warehouse.sessions import held_open
from warehouse.errors import WarehouseLocked
from warehouse.outbox import QueueReport
from warehouse.staging import deferred_runs

REPO = Path(__file__).resolve().parents[2]
LOCKED_RUN_1 = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)    # a third copy of the wire story
LOCKED_RUN_2 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)    # four more, one a new ceasefire story


def _settings(tmp_path: Path, server: DemoNewsServer) -> Settings:
    config = write_demo_config(tmp_path / "config", server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    # These runs count the one ceasefire story's alerts; the summit rule's are the demo's.
    (config / "rules" / "summits.yaml").unlink()
    return Settings(config_dir=config, warehouse=tmp_path / "wh.duckdb",
                    staging_dir=tmp_path / "staging", fetch_retries=0, lock_wait_seconds=1)


def _run(settings: Settings) -> PlainRun:
    return asyncio.run(run_plain(settings, datetime.now(UTC)))


def _visible(server: DemoNewsServer) -> set[str]:
    now = server.clock.now()
    return {f"{server.base_url}/{a.site}/{a.path}" for a in ARTICLES if a.published_at <= now}


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_runs_on_a_held_warehouse_defer_and_the_next_run_loads_and_alerts_once(
        demo_server: DemoNewsServer, mailbox: LoopbackMailbox, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEMO_EMAIL_ENV, mailbox.apprise_url())
    settings = _settings(tmp_path, demo_server)
    first = _run(settings)
    assert first.summary.deferred is None and len(mailbox.received) == 1
    stored_before = len(_visible(demo_server))

    with held_open(settings.warehouse) as user:
        demo_server.clock.set(LOCKED_RUN_1)
        second = _run(settings)
        demo_server.clock.set(LOCKED_RUN_2)
        third = _run(settings)
        # While it waits, `newswatch outbox` (on the read copy) says what is kept.
        monkeypatch.setenv("NEWSWATCH_WAREHOUSE", str(settings.warehouse))
        monkeypatch.setenv("NEWSWATCH_STAGING_DIR", str(settings.staging_dir))
        outbox = CliRunner().invoke(app, ["outbox"])
        assert user.articles() == stored_before       # the session saw nothing change
    for run in (second, third):
        deferred = run.summary.deferred
        assert deferred is not None and deferred.startswith(
            f"deferred: the warehouse {settings.warehouse} is held open by another process "
            f"(PID {user.pid}). This run's ")
        assert "the first run that gets the lock loads them" in deferred
        assert run.summary.articles_new == 0 and run.delivered.sent == 0
    assert len(mailbox.received) == 1
    # Each locked run fetched only what was new to it: the first from the read copy's state,
    # the second also skipping what the first had kept.
    kept = {r.run_id: r.articles for r in deferred_runs(settings.staging_dir,
                                                       settings.warehouse)}
    assert kept == {second.summary.run_id: 1, third.summary.run_id: 4}
    assert outbox.exit_code == 0, outbox.output
    assert "2 scraped batch(es) wait for the warehouse lock (5 article(s)" in outbox.stdout

    fourth = _run(settings)
    summary = fourth.summary
    assert summary.deferred is None and summary.batches_loaded == 2
    assert summary.articles_new == summary.batch_articles_new == 5
    assert summary.alerts_sent == 1 and len(mailbox.received) == 2
    assert "Ceasefire takes hold" in mailbox.received[1].subject
    visible = _visible(demo_server)
    [(count, distinct)] = _rows(settings.warehouse,
                                "SELECT count(*), count(DISTINCT url) FROM articles")
    assert count == distinct == len(visible)
    assert {u for (u,) in _rows(settings.warehouse, "SELECT url FROM articles")} == visible
    _check_recorded(settings, first.summary, second.summary, third.summary, summary)

    fifth = _run(settings)   # nothing waits any more: nothing is loaded or sent twice
    assert fifth.summary.batches_loaded == 0 and fifth.summary.alerts_sent == 0
    assert len(mailbox.received) == 2


def _check_recorded(settings: Settings, *runs: RunSummary) -> None:
    """`runs` holds the deferred runs (with what their batches stored) beside the completed
    ones; `v_source_health` counts the deferrals per source."""
    rows = _rows(settings.warehouse, "SELECT run_id, status, articles_new, loaded_at IS NULL "
                                     "FROM runs ORDER BY finished_at")
    assert rows == [(runs[0].run_id, "completed", runs[0].articles_new, True),
                    (runs[1].run_id, "deferred", 1, False),
                    (runs[2].run_id, "deferred", 4, False),
                    (runs[3].run_id, "completed", 0, True)]
    health = _rows(settings.warehouse, "SELECT DISTINCT deferred_runs_7d, last_deferred_at IS "
                                       "NOT NULL FROM v_source_health")
    assert health == [(2, True)]


def test_a_lock_taken_after_the_load_ends_the_run_early_and_the_next_run_finishes_it(
        demo_server: DemoNewsServer, mailbox: LoopbackMailbox, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The articles are committed; evaluation meets the lock (as it would after waiting for
    it): no traceback, nothing recorded or sent, and the next run evaluates and alerts."""
    monkeypatch.setenv(DEMO_EMAIL_ENV, mailbox.apprise_url())
    settings = _settings(tmp_path, demo_server)
    run = steps.read_config(settings)
    sources = steps.choose_sources(run.config)
    states = steps.prepare_sources(settings, run.config, sources)
    results = asyncio.run(steps.scrape_all(settings, sources, states))
    started = datetime.now(UTC)
    loaded = steps.load(settings, run.config.sources, "locked-run", results, started=started)

    def locked(settings: Settings, config: Config, now: datetime, rules: RuleSet) -> QueueReport:
        raise WarehouseLocked("warehouse is locked by another process (PID 4242).", pid=4242)

    stages = Stages(PLAIN.source_health, locked, PLAIN.deliver, PLAIN.digests)
    done = asyncio.run(after_load(settings, run, RunSummary("locked-run"), started=started,
                                  now=started, sources=len(sources), health_of=None,
                                  stages=stages))
    assert done.summary.deferred is not None and "PID 4242" in done.summary.deferred
    assert "The articles are stored" in done.summary.deferred
    assert len(loaded.new_article_ids) == len(_visible(demo_server))
    assert _rows(settings.warehouse, "SELECT count(*) FROM runs") == [(0,)]
    assert not mailbox.received
    follow = _run(settings)
    assert follow.summary.deferred is None
    assert follow.queued.evaluated == len(loaded.new_article_ids)
    assert follow.summary.alerts_sent == 1 and len(mailbox.received) == 1
