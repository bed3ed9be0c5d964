"""The alert outbox on a real DuckDB file: one alert per (rule, story), retries, outcomes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from demo.articles import ARTICLES
from demo.content.wire import SERIN_TALKS_STORY
from rules.matcher import CompiledRules
from rules.models import AlertView, Match, Rule
from tests.warehouse.builders import (
    counts,
    demo_url,
    digest,
    from_demo,
    results_by_source,
    source_configs,
)
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer
from warehouse.outbox import (
    MAX_ATTEMPTS,
    DeliveryOutcome,
    Held,
    PendingDelivery,
    QueuePolicy,
    Retry,
    alert_id,
    articles_to_evaluate,
    give_up_exhausted,
    given_up_unannounced,
    mark_announced,
    mark_sending,
    pending_deliveries,
    prepare,
    queue_matches,
    record_outcomes,
    retry_failed,
)

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


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's articles loaded once; each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("outbox") / "loaded.duckdb"
    with writer(path) as connection:
        register_sources(connection, source_configs(list(SOURCE_NAMES)))
        load_results(connection, "run-1", results_by_source([from_demo(d) for d in ARTICLES]))
    return path


@pytest.fixture
def con(loaded: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
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


def _queue(con: duckdb.DuckDBPyConnection) -> list[PendingDelivery]:
    matches, evaluated = evaluate(con)
    wire = [m for m in matches if m.story_id == STORY]
    queue_matches(con, wire, evaluated, {"ceasefire": ["desk"]}, SEVERITY)
    return pending_deliveries(con, NAMES)


def test_pending_deliveries_carry_what_a_channel_renders(con: duckdb.DuckDBPyConnection) -> None:
    [pending] = _queue(con)
    founder = WIRE[0]
    evidence = con.execute("SELECT sentence, terms FROM matches WHERE article_id = ?",
                           [digest(demo_url(founder))]).fetchone()
    assert pending == PendingDelivery(
        alert_id=alert_id("ceasefire", STORY), channel="desk", attempts=0,
        alert=AlertView(
            alert_id=alert_id("ceasefire", STORY), rule_id="ceasefire", rule_name="Ceasefire",
            severity="high", title=founder.headline, url=demo_url(founder),
            source_name=SOURCE_NAMES[founder.site], published_at=founder.published_at,
            sentence=evidence[0], terms=tuple(evidence[1]),
            other_sources=tuple(sorted(SOURCE_NAMES[d.site] for d in WIRE[1:]))))
    assert pending.alert.sentence.startswith("Negotiators from both sides said on Friday")
    assert pending.alert.terms == ("ceasefire",)


def test_rule_name_falls_back_to_the_id(con: duckdb.DuckDBPyConnection) -> None:
    _queue(con)
    [pending] = pending_deliveries(con, {})
    assert pending.alert.rule_name == "ceasefire"


def test_mark_sending_counts_the_attempt(con: duckdb.DuckDBPyConnection) -> None:
    pending = _queue(con)
    mark_sending(con, pending, now=T0)
    assert delivery_rows(con) == [("ceasefire", "desk", "sending", 1, None, False)]
    # A crash before the outcome is recorded leaves it to be retried, attempt counted, after
    # the backoff that attempt would have earned.
    assert pending_deliveries(con, NAMES, now=T0 + timedelta(seconds=59)) == []
    [again] = pending_deliveries(con, NAMES, now=T0 + timedelta(minutes=1))
    assert again.attempts == 1


def test_a_sent_delivery_is_done(con: duckdb.DuckDBPyConnection) -> None:
    [pending] = _queue(con)
    mark_sending(con, [pending])
    record_outcomes(con, [DeliveryOutcome(pending.alert_id, pending.channel, None)])
    assert delivery_rows(con) == [("ceasefire", "desk", "sent", 1, None, True)]
    assert pending_deliveries(con, NAMES) == []


def next_attempt(con: duckdb.DuckDBPyConnection) -> datetime | None:
    return con.execute("SELECT next_attempt_at FROM deliveries").fetchone()[0]


def test_failures_are_retried_with_backoff_until_max_attempts_then_failed(
        con: duckdb.DuckDBPyConnection) -> None:
    [pending] = _queue(con)
    now = T0
    waits = []
    for attempt in range(1, MAX_ATTEMPTS):
        mark_sending(con, [pending], now=now)
        gave_up = record_outcomes(
            con, [DeliveryOutcome(pending.alert_id, "desk", f"timeout {attempt}")], now=now)
        assert gave_up == []
        assert delivery_rows(con) == [
            ("ceasefire", "desk", "pending", attempt, f"timeout {attempt}", False)]
        wait = next_attempt(con) - now
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
    [pending] = _queue(con)
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


def test_a_changed_article_is_evaluated_again(con: duckdb.DuckDBPyConnection) -> None:
    matches, evaluated = evaluate(con)
    queue_matches(con, matches, evaluated, CHANNELS, SEVERITY)
    assert articles_to_evaluate(con) == []
    changed = replace(from_demo(WIRE[1]), body="Updated: the ceasefire talks were postponed.",
                      content_hash="v2")
    load_results(con, "run-2", [results_by_source([changed])[0]])
    assert [a.article_id for a in articles_to_evaluate(con)] == [changed.article_id]


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
    [pending] = _queue(con)
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
