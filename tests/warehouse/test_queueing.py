"""Queueing matches on a real DuckDB file: one alert per (rule, story), later copies, updates
and re-alerts. warehouse.evaluation reads the state and writes what alerts.routing decided
(the decisions alone: tests/alerts/test_routing.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from alerts.routing import QueuePolicy, route
from core.records import Match, alert_id
from demo.articles import ARTICLES
from pipeline.rule_evaluation import queue_matches
from tests.warehouse.builders import counts, demo_url, digest, from_demo, results_by_source
from tests.warehouse.outbox_world import (
    CHANNELS,
    NAMES,
    SEVERITY,
    STORY,
    T0,
    WIRE,
    copy_of,
    delivery_rows,
    evaluate,
    load_demo,
)
from warehouse import evaluation
from warehouse.articles import load_results
from warehouse.connection import transaction, writer
from warehouse.evaluation import articles_to_evaluate
from warehouse.outbox import pending_deliveries


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return load_demo(tmp_path_factory.mktemp("queueing") / "loaded.duckdb")


@pytest.fixture
def con(loaded: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with copy_of(loaded, tmp_path) as connection:
        yield connection


def test_one_alert_per_rule_and_story_with_a_delivery_per_channel(
        con: duckdb.DuckDBPyConnection) -> None:
    matches, evaluated = evaluate(con)
    assert len(evaluated) == len(ARTICLES)
    wire_ids = {digest(demo_url(d)) for d in WIRE}
    ceasefire_articles = {m.article_id for m in matches if m.rule_id == "ceasefire"}
    # The three wire copies (one story) and the separate "ceasefire takes hold" report.
    assert len(ceasefire_articles) == 4 and wire_ids < ceasefire_articles

    report = queue_matches(con, matches, evaluated, CHANNELS, SEVERITY)
    assert (report.matches, report.alerts, report.evaluated) == (
        len(matches), 3, len(ARTICLES))
    alerts = con.execute("SELECT alert_id, rule_id, story_id, article_id, severity FROM alerts "
                         "ORDER BY rule_id, story_id").fetchall()
    ceasefire_alerts = [a for a in alerts if a[1] == "ceasefire"]
    assert len(ceasefire_alerts) == 2
    [wire_alert] = [a for a in ceasefire_alerts if a[2] == STORY]
    assert wire_alert[0] == alert_id("ceasefire", STORY)
    assert wire_alert[3] in wire_ids and wire_alert[4] == "high"
    closure = digest(demo_url(next(d for d in ARTICLES if "plant-closure" in d.labels)))
    assert [a[1:] for a in alerts if a[1] == "glassworks"] == [
        ("glassworks", closure, closure, "low")]
    # Every match is kept as evidence, even those that raised no new alert.
    assert con.execute("SELECT count(*) FROM matches WHERE story_id = ?",
                       [STORY]).fetchone() == (3,)
    assert delivery_rows(con) == [
        ("ceasefire", "chat", "pending", 0, None, False),
        ("ceasefire", "chat", "pending", 0, None, False),
        ("ceasefire", "desk", "pending", 0, None, False),
        ("ceasefire", "desk", "pending", 0, None, False),
        ("glassworks", "desk", "pending", 0, None, False),
    ]
    assert articles_to_evaluate(con) == []


def test_requeueing_the_same_matches_adds_nothing(con: duckdb.DuckDBPyConnection) -> None:
    matches, evaluated = evaluate(con)
    queue_matches(con, matches, evaluated, CHANNELS, SEVERITY)
    before = counts(con)
    again = queue_matches(con, matches, evaluated, CHANNELS, SEVERITY)
    assert again.alerts == 0
    assert counts(con) == before


def test_a_later_copy_of_an_alerted_story_raises_no_new_alert(
        con: duckdb.DuckDBPyConnection) -> None:
    matches, evaluated = evaluate(con)
    first = [m for m in matches if m.article_id == digest(demo_url(WIRE[0]))]
    queue_matches(con, first, evaluated, CHANNELS, SEVERITY)
    before = counts(con)
    later = [m for m in matches if m.article_id == digest(demo_url(WIRE[-1]))]
    assert [m.story_id for m in later] == [STORY]
    report = queue_matches(con, later, [], CHANNELS, SEVERITY)
    assert report.alerts == 0
    assert counts(con) == {**before, "matches": before["matches"] + 1}


def test_a_changed_article_is_evaluated_again(con: duckdb.DuckDBPyConnection) -> None:
    matches, evaluated = evaluate(con)
    queue_matches(con, matches, evaluated, CHANNELS, SEVERITY)
    assert articles_to_evaluate(con) == []
    changed = replace(from_demo(WIRE[1]), body="Updated: the ceasefire talks were postponed.",
                      content_hash="v2")
    load_results(con, "run-2", [results_by_source([changed])[0]])
    assert [a.article_id for a in articles_to_evaluate(con)] == [changed.article_id]


def test_a_later_copy_never_creates_deliveries_on_an_old_alert(tmp_path: Path) -> None:
    def match(article: str) -> Match:
        return Match(rule_id="r", article_id=article, story_id="story-1", field="body",
                     terms=("ceasefire",), sentence="A ceasefire.")

    with writer(tmp_path / "w.duckdb") as con:
        first = queue_matches(con, [match("a1")], [], {"r": ["desk"]}, {"r": "high"})
        # The rule gained a channel since; a copy of the story arrives from another site.
        later = queue_matches(con, [match("a2")], [], {"r": ["desk", "slack"]}, {"r": "high"})
        deliveries = con.execute("SELECT channel FROM deliveries").fetchall()
        matches = con.execute("SELECT count(*) FROM matches").fetchall()
    assert (first.alerts, later.alerts) == (1, 0)
    assert deliveries == [("desk",)]
    assert matches == [(2,)]


def _match(article: str, sentence: str = "A ceasefire.") -> Match:
    return Match(rule_id="r", article_id=article, story_id="story-1", field="body",
                 terms=("ceasefire",), sentence=sentence)


def _items(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute("SELECT channel, stream, reason, article_id FROM digest_items "
                       "ORDER BY queued_at, channel, article_id").fetchall()


def test_later_copies_are_listed_where_a_digest_applies(tmp_path: Path) -> None:
    policy = QueuePolicy(copy_streams={("r", "chat"): "channel"})
    channels, severity = {"r": ["desk", "chat"]}, {"r": "high"}
    with writer(tmp_path / "w.duckdb") as con:
        queue_matches(con, [_match("a1"), _match("a2")], [], channels, severity,
                      policy=policy, now=T0)
        assert _items(con) == []          # copies that arrive with the first: "also carried by"
        later = queue_matches(con, [_match("a3", "A ceasefire!")], [], channels, severity,
                              policy=policy, now=T0 + timedelta(hours=1))
        # The same evidence (punctuation aside) from another site: a copy, listed, no alert.
        assert (later.alerts, later.realerts, later.digest_items) == (0, 0, 1)
        assert _items(con) == [("chat", "channel", "copy", "a3")]
        assert con.execute("SELECT count(*) FROM deliveries").fetchone() == (2,)
        # The same article again with the same evidence: nothing new at all.
        again = queue_matches(con, [_match("a3")], [], channels, severity, policy=policy,
                              now=T0 + timedelta(hours=2))
        assert again.digest_items == 0 and len(_items(con)) == 1


def test_a_material_update_realerts_only_after_the_window(tmp_path: Path) -> None:
    policy = QueuePolicy(realert={"r": timedelta(hours=6)},
                         copy_streams={("r", "desk"): "channel"})
    channels, severity = {"r": ["desk"]}, {"r": "high"}
    aid = alert_id("r", "story-1")
    with writer(tmp_path / "w.duckdb") as con:
        queue_matches(con, [_match("a1")], [], channels, severity, policy=policy, now=T0)
        con.execute("UPDATE deliveries SET status = 'sent', attempts = 1, sent_at = ?", [T0])
        # Updated within the window: listed in the digest as an update, no alert.
        early = queue_matches(con, [_match("a1", "The ceasefire collapsed.")], [], channels,
                              severity, policy=policy, now=T0 + timedelta(hours=5))
        assert (early.realerts, early.digest_items) == (0, 1)
        assert _items(con)[-1][2:] == ("update", "a1")
        # Updated again after the window: alerts again, pointing at the updated copy.
        late = queue_matches(con, [_match("a2", "A new ceasefire was agreed on Sunday.")], [],
                             channels, severity, policy=policy, now=T0 + timedelta(hours=7))
        assert late.realerts == 1
        assert con.execute("SELECT article_id, revision, realerted_at FROM alerts").fetchall() == [
            ("a2", 1, T0 + timedelta(hours=7))]
        assert con.execute("SELECT status, attempts, sent_at FROM deliveries").fetchall() == [
            ("pending", 0, None)]
        # The evidence is the updated version's.
        assert con.execute("SELECT sentence FROM matches WHERE article_id = 'a1'").fetchone() == (
            "The ceasefire collapsed.",)
        # A copy with nothing new, even after the window: no re-alert; the window restarted.
        copy = queue_matches(con, [_match("a3", "A new ceasefire was agreed on Sunday")], [],
                             channels, severity, policy=policy, now=T0 + timedelta(hours=20))
        sooner = queue_matches(con, [_match("a4", "Fighting resumed.")], [], channels, severity,
                               policy=policy, now=T0 + timedelta(hours=12))
        assert (copy.realerts, sooner.realerts) == (0, 0)
        assert con.execute("SELECT alert_id, revision FROM alerts").fetchall() == [(aid, 1)]


def test_without_a_window_a_story_never_alerts_again(tmp_path: Path) -> None:
    with writer(tmp_path / "w.duckdb") as con:
        queue_matches(con, [_match("a1")], [], {"r": ["desk"]}, {"r": "high"}, now=T0)
        later = queue_matches(con, [_match("a1", "Ceasefire broken.")], [], {"r": ["desk"]},
                              {"r": "high"}, now=T0 + timedelta(days=30))
        assert (later.realerts, later.digest_items) == (0, 0)
        assert con.execute("SELECT revision FROM alerts").fetchall() == [(0,)]


def test_alerts_of_a_digest_stream_wait_for_it(tmp_path: Path) -> None:
    policy = QueuePolicy(alert_streams={("r", "chat"): "rule:r"})
    with writer(tmp_path / "w.duckdb") as con:
        queue_matches(con, [_match("a1")], [], {"r": ["desk", "chat"]}, {"r": "low"},
                      policy=policy, now=T0)
        assert con.execute("SELECT channel, status FROM deliveries ORDER BY channel"
                           ).fetchall() == [("chat", "digest"), ("desk", "pending")]
        assert _items(con) == [("chat", "rule:r", "alert", "a1")]


def test_the_founding_copy_does_not_depend_on_batch_order(
        con: duckdb.DuckDBPyConnection) -> None:
    matches, _ = evaluate(con)
    wire = [m for m in matches if m.story_id == STORY and m.rule_id == "ceasefire"]
    founders = []
    for order in (wire, wire[::-1]):
        state = evaluation.routing_state(con, order)
        [alert] = route(order, state, QueuePolicy(), CHANNELS, SEVERITY, T0).alerts
        founders.append(alert.article_id)
    # Stored in the same run: the copy published first founds the story.
    assert founders == [digest(demo_url(WIRE[0]))] * 2
    # The copy stored first founds it, whenever it says it was published.
    con.execute("UPDATE articles SET first_seen_at = first_seen_at - INTERVAL 1 HOUR "
                "WHERE article_id = ?", [digest(demo_url(WIRE[-1]))])
    queue_matches(con, wire, [], CHANNELS, SEVERITY, now=T0)
    assert con.execute("SELECT article_id FROM alerts").fetchall() == [
        (digest(demo_url(WIRE[-1])),)]


def test_a_batch_that_fails_before_its_commit_leaves_nothing(
        con: duckdb.DuckDBPyConnection) -> None:
    matches, evaluated = evaluate(con)
    before = counts(con)
    with pytest.raises(OSError, match="No space left"), transaction(con):
        state = evaluation.routing_state(con, matches)
        decision = route(matches, state, QueuePolicy(), CHANNELS, SEVERITY, T0)
        assert evaluation.write_routing(con, matches, decision, T0) == (3, 0)
        evaluation.mark_evaluated(con, evaluated, T0)
        assert counts(con)["alerts"] == 3 and articles_to_evaluate(con) == []
        raise OSError(28, "No space left on device")
    assert counts(con) == before
    assert len(articles_to_evaluate(con)) == len(ARTICLES)
    assert pending_deliveries(con, NAMES) == []
