"""The alert outbox on a real DuckDB file: what is due, retries with backoff, outcomes per
channel, holding for quiet hours or a digest, giving up and announcing it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from core.records import AlertView, alert_id
from pipeline.rule_evaluation import queue_matches
from tests.sql import one_row
from tests.warehouse.builders import demo_url, digest
from tests.warehouse.outbox_world import (
    CHANNELS,
    NAMES,
    SEVERITY,
    SOURCE_NAMES,
    STORY,
    T0,
    WIRE,
    copy_of,
    delivery_rows,
    evaluate,
    load_demo,
    queue_wire_story,
)
from warehouse.connection import writer
from warehouse.outbox import (
    MAX_ATTEMPTS,
    DeliveryOutcome,
    Held,
    PendingDelivery,
    Retry,
    give_up_exhausted,
    given_up_unannounced,
    mark_announced,
    mark_sending,
    pending_deliveries,
    prepare,
    record_outcomes,
    retry_failed,
)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return load_demo(tmp_path_factory.mktemp("outbox") / "loaded.duckdb")


@pytest.fixture
def con(loaded: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with copy_of(loaded, tmp_path) as connection:
        yield connection


def test_pending_deliveries_carry_what_a_channel_renders(con: duckdb.DuckDBPyConnection) -> None:
    [pending] = queue_wire_story(con)
    founder = WIRE[0]
    evidence = one_row(con, "SELECT sentence, terms FROM matches WHERE article_id = ?",
                       [digest(demo_url(founder))])
    assert pending == PendingDelivery(
        alert_id=alert_id("ceasefire", STORY), channel="desk", attempts=0,
        alert=AlertView(
            alert_id=alert_id("ceasefire", STORY), rule_id="ceasefire", rule_name="Ceasefire",
            severity="high", title=founder.headline, url=demo_url(founder),
            source_name=SOURCE_NAMES[founder.site], published_at=founder.published_at,
            sentence=evidence[0], terms=tuple(evidence[1]),
            other_sources=tuple(sorted(SOURCE_NAMES[d.site] for d in WIRE[1:]))))
    assert pending.alert.sentence is not None
    assert pending.alert.sentence.startswith("Negotiators from both sides said on Friday")
    assert pending.alert.terms == ("ceasefire",)


def test_rule_name_falls_back_to_the_id(con: duckdb.DuckDBPyConnection) -> None:
    queue_wire_story(con)
    [pending] = pending_deliveries(con, {})
    assert pending.alert.rule_name == "ceasefire"


def test_mark_sending_counts_the_attempt(con: duckdb.DuckDBPyConnection) -> None:
    pending = queue_wire_story(con)
    mark_sending(con, pending, now=T0)
    assert delivery_rows(con) == [("ceasefire", "desk", "sending", 1, None, False)]
    # A crash before the outcome is recorded leaves it to be retried, attempt counted, after
    # the backoff that attempt would have earned.
    assert pending_deliveries(con, NAMES, now=T0 + timedelta(seconds=59)) == []
    [again] = pending_deliveries(con, NAMES, now=T0 + timedelta(minutes=1))
    assert again.attempts == 1


def test_a_sent_delivery_is_done(con: duckdb.DuckDBPyConnection) -> None:
    [pending] = queue_wire_story(con)
    mark_sending(con, [pending])
    record_outcomes(con, [DeliveryOutcome(pending.alert_id, pending.channel, None)])
    assert delivery_rows(con) == [("ceasefire", "desk", "sent", 1, None, True)]
    assert pending_deliveries(con, NAMES) == []


def next_attempt(con: duckdb.DuckDBPyConnection) -> datetime | None:
    return one_row(con, "SELECT next_attempt_at FROM deliveries")[0]


def test_failures_are_retried_with_backoff_until_max_attempts_then_failed(
        con: duckdb.DuckDBPyConnection) -> None:
    [pending] = queue_wire_story(con)
    now = T0
    waits = []
    for attempt in range(1, MAX_ATTEMPTS):
        mark_sending(con, [pending], now=now)
        gave_up = record_outcomes(
            con, [DeliveryOutcome(pending.alert_id, "desk", f"timeout {attempt}")], now=now)
        assert gave_up == []
        assert delivery_rows(con) == [
            ("ceasefire", "desk", "pending", attempt, f"timeout {attempt}", False)]
        attempt_at = next_attempt(con)
        assert attempt_at is not None
        wait = attempt_at - now
        waits.append(wait)
        # Not attempted before next_attempt_at, and due from then on.
        assert pending_deliveries(con, NAMES, now=now + wait - timedelta(seconds=1)) == []
        now += wait
        [pending] = pending_deliveries(con, NAMES, now=now)
        assert pending.attempts == attempt
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    mark_sending(con, [pending], now=now)
    gave_up = record_outcomes(con, [DeliveryOutcome(pending.alert_id, "desk", "550 no")],
                              now=now)
    assert gave_up == [(pending.alert_id, "desk")]
    assert delivery_rows(con) == [("ceasefire", "desk", "failed", MAX_ATTEMPTS, "550 no", False)]
    assert next_attempt(con) is None
    assert pending_deliveries(con, NAMES, now=now + timedelta(days=1)) == []
    assert con.execute("SELECT status, attempts, last_error FROM v_alerts").fetchall() == [
        ("failed", MAX_ATTEMPTS, "550 no")]


def test_a_success_after_a_failure_clears_the_error(con: duckdb.DuckDBPyConnection) -> None:
    [pending] = queue_wire_story(con)
    mark_sending(con, [pending])
    record_outcomes(con, [DeliveryOutcome(pending.alert_id, "desk", "timeout")])
    mark_sending(con, [pending])
    record_outcomes(con, [DeliveryOutcome(pending.alert_id, "desk", None)])
    assert delivery_rows(con) == [("ceasefire", "desk", "sent", 2, None, True)]


def test_outcomes_are_per_channel(con: duckdb.DuckDBPyConnection) -> None:
    matches, evaluated = evaluate(con)
    queue_matches(con, [m for m in matches if m.story_id == STORY], evaluated,
                  CHANNELS, SEVERITY)
    pending = pending_deliveries(con, NAMES)
    assert [p.channel for p in pending] == ["chat", "desk"]
    mark_sending(con, pending)
    record_outcomes(con, [DeliveryOutcome(pending[0].alert_id, "chat", "HTTP 500"),
                          DeliveryOutcome(pending[1].alert_id, "desk", None)])
    assert delivery_rows(con) == [("ceasefire", "chat", "pending", 1, "HTTP 500", False),
                                  ("ceasefire", "desk", "sent", 1, None, True)]
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert [(p.channel, p.attempts) for p in pending_deliveries(con, NAMES, now=later)] == [
        ("chat", 1)]


def test_an_interrupted_last_attempt_is_marked_failed(tmp_path: Path) -> None:
    with writer(tmp_path / "w.duckdb") as con:
        now = datetime.now(UTC)
        con.execute("INSERT INTO deliveries (alert_id, channel, status, attempts, updated_at) "
                    "VALUES ('a1', 'desk', 'sending', ?, ?), ('a2', 'desk', 'sending', 1, ?)",
                    [MAX_ATTEMPTS, now, now])
        assert give_up_exhausted(con) == 1
        rows = con.execute("SELECT alert_id, status, last_error FROM deliveries "
                           "ORDER BY alert_id").fetchall()
    assert rows[0][:2] == ("a1", "failed") and "interrupted" in rows[0][2]
    assert rows[1][:2] == ("a2", "sending")


def test_a_channel_backing_off_holds_its_newer_alerts_and_not_the_others(
        con: duckdb.DuckDBPyConnection) -> None:
    matches, evaluated = evaluate(con)
    wire = [m for m in matches if m.story_id == STORY and m.rule_id == "ceasefire"]
    queue_matches(con, wire, evaluated, CHANNELS, SEVERITY, now=T0)
    first = pending_deliveries(con, NAMES, now=T0)
    mark_sending(con, first, now=T0)
    record_outcomes(con, [DeliveryOutcome(p.alert_id, p.channel,
                                          "refused" if p.channel == "chat" else None)
                          for p in first], now=T0)
    others = [m for m in matches if m.story_id != STORY and m.rule_id == "ceasefire"]
    queue_matches(con, others, [], CHANNELS, SEVERITY, now=T0 + timedelta(seconds=10))
    # The newer alert goes to desk; chat is backing off, so it waits behind the older one.
    assert [(p.channel, p.attempts) for p in pending_deliveries(
        con, NAMES, now=T0 + timedelta(seconds=30))] == [("desk", 0)]
    assert [(p.channel, p.alert.title) for p in pending_deliveries(
        con, NAMES, now=T0 + timedelta(minutes=1)) if p.channel == "chat"] == [
        ("chat", WIRE[0].headline), ("chat", pending_deliveries(
            con, NAMES, now=T0 + timedelta(seconds=30))[0].alert.title)]


def test_prepare_holds_until_a_time_or_for_a_digest(con: duckdb.DuckDBPyConnection) -> None:
    matches, evaluated = evaluate(con)
    queue_matches(con, [m for m in matches if m.rule_id == "ceasefire"], evaluated,
                  {"ceasefire": ["desk"]}, SEVERITY, now=T0)
    first, second = pending_deliveries(con, NAMES, now=T0)
    prepare(con, [], [Held(first, until=T0 + timedelta(hours=8)),
                      Held(second, stream="channel")], now=T0)
    assert pending_deliveries(con, NAMES, now=T0 + timedelta(hours=7)) == []
    assert [p.alert_id for p in pending_deliveries(con, NAMES, now=T0 + timedelta(hours=8))
            ] == [first.alert_id]
    assert con.execute("SELECT alert_id, reason, stream FROM digest_items").fetchall() == [
        (second.alert_id, "quiet_hours", "channel")]
    assert con.execute("SELECT status, attempts FROM deliveries WHERE alert_id = ?",
                       [second.alert_id]).fetchall() == [("digest", 0)]


def test_given_up_deliveries_are_announced_once_and_can_be_retried(
        con: duckdb.DuckDBPyConnection) -> None:
    [pending] = queue_wire_story(con)
    for _ in range(2):
        mark_sending(con, [pending], now=T0)
        gave_up = record_outcomes(con, [DeliveryOutcome(pending.alert_id, "desk", "550 no")],
                                  now=T0, retry=Retry(max_attempts=2))
    assert gave_up == [(pending.alert_id, "desk")]
    [notice] = given_up_unannounced(con, NAMES)
    assert (notice.channel, notice.attempts, notice.last_error) == ("desk", 2, "550 no")
    assert notice.alert.title == WIRE[0].headline
    mark_announced(con, [(notice.alert_id, notice.channel)], now=T0)
    assert given_up_unannounced(con, NAMES) == []
    assert retry_failed(con, now=T0) == 1
    assert [p.attempts for p in pending_deliveries(con, NAMES, now=T0)] == [0]
