"""Stored text comes from other people's sites: the CLI prints it as text (no Rich markup, no
emoji codes, control characters escaped) and writes CSV a spreadsheet will not run."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from cli.common import literal, printable
from tests.warehouse.builders import make_article, results_by_source, source_configs
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer

runner = CliRunner()
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)
HOSTILE_TITLES = [
    "[link=https://evil.example/]Ceasefire agreed[/link]",
    "[/r/worldnews] ceasefire thread",
    "[bold red]URGENT[/] :warning: ceasefire",
    "\x1b[31mRed\x1b[0m \x1b]8;;https://evil.example/\x1b\\hidden\x1b]8;;\x1b\\ ceasefire",
    "Right-to-left \u202eeriftsaec\u202c override",
]


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Articles with hostile titles as a site could have sent them (stored before extraction
    stripped control characters), each with a failed alert so `outbox` lists it."""
    path = tmp_path / "wh.duckdb"
    articles = [make_article(f"https://harbour-times.example/{n}", title, "A ceasefire.")
                for n, title in enumerate(HOSTILE_TITLES)]
    with writer(path) as con:
        register_sources(con, source_configs(["harbour-times"]))
        load_results(con, "run", results_by_source(articles))
        for n, article in enumerate(articles):
            con.execute("INSERT INTO alerts (alert_id, rule_id, story_id, article_id, severity, "
                        "created_at) SELECT ?, 'truce', story_id, article_id, 'high', ? "
                        "FROM articles WHERE article_id = ?", [f"al{n}", NOW, article.article_id])
            con.execute("INSERT INTO deliveries (alert_id, channel, status, attempts, last_error, "
                        "updated_at) VALUES (?, 'desk', 'failed', 5, '[red]refused[/red]', ?)",
                        [f"al{n}", NOW])
    monkeypatch.setenv("NEWSWATCH_WAREHOUSE", str(path))
    monkeypatch.setenv("FORCE_COLOR", "1")   # as on a terminal: Rich writes links and colours
    monkeypatch.setenv("COLUMNS", "400")   # one table row per line
    return path


def test_sql_table_prints_stored_titles_as_they_are(warehouse: Path) -> None:
    result = runner.invoke(app, ["sql", "SELECT title FROM articles ORDER BY url",
                                 "--warehouse", str(warehouse)], terminal_width=250)
    assert result.exit_code == 0, result.output
    for title in HOSTILE_TITLES:
        assert printable(title) in result.output, title
    assert "\x1b]8;" not in result.output   # no hyperlink, hidden or not
    assert "\u202e" not in result.output and "\\u202e" in result.output
    assert "⚠" not in result.output   # :warning: stays those characters


def test_sql_table_headers_are_text_too(warehouse: Path) -> None:
    result = runner.invoke(app, ["sql", "SELECT 1 AS \"[/x]\", 2 AS \"[bold]b\"",
                                 "--warehouse", str(warehouse)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "[/x]" in result.output and "[bold]b" in result.output


def test_outbox_prints_stored_titles_and_errors_as_they_are(warehouse: Path) -> None:
    result = runner.invoke(app, ["outbox"], terminal_width=400)
    assert result.exit_code == 0, result.output
    for title in HOSTILE_TITLES:
        assert printable(title) in result.output, title
    assert "[red]refused[/red]" in result.output
    assert "\x1b]8;" not in result.output


def test_csv_neutralises_formula_cells_and_raw_csv_keeps_them(warehouse: Path) -> None:
    query = ("SELECT '=HYPERLINK(\"https://evil.example\",\"x\")' AS a, '+1' AS b, '-2' AS c, "
             "'@SUM(A1)' AS d, chr(9) || 'tab' AS e, chr(13) || 'cr' AS f, 'plain' AS g, "
             "-5 AS h, 2.5 AS i, 'a=b' AS j")
    cooked = runner.invoke(app, ["sql", query, "--warehouse", str(warehouse), "-f", "csv",
                                  "--live"])
    assert cooked.exit_code == 0, cooked.output
    rows = list(csv.reader(io.StringIO(cooked.output)))
    assert rows == [list("abcdefghij"),
                    ["'=HYPERLINK(\"https://evil.example\",\"x\")", "'+1", "'-2", "'@SUM(A1)",
                     "'\ttab", "'\rcr", "plain", "-5", "2.5", "a=b"]]
    raw = runner.invoke(app, ["sql", query, "--warehouse", str(warehouse), "-f", "csv", "--live",
                              "--raw-csv"])
    assert list(csv.reader(io.StringIO(raw.output)))[1][:6] == [
        "=HYPERLINK(\"https://evil.example\",\"x\")", "+1", "-2", "@SUM(A1)", "\ttab", "\rcr"]


def test_csv_to_a_file_is_neutralised_too(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "titles.csv"
    result = runner.invoke(app, ["sql", "SELECT '=1+1' AS formula", "--warehouse",
                                 str(warehouse), "-f", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text("utf-8").splitlines() == ["formula", "'=1+1"]


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain [text] :smile:", "plain [text] :smile:"),
    ("\x1b[2J\x07bell\x9b", "\\x1b[2J\\x07bell\\x9b"),
    ("tab\tand\nnewline", "tab\tand\nnewline"),
    ("\u2066isolate\u2069 \u202aembed", "\\u2066isolate\\u2069 \\u202aembed"),
    ("Zürich – 東京", "Zürich – 東京"),
])
def test_printable_shows_control_characters_as_escapes(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert literal(raw).plain == shown
