"""`newswatch rules check`, `newswatch rules test` and `newswatch match`, in-process with typer's
runner against real files and a real DuckDB warehouse."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.sql import one_row
from tests.warehouse.builders import make_article, results_by_source, source_configs
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

CHANNELS = "channels:\n  - name: desk\n    url: json://localhost/hook\n    format: text\n"
ENTITIES = """\
entities:
  - id: lake-forum
    name: Lake Forum
    kind: organisation
    aliases: [the Forum]
"""
GOOD = """\
rules:
  - id: truce
    name: Truce
    match: {any: [truce]}
    channels: [desk]
  - id: forum
    name: Lake Forum
    match: {any: [{entity: lake-forum}]}
    channels: [desk]
"""
BROKEN = """\
rules:
  - id: typo
    name: Typo
    match: {any: [x]}
    chanels: [desk]
  - id: ghost
    name: Ghost
    match: {any: [{entity: nobody}]}
    channels: [desk]
"""


def write_config(root: Path, rules: dict[str, str]) -> Path:
    (root / "rules").mkdir(parents=True)
    (root / "channels.yaml").write_text(CHANNELS, "utf-8")
    (root / "entities.yaml").write_text(ENTITIES, "utf-8")
    (root / "sources.yaml").write_text(
        "sources:\n  - id: harbour-times\n    url: http://127.0.0.1/feed\n", "utf-8")
    for name, text in rules.items():
        (root / "rules" / name).write_text(text, "utf-8")
    return root


def test_rules_check_accepts_the_shipped_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("NEWSWATCH_CONFIG_DIR", raising=False)
    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert "5 valid rule(s) in 4 file(s); 0 problem(s)" in result.output


def test_rules_check_lists_every_problem_of_every_file(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path / "config", {"good.yaml": GOOD, "broken.yaml": BROKEN,
                                                "syntax.yaml": "rules:\n  - id: [unclosed\n"})
    monkeypatch.setenv("NEWSWATCH_CONFIG_DIR", str(config))
    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code == 1
    out = result.output
    broken = config / "rules" / "broken.yaml"
    assert f"{broken}:5:5: rules[0].chanels: unknown key" in out
    assert f"{broken}:8:" in out
    assert "entity: unknown entity 'nobody'; known entities: lake-forum" in out
    assert f"{config / 'rules' / 'syntax.yaml'}:3:1: invalid YAML" in out
    assert "2 valid rule(s) in 3 file(s); " in out
    # One file alone, given as a path.
    alone = runner.invoke(app, ["rules", "check", str(config / "rules" / "good.yaml")])
    assert alone.exit_code == 0, alone.output
    missing = runner.invoke(app, ["rules", "check", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such file or folder" in missing.output


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = write_config(tmp_path / "config", {"good.yaml": GOOD})
    warehouse = tmp_path / "wh.duckdb"
    now = datetime.now(UTC)
    articles = [
        make_article("https://harbour-times.example/1", "Truce agreed",
                     "Rain fell. Both sides agreed a truce on Friday."),
        make_article("https://harbour-times.example/2", "Forum meets",
                     "The Lake Forum met in Geneva."),
        make_article("https://harbour-times.example/3", "Old truce", "An old truce story."),
    ]
    with writer(warehouse) as con:
        register_sources(con, source_configs(["harbour-times"]))
        load_results(con, "run", results_by_source(articles))
        con.execute("UPDATE articles SET first_seen_at = ? WHERE url LIKE '%/3'",
                    [now - timedelta(days=30)])
    monkeypatch.setenv("NEWSWATCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("NEWSWATCH_WAREHOUSE", str(warehouse))
    return warehouse


def _tables(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: one_row(con, f"SELECT count(*) FROM {t}")[0]
                for t in ("matches", "alerts", "deliveries", "match_evidence", "entity_mentions")}
    finally:
        con.close()


def test_rules_test_prints_hits_in_the_window_and_writes_nothing(stored: Path) -> None:
    before = _tables(stored)
    result = runner.invoke(app, ["rules", "test", "truce", "--since", "7d"])
    assert result.exit_code == 0, result.output
    assert "Truce agreed" in result.output
    assert "Both sides agreed a truce on Friday." in result.output
    assert "Old truce" not in result.output            # stored 30 days ago
    assert "1 of 2 article(s) stored in the last 7d matched rule truce" in result.output
    wider = runner.invoke(app, ["rules", "test", "truce", "--since", "5w"])
    assert "2 of 3 article(s)" in wider.output
    assert _tables(stored) == before


def test_rules_test_names_the_valid_rules_when_the_id_is_unknown(stored: Path) -> None:
    result = runner.invoke(app, ["rules", "test", "nope"])
    assert result.exit_code == 2
    assert "no valid rule 'nope'" in result.output and "forum, truce" in result.output
    bad = runner.invoke(app, ["rules", "test", "truce", "--since", "soon"])
    assert bad.exit_code == 2


def test_match_runs_offline_one_json_line_per_match(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", {"good.yaml": GOOD})
    lines = [
        {"url": "https://x.example/1", "title": "Truce holds", "body": "The truce held.",
         "published_at": "2026-11-20T08:00:00Z", "source": "x", "language": "en"},
        {"url": "https://x.example/2", "title": "Weather", "body": "Sunny.", "source": "x"},
        "not json",
        {"url": "https://x.example/3", "title": "Forum", "body": "The Forum met; a truce?"},
        {"title": "no url", "body": "truce"},
    ]
    articles = tmp_path / "articles.jsonl"
    articles.write_text("\n".join(line if isinstance(line, str) else json.dumps(line)
                                  for line in lines) + "\n", "utf-8")
    result = runner.invoke(app, ["match", "--rules", str(config / "rules"),
                                 "--articles", str(articles)])
    assert result.exit_code == 1   # two bad lines, reported; the good ones still matched
    out = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert sorted((m["rule"], m["url"]) for m in out) == [
        ("forum", "https://x.example/3"), ("truce", "https://x.example/1"),
        ("truce", "https://x.example/3")]
    first = next(m for m in out if m["url"] == "https://x.example/1")
    assert first["sentence"] == "The truce held." and first["terms"] == ["truce"]
    assert isinstance(first["evidence"], list) and first["event_date"] is None
    assert f"{articles}:3:" in result.output and f"{articles}:5: missing or not text: url" \
        in result.output


SUMMIT = """\
rules:
  - id: summit
    name: Summit
    match: {any: [forum]}
    event: {terms: [meet], window_days: [0, 30], upcoming: true}
    channels: [desk]
"""


def test_rules_test_resolves_undated_articles_against_reference_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path / "config", {"summit.yaml": SUMMIT})
    warehouse = tmp_path / "wh.duckdb"
    with writer(warehouse) as con:
        register_sources(con, source_configs(["harbour-times"]))
        load_results(con, "run", results_by_source([make_article(
            "https://harbour-times.example/9", "Forum",
            "The forum will meet on 8 December 2026 in Geneva.")]))
    monkeypatch.setenv("NEWSWATCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("NEWSWATCH_WAREHOUSE", str(warehouse))
    result = runner.invoke(app, ["rules", "test", "summit", "--reference", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert "1 article(s) without a publication date: event dates resolved against " \
           "--reference 2026-12-01" in result.output
    assert "event date: 2026-12-08" in result.output
    late = runner.invoke(app, ["rules", "test", "summit", "--reference", "2026-12-09"])
    assert "0 of 1 article(s)" in late.output      # by then the meeting is past
