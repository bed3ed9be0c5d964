"""Alert routing: what a batch of matches adds to the outbox, decided without the warehouse.

One alert per (rule, story). The warehouse reads what it already holds about the stories a
batch touches (warehouse.evaluation.routing_state), `route` decides, and the warehouse writes
the decision (warehouse.evaluation.write_routing), all in one transaction.

- A (rule, story) with no alert yet gets one, founded by one of the batch's copies; each of
  the rule's channels gets a pending delivery, or a line in the digest stream the policy
  names for it. The batch's other copies are not listed: the alert shows them as "also
  carried by".
- A match on a story already alerted is a later copy (another site, or a new version of an
  article). It is *material* when its evidence sentence is new for the rule and story. A
  material copy re-alerts once the rule's `realert` window has passed since the story's last
  alert (which restarts the window); otherwise it is listed in the digest that applies, as an
  "update" (material) or a "copy". The same article again with the same evidence adds nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from core.records import (
    ArticleTimes,
    DigestItem,
    Match,
    NewAlert,
    NewDelivery,
    Realert,
    RoutingDecision,
    RoutingState,
    alert_id,
    match_id,
)

_UNKNOWN = ArticleTimes()
_LATEST = datetime.max.replace(tzinfo=UTC)   # an unknown time sorts after every known one


@dataclass(frozen=True)
class QueuePolicy:
    """Per rule and channel: which alerts wait for a digest, where later copies are listed,
    and which rules may re-alert. Streams are `channel` (the channel's schedule) or
    `rule:<id>` (a digest-only rule's)."""

    realert: Mapping[str, timedelta] = field(default_factory=dict)
    # (rule, channel) -> the stream its new alerts wait in; absent: sent as they come
    alert_streams: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # (rule, channel) -> the stream later copies and updates are listed in; absent: none
    copy_streams: Mapping[tuple[str, str], str] = field(default_factory=dict)


def route(matches: Sequence[Match], state: RoutingState, policy: QueuePolicy,
          rule_channels: Mapping[str, Sequence[str]], rule_severity: Mapping[str, str],
          now: datetime) -> RoutingDecision:
    """The alerts, deliveries, digest lines and re-alerts one batch of matches adds."""
    by_alert: dict[str, list[Match]] = {}
    for m in matches:
        by_alert.setdefault(alert_id(m.rule_id, m.story_id), []).append(m)
    founders = {aid: founder(ms, state.articles)
                for aid, ms in sorted(by_alert.items()) if aid not in state.known}
    alerts = tuple(NewAlert(aid, m.rule_id, m.story_id, m.article_id, rule_severity[m.rule_id])
                   for aid, m in founders.items())
    deliveries: list[NewDelivery] = []
    items: list[DigestItem] = []
    for aid, m in founders.items():
        for channel in rule_channels[m.rule_id]:
            stream = policy.alert_streams.get((m.rule_id, channel))
            deliveries.append(NewDelivery(aid, channel, "digest" if stream else "pending"))
            if stream:
                items.append(_item(aid, channel, stream, m, "alert"))
    realerts: list[Realert] = []
    for aid, ms in by_alert.items():
        if aid in state.known:
            _later_copies(aid, ms, state, policy, rule_channels, now, realerts, items)
    return RoutingDecision(alerts, tuple(deliveries), tuple(items), tuple(realerts))


def founder(copies: Sequence[Match], articles: Mapping[str, ArticleTimes]) -> Match:
    """The copy a new alert is founded on, and so the headline it shows: the one stored
    first (earliest `first_seen_at`), then the one published first, then the smallest
    article id. Not the batch's order, which follows scraping and varies between runs. An
    unknown time counts as later than any known one."""
    def key(m: Match) -> tuple[datetime, datetime, str]:
        times = articles.get(m.article_id, _UNKNOWN)
        return (_utc(times.first_seen_at), _utc(times.published_at), m.article_id)
    return min(copies, key=key)


def _later_copies(aid: str, copies: Sequence[Match], state: RoutingState, policy: QueuePolicy,
                  rule_channels: Mapping[str, Sequence[str]], now: datetime,
                  realerts: list[Realert], items: list[DigestItem]) -> None:
    """Re-alerts and digest lines for copies of a story already alerted, in batch order."""
    known = state.known[aid]
    last_alert = known.realerted_at or known.created_at
    seen = {normalize(s) for s in state.evidence.get(aid, ())}
    for m in copies:
        sentence = normalize(m.sentence)
        material = sentence not in seen
        seen.add(sentence)
        if not material and match_id(m.rule_id, m.article_id) in state.stored_matches:
            continue   # the same article again with the same evidence: nothing new
        window = policy.realert.get(m.rule_id)
        realert = material and window is not None and now - last_alert >= window
        channels = rule_channels[m.rule_id]
        if realert:
            last_alert = now   # the window restarts: one re-alert per story and window
            realerts.append(Realert(aid, m.article_id, tuple(
                c for c in channels if (m.rule_id, c) not in policy.alert_streams)))
        for channel in channels:
            key = (m.rule_id, channel)
            if realert and key not in policy.alert_streams:
                continue   # sent again as an alert
            stream = policy.alert_streams.get(key) if realert else policy.copy_streams.get(key)
            if stream is not None:
                items.append(_item(aid, channel, stream, m, "update" if material else "copy"))


def normalize(sentence: str | None) -> str:
    """Evidence compared as its words: punctuation and case aside, the same sentence."""
    return " ".join(re.findall(r"\w+", (sentence or "").lower()))


def _item(aid: str, channel: str, stream: str, m: Match,
          reason: Literal["alert", "copy", "update"]) -> DigestItem:
    key = f"{aid}\x1f{channel}\x1f{m.article_id}\x1f{normalize(m.sentence)}"
    return DigestItem(hashlib.sha256(key.encode()).hexdigest()[:24], channel, stream, aid,
                      m.rule_id, m.article_id, reason)


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return _LATEST
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
