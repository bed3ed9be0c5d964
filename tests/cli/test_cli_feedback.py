"""`newswatch feedback`, `v_rule_quality` and `newswatch rules eval --from-feedback`, against a
real DuckDB warehouse whose alerts were raised by the real evaluation step."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from alerts.routing import QueuePolicy
from cli.app import app
from pipeline.config import Config, load_rules, rule_files
from pipeline.rule_evaluation import compile_rules, evaluate_batch
from rules.dates import find_dates
from tests.warehouse.builders import make_article, results_by_source, source_configs
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer
from warehouse.evaluation import articles_to_evaluate

runner = CliRunner()
RAISED = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)      # a Wednesday: week of Mon 16 Nov
RULES = """\
rules:
  - id: truce-watch
    name: Truce watch
    match: {any: [truce]}
    channels: [desk]
"""
ARTICLES = [
    ("https://harbour-times.example/a", "Army and rebels agree a truce",
     "The army and the rebels agreed a truce on Monday."),
    ("https://harbour-times.example/b", "Record labels call a truce",
     "Two record labels called a truce in their royalty feud."),
    ("https://harbour-times.example/c", "Truce holds in the valley",
     "The truce between the militias held for a third day."),
]


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A warehouse with one alert per article, the rule file, and the alert ids in order."""
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(RULES, encoding="utf-8")
    config = Config()
    load_rules(rule_files(rules_file), config, check_channels=False)
    warehouse = tmp_path / "wh.duckdb"
    with writer(warehouse) as con:
        register_sources(con, source_configs(["harbour-times"]))
        load_results(con, "run", results_by_source([make_article(u, t, b)
                                                    for u, t, b in ARTICLES]))
        evaluate_batch(con, compile_rules(config.rules, {}), articles_to_evaluate(con),
                       policy=QueuePolicy(), now=RAISED, find_dates=find_dates)
        ids = [r[0] for r in con.execute(
            """SELECT al.alert_id FROM alerts al JOIN articles ar USING (article_id)
               ORDER BY ar.url""").fetchall()]
    assert len(ids) == 3
    return warehouse, rules_file, ids


def _rate(warehouse: Path, ref: str, rating: str, *more: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["feedback", ref, rating, "--warehouse", str(warehouse), *more])
    return result.exit_code, result.stdout, result.stderr


def _feedback_rows(warehouse: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(warehouse), read_only=True)   # a fresh process's view of the file
    try:
        return con.execute("SELECT alert_id, rating, note FROM alert_feedback "
                           "ORDER BY alert_id").fetchall()
    finally:
        con.close()


def test_a_rating_is_stored_idempotently_and_the_latest_wins(
        world: tuple[Path, Path, list[str]]) -> None:
    warehouse, _, ids = world
    short = ids[1][:8]
    assert _rate(warehouse, short, "irrelevant", "--note", "music, not war") == (
        0, f"alert {short} of rule truce-watch: irrelevant\n", "")
    assert _rate(warehouse, short, "irrelevant", "--note", "music, not war")[1] == (
        f"alert {short} of rule truce-watch: irrelevant (unchanged)\n")
    assert _feedback_rows(warehouse) == [(ids[1], "irrelevant", "music, not war")]
    assert _rate(warehouse, ids[1].upper(), "relevant")[1] == (   # the full id, any case
        f"alert {short} of rule truce-watch: relevant (was irrelevant)\n")
    assert _feedback_rows(warehouse) == [(ids[1], "relevant", None)]


def test_bad_and_unknown_ids_are_clear_errors(world: tuple[Path, Path, list[str]]) -> None:
    warehouse, _, _ = world
    code, out, error = _rate(warehouse, "not-an-id", "relevant")
    assert (code, out) == (2, "")
    assert "'not-an-id' is not an alert id: give the id an alert shows" in error
    code, out, error = _rate(warehouse, "abcdef12", "relevant")
    assert (code, out) == (1, "")
    assert "no alert with id abcdef12 in this warehouse" in error
    assert _rate(warehouse, "abcdef12", "useful")[0] == 2        # not a rating
    assert _feedback_rows(warehouse) == []


def test_v_rule_quality_gives_precision_per_rule_and_week(
        world: tuple[Path, Path, list[str]]) -> None:
    warehouse, _, ids = world
    for alert_id, rating in zip(ids, ["relevant", "irrelevant", "relevant"], strict=True):
        assert _rate(warehouse, alert_id[:8], rating)[0] == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("SELECT rule_id, week, rated, relevant, irrelevant, precision "
                           "FROM v_rule_quality").fetchall()
    finally:
        con.close()
    assert rows == [("truce-watch", datetime(2026, 11, 16, tzinfo=UTC), 3, 2, 1, 0.667)]


def test_from_feedback_round_trips_to_the_same_scores(
        world: tuple[Path, Path, list[str]], tmp_path: Path) -> None:
    warehouse, rules_file, ids = world
    for alert_id, rating in zip(ids, ["relevant", "irrelevant", "relevant"], strict=True):
        _rate(warehouse, alert_id[:8], rating)
    labels = tmp_path / "rated.jsonl"
    direct = runner.invoke(app, ["rules", "eval", str(rules_file), "--from-feedback",
                                 "--warehouse", str(warehouse), "--write-labels", str(labels),
                                 "--json"])
    assert direct.exit_code == 0, direct.output
    lines = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    assert [(d["url"], d["labels"]) for d in lines] == [
        (url, {"truce-watch": want}) for (url, _, _), want in zip(
            ARTICLES, [True, False, True], strict=True)]
    assert lines[1]["body"] == "Two record labels called a truce in their royalty feud."
    again = runner.invoke(app, ["rules", "eval", str(rules_file), "--labels", str(labels),
                                "--json"])
    assert again.exit_code == 0, again.output
    first, second = json.loads(direct.stdout)["rules"], json.loads(again.stdout)["rules"]
    assert first == second
    assert (first[0]["tp"], first[0]["fp"], first[0]["fn"], first[0]["tn"]) == (2, 1, 0, 0)
