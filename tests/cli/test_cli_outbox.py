"""`newswatch outbox` and `outbox retry` on a real warehouse file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.warehouse.builders import make_article, results_by_source, source_configs
from warehouse.articles import load_results, register_sources
from warehouse.connection import reader, writer

runner = CliRunner()
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two alerts: one failed on `desk`, one sent on `ops`; one line waiting for a digest."""
    path = tmp_path / "wh.duckdb"
    articles = [make_article("https://harbour-times.example/1", "Truce agreed", "A truce."),
                make_article("https://harbour-times.example/2", "Forum meets", "A forum.")]
    with writer(path) as con:
        register_sources(con, source_configs(["harbour-times"]))
        load_results(con, "run", results_by_source(articles))
        for n, (article, channel, status) in enumerate(
                [(articles[0], "desk", "failed"), (articles[1], "ops", "sent")]):
            con.execute("INSERT INTO alerts (alert_id, rule_id, story_id, article_id, severity, "
                        "created_at) SELECT ?, 'truce', story_id, article_id, 'high', ? "
                        "FROM articles WHERE article_id = ?", [f"al{n}", NOW, article.article_id])
            con.execute("INSERT INTO deliveries (alert_id, channel, status, attempts, last_error, "
                        "updated_at) VALUES (?, ?, ?, 5, ?, ?)",
                        [f"al{n}", channel, status,
                         "SMTP 550 mailbox unavailable" if status == "failed" else None, NOW])
        con.execute("INSERT INTO digest_items (item_id, channel, stream, alert_id, rule_id, "
                    "article_id, reason, queued_at) VALUES ('i1', 'desk', 'desk', 'al0', "
                    "'truce', ?, 'quiet_hours', ?)", [articles[0].article_id, NOW])
    monkeypatch.setenv("NEWSWATCH_WAREHOUSE", str(path))
    return path


def test_outbox_lists_what_is_not_delivered_and_the_waiting_digest_lines(
        warehouse: Path) -> None:
    result = runner.invoke(app, ["outbox"], terminal_width=200)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "failed" in out and "SMTP 550 mailbox unavailable" in out and "Truce agreed" in out
    assert "Forum meets" not in out   # sent: not listed
    assert "quiet_hours" in out
    assert out.count("1 row(s)") == 2


def test_outbox_retry_queues_failed_deliveries_again(warehouse: Path) -> None:
    other = runner.invoke(app, ["outbox", "retry", "--channel", "ops"])
    assert other.exit_code == 0 and "0 failed deliveries queued again" in other.output
    result = runner.invoke(app, ["outbox", "retry"])
    assert result.exit_code == 0, result.output
    assert "1 failed deliveries queued again; they go out on the next run" in result.output
    with reader(warehouse) as con:
        assert con.execute("SELECT status, attempts FROM deliveries WHERE alert_id = 'al0'"
                           ).fetchall() == [("pending", 0)]


def test_outbox_on_a_missing_warehouse_says_what_to_do(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_WAREHOUSE", str(tmp_path / "none.duckdb"))
    result = runner.invoke(app, ["outbox"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "newswatch run" in result.output
