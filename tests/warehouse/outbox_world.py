"""The demo's articles loaded once, for the outbox and queueing tests, with the two rules
they run and the helpers they share."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.records import Match
from demo.articles import ARTICLES
from demo.content.wire import SERIN_TALKS_STORY
from pipeline.rule_evaluation import queue_matches
from rules.matcher import CompiledRules
from rules.models import Rule
from tests.warehouse.builders import (
    demo_url,
    digest,
    from_demo,
    results_by_source,
    source_configs,
)
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer
from warehouse.evaluation import articles_to_evaluate
from warehouse.outbox import PendingDelivery, pending_deliveries

RULES = [
    Rule.model_validate({"id": "ceasefire", "name": "Ceasefire", "severity": "high",
                         "match": {"any": ["ceasefire"]}, "channels": ["desk", "chat"]}),
    Rule.model_validate({"id": "glassworks", "name": "Glassworks", "severity": "low",
                         "match": {"all": ["glassworks", "close"]}, "channels": ["desk"]}),
]
CHANNELS = {r.id: r.channels for r in RULES}
SEVERITY = {r.id: r.severity for r in RULES}
NAMES = {r.id: r.name for r in RULES}
WIRE = sorted((d for d in ARTICLES if d.story == SERIN_TALKS_STORY), key=lambda d: d.published_at)
STORY = digest(demo_url(WIRE[0]))     # the earliest copy founds the story
T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SOURCE_NAMES = {"harbour-times": "Harbour Times", "northern-ledger": "Northern Ledger",
                "valley-courier": "Valley Courier"}


def load_demo(path: Path) -> Path:
    with writer(path) as connection:
        register_sources(connection, source_configs(list(SOURCE_NAMES)))
        load_results(connection, "run-1", results_by_source([from_demo(d) for d in ARTICLES]))
    return path


@contextmanager
def copy_of(loaded: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writer on a copy of the loaded file: each test starts from the same state."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(loaded, path)
    with writer(path) as connection:
        yield connection


def evaluate(con: duckdb.DuckDBPyConnection) -> tuple[list[Match], list[str]]:
    batch = articles_to_evaluate(con)
    compiled = CompiledRules(RULES)
    return [m for a in batch for m in compiled.evaluate(a)], [a.article_id for a in batch]


def delivery_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute("""SELECT r.rule_id, d.channel, d.status, d.attempts, d.last_error,
                                 d.sent_at IS NOT NULL
                          FROM deliveries d JOIN alerts r USING (alert_id)
                          ORDER BY r.rule_id, d.channel""").fetchall()


def queue_wire_story(con: duckdb.DuckDBPyConnection) -> list[PendingDelivery]:
    """The wire story's ceasefire alert queued for `desk` alone."""
    matches, evaluated = evaluate(con)
    wire = [m for m in matches if m.story_id == STORY]
    queue_matches(con, wire, evaluated, {"ceasefire": ["desk"]}, SEVERITY)
    return pending_deliveries(con, NAMES)
