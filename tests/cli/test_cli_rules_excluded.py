"""`newswatch rules test` lists what a `none:` clause or a filter kept out, with why."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.cli.test_cli_rules import write_config
from tests.warehouse.builders import make_article, results_by_source, source_configs
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer

runner = CliRunner()
RULES = """\
rules:
  - id: truce
    name: Truce
    match:
      any: [truce]
      none: [trade]
    channels: [desk]
  - id: harbour-truce
    name: Truce at the harbour
    match: {any: [truce]}
    sources: [harbour-times]
    channels: [desk]
"""


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = write_config(tmp_path / "config", {"rules.yaml": RULES})
    warehouse = tmp_path / "wh.duckdb"
    articles = [
        make_article("https://harbour-times.example/1", "Truce agreed",
                     "Both sides agreed a truce on Friday."),
        make_article("https://harbour-times.example/2", "Trade truce",
                     "The two countries extended their trade truce."),
        make_article("https://valley-courier.example/3", "Truce holds",
                     "The truce held overnight.", source_id="valley-courier"),
        make_article("https://harbour-times.example/4", "Harbour reopens",
                     "Ferries sail again."),
    ]
    with writer(warehouse) as con:
        register_sources(con, source_configs(["harbour-times", "valley-courier"]))
        load_results(con, "run", results_by_source(articles))
    monkeypatch.setenv("NEWSWATCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("NEWSWATCH_WAREHOUSE", str(warehouse))
    return warehouse


def _excluded(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("excluded: "))
    return [line.split(": ", 2)[-1] if line.startswith("excluded: ") else line
            for line in lines[start:]]


def test_a_none_clause_that_kept_an_article_out_is_shown(stored: Path) -> None:
    result = runner.invoke(app, ["rules", "test", "truce"])
    assert result.exit_code == 0, result.output
    assert "2 of 4 article(s) stored in the last 7d matched rule truce" in result.output
    assert _excluded(result.output) == [
        "Trade truce",
        "    held: any: [truce] ('truce')",
        "    excluded: none: trade ('Trade')",
        "1 article(s) excluded by a none: clause, a filter or the event window",
    ]


def test_a_filter_that_kept_an_article_out_is_shown(stored: Path) -> None:
    result = runner.invoke(app, ["rules", "test", "harbour-truce"])
    assert result.exit_code == 0, result.output
    assert "2 of 4 article(s) stored in the last 7d matched rule harbour-truce" in result.output
    assert _excluded(result.output) == [
        "Truce holds",
        "    left out by sources: 'valley-courier' is not in ['harbour-times']",
        "1 article(s) excluded by a none: clause, a filter or the event window",
    ]
