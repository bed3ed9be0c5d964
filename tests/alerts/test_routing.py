"""Alert routing decisions alone: no warehouse, the state it would read given as records."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from alerts.routing import QueuePolicy, founder, normalize, route
from core.records import (
    ArticleTimes,
    KnownAlert,
    Match,
    NewAlert,
    NewDelivery,
    Realert,
    RoutingState,
    alert_id,
    match_id,
)

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
AID = alert_id("r", "story-1")
CHANNELS = {"r": ["desk", "chat"]}
SEVERITY = {"r": "high"}


def match(article: str, sentence: str = "A ceasefire.", story: str = "story-1") -> Match:
    return Match(rule_id="r", article_id=article, story_id=story, field="body",
                 terms=("ceasefire",), sentence=sentence)


def alerted(*sentences: str, created: datetime = T0, realerted: datetime | None = None,
            stored: tuple[str, ...] = ()) -> RoutingState:
    """The story already alerted, with these evidence sentences and match ids stored."""
    return RoutingState(known={AID: KnownAlert(created, realerted)},
                        evidence={AID: frozenset(sentences)},
                        stored_matches=frozenset(match_id("r", a) for a in stored))


def test_a_new_story_gets_one_alert_and_a_delivery_per_channel() -> None:
    decision = route([match("a1"), match("a2")], RoutingState(), QueuePolicy(), CHANNELS,
                     SEVERITY, T0)
    assert decision.alerts == (NewAlert(AID, "r", "story-1", "a1", "high"),)
    assert decision.deliveries == (NewDelivery(AID, "desk", "pending"),
                                   NewDelivery(AID, "chat", "pending"))
    # The batch's other copy is "also carried by", not a digest line or a second alert.
    assert decision.digest_items == () and decision.realerts == ()


def test_each_story_of_a_rule_is_its_own_alert() -> None:
    decision = route([match("a1"), match("b1", story="story-2")], RoutingState(),
                     QueuePolicy(), {"r": ["desk"]}, SEVERITY, T0)
    assert sorted(a.story_id for a in decision.alerts) == ["story-1", "story-2"]
    assert len(decision.deliveries) == 2


def test_the_founder_is_the_copy_stored_first_then_published_first_then_smallest_id() -> None:
    copies = [match("c"), match("b"), match("a"), match("d")]
    times = {
        "a": ArticleTimes(first_seen_at=T0 + timedelta(minutes=5), published_at=T0),
        "b": ArticleTimes(first_seen_at=T0, published_at=T0 + timedelta(hours=2)),
        "c": ArticleTimes(first_seen_at=T0, published_at=T0 + timedelta(hours=1)),
        "d": ArticleTimes(first_seen_at=T0, published_at=T0 + timedelta(hours=1)),
    }
    for order in itertools.permutations(copies):
        assert founder(order, times).article_id == "c"
        [alert] = route(list(order), RoutingState(articles=times), QueuePolicy(),
                        CHANNELS, SEVERITY, T0).alerts
        assert alert.article_id == "c"
    # Unknown times count as later than known ones; then the smallest id.
    assert founder([match("x"), match("y")], {"y": ArticleTimes(published_at=T0)}
                   ).article_id == "y"
    assert founder([match("y"), match("x")], {}).article_id == "x"


def test_a_digest_stream_holds_the_new_alert_on_its_channel() -> None:
    policy = QueuePolicy(alert_streams={("r", "chat"): "rule:r"})
    decision = route([match("a1")], RoutingState(), policy, CHANNELS, {"r": "low"}, T0)
    assert decision.deliveries == (NewDelivery(AID, "desk", "pending"),
                                   NewDelivery(AID, "chat", "digest"))
    [item] = decision.digest_items
    assert (item.channel, item.stream, item.reason, item.article_id) == (
        "chat", "rule:r", "alert", "a1")


def test_a_later_copy_is_listed_as_a_copy_where_a_digest_applies_and_never_alerts() -> None:
    policy = QueuePolicy(copy_streams={("r", "chat"): "channel"})
    # The same words as the stored evidence, punctuation and case aside.
    decision = route([match("a3", "a CEASEFIRE!")], alerted("A ceasefire."), policy,
                     CHANNELS, SEVERITY, T0 + timedelta(hours=1))
    assert decision.alerts == () and decision.deliveries == () and decision.realerts == ()
    assert [(i.channel, i.stream, i.reason, i.article_id) for i in decision.digest_items] == [
        ("chat", "channel", "copy", "a3")]


def test_the_same_article_with_the_same_evidence_adds_nothing() -> None:
    policy = QueuePolicy(copy_streams={("r", "chat"): "channel"},
                         realert={"r": timedelta(hours=1)})
    decision = route([match("a1")], alerted("A ceasefire.", stored=("a1",)), policy,
                     CHANNELS, SEVERITY, T0 + timedelta(days=1))
    assert decision.digest_items == () and decision.realerts == ()


def test_a_material_update_is_listed_inside_the_window_and_realerts_after_it() -> None:
    policy = QueuePolicy(realert={"r": timedelta(hours=6)},
                         copy_streams={("r", "desk"): "channel"})
    update = match("a1", "The ceasefire collapsed.")
    early = route([update], alerted("A ceasefire.", stored=("a1",)), policy, {"r": ["desk"]},
                  SEVERITY, T0 + timedelta(hours=5))
    assert early.realerts == ()
    assert [(i.reason, i.article_id) for i in early.digest_items] == [("update", "a1")]
    late = route([match("a2", "A new ceasefire.")], alerted("A ceasefire."), policy,
                 {"r": ["desk"]}, SEVERITY, T0 + timedelta(hours=6))
    assert late.realerts == (Realert(AID, "a2", ("desk",)),)
    assert late.digest_items == () and late.alerts == ()


def test_the_window_counts_from_the_last_realert() -> None:
    policy = QueuePolicy(realert={"r": timedelta(hours=6)})
    state = alerted("A ceasefire.", realerted=T0 + timedelta(hours=10))
    assert route([match("a2", "Talks resumed on the ceasefire.")], state, policy,
                 {"r": ["desk"]}, SEVERITY, T0 + timedelta(hours=12)).realerts == ()


def test_one_realert_per_story_and_window_even_with_two_updates_in_a_batch() -> None:
    policy = QueuePolicy(realert={"r": timedelta(hours=6)},
                         copy_streams={("r", "desk"): "channel"})
    decision = route([match("a2", "The ceasefire collapsed."),
                      match("a3", "A new ceasefire was agreed.")], alerted("A ceasefire."),
                     policy, {"r": ["desk"]}, SEVERITY, T0 + timedelta(hours=7))
    assert decision.realerts == (Realert(AID, "a2", ("desk",)),)
    assert [(i.reason, i.article_id) for i in decision.digest_items] == [("update", "a3")]


def test_a_realert_on_a_digest_channel_is_an_update_line_in_its_stream() -> None:
    policy = QueuePolicy(realert={"r": timedelta(hours=1)},
                         alert_streams={("r", "chat"): "channel"},
                         copy_streams={("r", "chat"): "channel"})
    decision = route([match("a2", "The ceasefire collapsed.")], alerted("A ceasefire."),
                     policy, CHANNELS, SEVERITY, T0 + timedelta(hours=2))
    assert decision.realerts == (Realert(AID, "a2", ("desk",)),)
    assert [(i.channel, i.stream, i.reason) for i in decision.digest_items] == [
        ("chat", "channel", "update")]


def test_without_a_window_a_story_never_alerts_again() -> None:
    decision = route([match("a1", "Ceasefire broken.")], alerted("A ceasefire."),
                     QueuePolicy(), CHANNELS, SEVERITY, T0 + timedelta(days=30))
    assert decision.realerts == () and decision.digest_items == ()


def test_digest_lines_have_stable_ids_per_alert_channel_article_and_evidence() -> None:
    policy = QueuePolicy(copy_streams={("r", "desk"): "channel"})
    state = alerted("A ceasefire.")

    def line_id(article: str, sentence: str) -> str:
        [item] = route([match(article, sentence)], state, policy, {"r": ["desk"]}, SEVERITY,
                       T0).digest_items
        return item.item_id

    assert line_id("a2", "Ceasefire now.") == line_id("a2", "ceasefire, now!")
    assert line_id("a2", "Ceasefire now.") != line_id("a3", "Ceasefire now.")
    assert line_id("a2", "Ceasefire now.") != line_id("a2", "Ceasefire later.")
    assert normalize(None) == normalize("") == ""
