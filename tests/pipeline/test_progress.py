"""The run's progress display (live on a terminal, plain lines otherwise) and the exit codes
of `newswatch run`, against the demo sites under Prefect."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from cli.app import app
from cli.demo import write_demo_config
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer
from pipeline import progress

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _events() -> None:
    progress.report("source", 5)
    progress.report("source", 0)
    progress.report("alerts", 2)
    progress.report("something-else", 9)   # unknown events are ignored


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    display = progress.RunDisplay(Console(file=out, force_terminal=False, width=200), total=2)
    with display.showing():
        _events()
    _events()   # after the block nothing listens
    assert out.getvalue().splitlines() == [
        "progress: 1/2 sources done, 5 articles fetched, 0 alerts sent",
        "progress: 2/2 sources done, 5 articles fetched, 0 alerts sent",
        "progress: 2/2 sources done, 5 articles fetched, 2 alerts sent",
    ]
    assert "\x1b" not in out.getvalue()


def test_live_display_on_a_terminal() -> None:
    out = io.StringIO()
    display = progress.RunDisplay(Console(file=out, force_terminal=True, width=120), total=2)
    with display.showing():
        _events()
    text = out.getvalue()
    assert "\x1b[" in text                     # drawn with cursor control, not printed lines
    assert "progress:" not in text
    assert "2/2" in text and "5 articles fetched, 2 alerts sent" in text
    assert display.line() == "2/2 sources done, 5 articles fetched, 2 alerts sent"


@pytest.fixture
def demo_config(tmp_path: Path, demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
                monkeypatch: pytest.MonkeyPatch) -> Path:
    config = write_demo_config(tmp_path / "config", demo_server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    monkeypatch.setenv("NEWSWATCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("NEWSWATCH_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("NEWSWATCH_EMAIL_URL", mailbox.apprise_url())
    monkeypatch.setenv("NEWSWATCH_SLACK_URL", "json://127.0.0.1:9/unused")
    monkeypatch.setenv("NEWSWATCH_FETCH_RETRIES", "0")
    return config


def _add_source(config: Path, **entry: str) -> None:
    path = config / "sources.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["sources"].append(entry)
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")


def test_unknown_source_is_a_usage_error(demo_config: Path) -> None:
    result = runner.invoke(app, ["run", "--source", "nope"])
    assert result.exit_code == 2
    assert "no source nope" in result.output and "harbour-times" in result.output


@pytest.mark.e2e
def test_run_prints_plain_progress_and_exits_by_outcome(
        prefect_harness: None, demo_config: Path, demo_server: DemoNewsServer) -> None:
    ok = runner.invoke(app, ["run"])
    assert ok.exit_code == 0, ok.output
    assert "progress: 3/3 sources done" in ok.output
    assert "\x1b" not in ok.output    # CliRunner is not a terminal: no live display
    assert "alerts sent" in ok.output

    _add_source(demo_config, id="gone", url=f"{demo_server.base_url}/no-such-feed.xml")
    failed = runner.invoke(app, ["run"])
    assert failed.exit_code == 1, failed.output
    assert "progress: 4/4 sources done" in failed.output and "gone:" in failed.output

    _add_source(demo_config, id="Not Valid", url="ftp://example.org/feed")
    broken = runner.invoke(app, ["run", "--source", "harbour-times"])
    assert broken.exit_code == 2, broken.output
    assert "progress: 1/1 sources done" in broken.output
    assert "config: " in broken.output and "sources[4].id" in broken.output
