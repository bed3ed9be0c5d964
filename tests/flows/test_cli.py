"""The `newswatch` command line, run in-process with typer's runner against real files."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from demo.articles import ARTICLES
from flows.cli import app
from warehouse.connection import writer

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "wh.duckdb"
    with writer(path) as con:
        con.execute("INSERT INTO sources (source_id, name, kind, url) VALUES "
                    "('a', 'Alpha News', 'feed', 'http://127.0.0.1/a'), "
                    "('b', 'Beta, \"Quoted\"', 'feed', 'http://127.0.0.1/b')")
    return path


def test_every_command_has_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    commands = re.findall(r"│ (\w+)\s{2,}", result.output)
    assert {"demo", "run", "sql", "check", "migrate"} <= set(commands)
    for command in commands:
        sub = runner.invoke(app, [command, "--help"])
        assert sub.exit_code == 0, command
        assert "Usage:" in sub.output


def test_sql_prints_a_table_csv_and_json(warehouse: Path) -> None:
    query = "SELECT source_id, name FROM sources ORDER BY source_id"
    table = runner.invoke(app, ["sql", query, "--warehouse", str(warehouse)])
    assert table.exit_code == 0, table.output
    assert "Alpha News" in table.output and "2 row(s)" in table.output

    as_csv = runner.invoke(app, ["sql", query, "--warehouse", str(warehouse), "-f", "csv"])
    assert list(csv.reader(io.StringIO(as_csv.output))) == [
        ["source_id", "name"], ["a", "Alpha News"], ["b", 'Beta, "Quoted"']]

    as_json = runner.invoke(app, ["sql", query, "--warehouse", str(warehouse), "-f", "json"])
    assert [json.loads(line) for line in as_json.output.splitlines()] == [
        {"source_id": "a", "name": "Alpha News"}, {"source_id": "b", "name": 'Beta, "Quoted"'}]


def test_sql_is_read_only_and_errors_are_clear(warehouse: Path, tmp_path: Path) -> None:
    write = runner.invoke(app, ["sql", "DELETE FROM sources", "--warehouse", str(warehouse)])
    assert write.exit_code == 1
    assert "read-only" in write.output.lower()

    bad = runner.invoke(app, ["sql", "SELECT nope FROM sources", "--warehouse", str(warehouse)])
    assert bad.exit_code == 1 and "nope" in bad.output

    missing = runner.invoke(app, ["sql", "SELECT 1", "--warehouse", str(tmp_path / "no.duckdb")])
    assert missing.exit_code == 1 and "newswatch run" in missing.output


def test_check_accepts_the_shipped_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("NEWSWATCH_CONFIG_DIR", raising=False)
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert re.search(r"\d+ sources, \d+ rules, \d+ channels valid", result.output)


def test_check_lists_every_problem_with_its_line(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    (config / "rules").mkdir(parents=True)
    (config / "sources.yaml").write_text(
        "sources:\n  - id: ok\n    url: http://127.0.0.1/feed\n  - id: Bad Id\n    url: ftp://x\n")
    (config / "channels.yaml").write_text(
        "channels:\n  - name: desk\n    url: {$env: DESK_URL}\n    format: email\n")
    (config / "rules" / "a.yaml").write_text(
        "rules:\n  - id: good\n    name: Good\n    match: {any: [truce]}\n    channels: [desk]\n"
        "  - id: typo\n    name: Typo\n    match: {any: [x]}\n    chanels: [desk]\n")
    monkeypatch.setenv("NEWSWATCH_CONFIG_DIR", str(config))
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 2
    out = result.output
    assert "1 sources, 1 rules, 1 channels valid" in out
    assert f"{config / 'sources.yaml'}:4:9: sources[1].id:" in out
    assert f"{config / 'sources.yaml'}:5:10: sources[1].url:" in out
    assert f"{config / 'rules' / 'a.yaml'}:9:5: rules[1].chanels: unknown key; did you mean " \
           "'channels'?" in out
    assert "DESK_URL is not set" in out


def test_migrate_creates_the_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_WAREHOUSE", str(tmp_path / "new.duckdb"))
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 0 and "schema at version 1" in result.output


@pytest.mark.e2e
def test_demo_prints_the_alert_and_a_summary(prefect_harness: None, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("NEWSWATCH_CONFIG_DIR", raising=False)
    result = runner.invoke(app, ["demo", "--workdir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.count("Subject: [newswatch] Ceasefire:") == 2
    assert "open talks on a ceasefire in the disputed border region" in out
    assert "alerts sent:      2 (2 emails received)" in out
    assert f"articles stored:  {len(ARTICLES)}" in out
