"""The worked example of shared/corpus/reference-article, through the shipped configuration:
the article is stored in a real DuckDB file, twice (two outlets carry it), and evaluated by the
monitor flow's evaluate step with the real date finder.

The date expressions themselves are checked one by one in tests/rules/test_reference_article.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from alerts.routing import QueuePolicy
from pipeline.config import load_config
from pipeline.rule_evaluation import compile_rules, evaluate_batch
from rules.dates import find_dates
from rules.entities import Entity
from tests.conftest import SHARED_CORPUS
from tests.warehouse.builders import make_article, results_by_source, source_configs
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer
from warehouse.evaluation import articles_to_evaluate

REPO = Path(__file__).resolve().parents[2]
ARTICLE = SHARED_CORPUS / "reference-article" / "ceasefire-talks-2025-03-17.txt"
PUBLISHED = datetime(2025, 3, 17, 9, 0, tzinfo=UTC)     # Monday 17 March 2025
# Beside the shipped watchlist: two the example names that a desk would add for this story.
EXTRA = {
    "mike-waltz": Entity(id="mike-waltz", name="Mike Waltz", kind="person", aliases=["Waltz"]),
    "cnn": Entity(id="cnn", name="CNN", kind="organisation"),
}

pytestmark = pytest.mark.skipif(not ARTICLE.exists(),
                                reason=f"the reference article is not here ({ARTICLE})")


def _parts() -> tuple[str, str, str]:
    """Header lines, headline, standfirst, then the body paragraphs."""
    blocks = [b.strip() for b in ARTICLE.read_text("utf-8").split("\n\n") if b.strip()]
    return blocks[1], blocks[2], "\n\n".join(blocks[3:])


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    config = load_config(REPO / "config")
    assert config.problems == []
    rules = compile_rules(config.rules, {**config.entities, **EXTRA})
    assert rules.problems == []
    title, summary, body = _parts()
    copies = [make_article(f"https://{site}.example/world/ceasefire-talks", title, body,
                           source_id=site, summary=summary, published_at=PUBLISHED)
              for site in ("harbour-times", "northern-ledger")]
    with writer(tmp_path / "wh.duckdb") as con:
        register_sources(con, source_configs(["harbour-times", "northern-ledger"]))
        for copy in copies:     # one after the other, as two runs would see them
            load_results(con, "run", results_by_source([copy]))
            while batch := articles_to_evaluate(con):
                evaluate_batch(con, rules, batch, policy=QueuePolicy(), now=PUBLISHED,
                               find_dates=find_dates)
        yield con


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_the_ceasefire_rule_matches_headline_and_body_with_one_alert_for_the_story(
        warehouse: duckdb.DuckDBPyConnection) -> None:
    assert _rows(warehouse, "SELECT count(DISTINCT story_id) FROM articles") == [(1,)]
    assert _rows(warehouse, "SELECT count(*) FROM matches WHERE rule_id = 'ceasefire'") == [(2,)]
    fields = {f for (f,) in _rows(warehouse, """SELECT DISTINCT e.field FROM match_evidence e
        JOIN matches m USING (match_id) WHERE m.rule_id = 'ceasefire'""")}
    assert {"title", "body"} <= fields
    assert _rows(warehouse, "SELECT count(*) FROM alerts WHERE rule_id = 'ceasefire'") == [(1,)]


def test_the_people_places_and_organisations_of_the_example_are_mentioned(
        warehouse: duckdb.DuckDBPyConnection) -> None:
    found = {e for (e,) in _rows(warehouse, "SELECT DISTINCT entity_id FROM entity_mentions")}
    people = {"donald-trump", "vladimir-putin", "steve-witkoff", "volodymyr-zelensky",
              "keir-starmer", "mike-waltz"}
    places = {"ukraine", "russia", "saudi-arabia", "crimea"}
    assert people | places | {"cnn"} <= found
    # Every mention points at its words in the article.
    for text, start, end, field in _rows(warehouse, """SELECT m.surface, m.start_offset,
            m.end_offset, m.field FROM entity_mentions m WHERE m.entity_id = 'steve-witkoff'"""):
        title, summary, body = _parts()
        assert {"title": title, "summary": summary, "body": body}[field][start:end] == text


def test_the_summit_rule_fires_on_the_call_this_coming_week_and_quotes_it(
        warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = _rows(warehouse, """SELECT value, text, first_day, last_day, sentence
                               FROM match_events WHERE rule_id = 'leaders-summits'""")
    assert rows, "the leaders-summits rule did not fire"
    value, text, first_day, last_day, sentence = rows[0]
    assert (value, text) == ("2025-W12", "this coming week")
    assert (first_day, last_day) == (date(2025, 3, 17), date(2025, 3, 23))
    assert "Vladimir Putin this coming week to discuss terms" in sentence
    assert _rows(warehouse, "SELECT count(*) FROM alerts WHERE rule_id = 'leaders-summits'") \
        == [(1,)]
