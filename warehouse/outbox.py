"""Matches and the alert outbox: one alert per (rule, story), delivery state per channel.

Alert state lives here, not in memory, so a crash or a channel outage delays an alert and
never loses or repeats it: matching and queueing commit together, and a delivery is retried
on later runs until it is sent or has used its attempts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from rules.models import AlertView, Match
from warehouse.bulk import TEXT, TEXT_LIST, UTC_TIME, insert, staged

MAX_ATTEMPTS = 5

_MATCH = pa.schema([("match_id", TEXT), ("rule_id", TEXT), ("article_id", TEXT),
                    ("story_id", TEXT), ("matched_at", UTC_TIME), ("field", TEXT),
                    ("terms", TEXT_LIST), ("sentence", TEXT)])
_ALERT = pa.schema([("alert_id", TEXT), ("rule_id", TEXT), ("story_id", TEXT),
                    ("article_id", TEXT), ("severity", TEXT), ("created_at", UTC_TIME)])
_DELIVERY = pa.schema([("alert_id", TEXT), ("channel", TEXT), ("status", TEXT),
                       ("attempts", pa.int32()), ("updated_at", UTC_TIME)])
_KEY = pa.schema([("alert_id", TEXT), ("channel", TEXT), ("error", TEXT)])


@dataclass(frozen=True)
class StoredArticle:
    """An article as the rules see it."""

    article_id: str
    story_id: str
    source_id: str
    title: str
    summary: str | None
    body: str


@dataclass(frozen=True)
class PendingDelivery:
    alert_id: str
    channel: str
    attempts: int
    alert: AlertView


@dataclass(frozen=True)
class DeliveryOutcome:
    alert_id: str
    channel: str
    error: str | None   # None when delivered


@dataclass(frozen=True)
class QueueReport:
    matches: int
    alerts: int          # new alerts queued (the first match of a rule on a story)
    evaluated: int


def alert_id(rule_id: str, story_id: str) -> str:
    return hashlib.sha256(f"{rule_id}\x1f{story_id}".encode()).hexdigest()[:24]


def match_id(rule_id: str, article_id: str) -> str:
    return hashlib.sha256(f"{rule_id}\x1f{article_id}".encode()).hexdigest()[:24]


def articles_to_evaluate(con: duckdb.DuckDBPyConnection, limit: int = 5000) -> list[StoredArticle]:
    """Articles (or new versions) the rules have not seen yet, oldest ingest first."""
    rows = con.execute(
        """SELECT article_id, story_id, source_id, title, summary, body FROM articles
           WHERE evaluated_at IS NULL ORDER BY first_seen_at, article_id LIMIT ?""", [limit],
    ).fetchall()
    return [StoredArticle(*row) for row in rows]


def queue_matches(con: duckdb.DuckDBPyConnection, matches: Sequence[Match],
                  evaluated_ids: Sequence[str], rule_channels: Mapping[str, Sequence[str]],
                  rule_severity: Mapping[str, str]) -> QueueReport:
    """Store matches, queue one alert per new (rule, story) with a delivery per channel, and
    mark the articles evaluated, all in one transaction."""
    now = datetime.now(UTC)
    first_per_alert: dict[str, Match] = {}
    for m in matches:
        first_per_alert.setdefault(alert_id(m.rule_id, m.story_id), m)
    con.execute("BEGIN TRANSACTION")
    try:
        insert(con, "matches", _MATCH, [
            (match_id(m.rule_id, m.article_id), m.rule_id, m.article_id, m.story_id, now,
             m.field, list(m.terms), m.sentence) for m in matches], on_conflict_ignore=True)
        new_alerts: set[str] = set()
        if first_per_alert:
            with staged(con, _ALERT, [
                    (aid, m.rule_id, m.story_id, m.article_id, rule_severity[m.rule_id], now)
                    for aid, m in first_per_alert.items()]) as batch:
                new_alerts = {r[0] for r in con.execute(
                    f"""INSERT INTO alerts SELECT * FROM {batch} ON CONFLICT DO NOTHING
                        RETURNING alert_id""").fetchall()}
        # Deliveries only for alerts created now: a later copy of an alerted story, or a
        # channel added to the rule since, must not resend an old story.
        insert(con, "deliveries", _DELIVERY, [
            (aid, channel, "pending", 0, now) for aid in sorted(new_alerts)
            for channel in rule_channels[first_per_alert[aid].rule_id]],
            on_conflict_ignore=True)
        if evaluated_ids:
            con.execute("UPDATE articles SET evaluated_at = ? WHERE article_id = ANY(?)",
                        [now, list(evaluated_ids)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return QueueReport(matches=len(matches), alerts=len(new_alerts),
                       evaluated=len(evaluated_ids))


def pending_deliveries(con: duckdb.DuckDBPyConnection, rule_names: Mapping[str, str],
                       limit: int = 500) -> list[PendingDelivery]:
    rows = con.execute(
        """SELECT d.alert_id, d.channel, d.attempts, al.rule_id, al.severity, a.title, a.url,
                  coalesce(s.name, a.source_id), a.published_at, m.sentence, m.terms,
                  (SELECT list(DISTINCT coalesce(s2.name, o.source_id) ORDER BY 1)
                   FROM articles o LEFT JOIN sources s2 ON s2.source_id = o.source_id
                   WHERE o.story_id = al.story_id AND o.source_id <> a.source_id) AS others
           FROM deliveries d
           JOIN alerts al USING (alert_id)
           JOIN articles a ON a.article_id = al.article_id
           LEFT JOIN sources s ON s.source_id = a.source_id
           LEFT JOIN matches m ON m.rule_id = al.rule_id AND m.article_id = al.article_id
           WHERE d.status IN ('pending', 'sending') AND d.attempts < ?
           ORDER BY al.created_at, d.alert_id, d.channel
           LIMIT ?""", [MAX_ATTEMPTS, limit],
    ).fetchall()
    out = []
    for (aid, channel, attempts, rule_id, severity, title, url, source_name, published_at,
         sentence, terms, others) in rows:
        view = AlertView(alert_id=aid, rule_id=rule_id, rule_name=rule_names.get(rule_id, rule_id),
                         severity=severity, title=title, url=url, source_name=source_name,
                         published_at=published_at, sentence=sentence,
                         terms=tuple(terms or ()), other_sources=tuple(others or ()))
        out.append(PendingDelivery(aid, channel, attempts, view))
    return out


def give_up_exhausted(con: duckdb.DuckDBPyConnection) -> int:
    """Deliveries whose last attempt was interrupted (a crash mid-send) after using every
    attempt: mark them failed so they show up in v_alerts instead of hanging in 'sending'."""
    rows = con.execute(
        """UPDATE deliveries SET status = 'failed', updated_at = ?,
               last_error = coalesce(last_error || '; ', '') ||
                            'gave up: the last attempt was interrupted before it was recorded'
           WHERE status = 'sending' AND attempts >= ? RETURNING alert_id""",
        [datetime.now(UTC), MAX_ATTEMPTS]).fetchall()
    return len(rows)


def mark_sending(con: duckdb.DuckDBPyConnection, pending: Sequence[PendingDelivery]) -> None:
    """Count the attempt before sending: a crash mid-send is then visible and bounded."""
    if pending:
        with staged(con, _KEY, [(p.alert_id, p.channel, None) for p in pending]) as batch:
            con.execute(
                f"""UPDATE deliveries SET status = 'sending', attempts = attempts + 1,
                        updated_at = ? FROM {batch} b
                    WHERE deliveries.alert_id = b.alert_id AND deliveries.channel = b.channel""",
                [datetime.now(UTC)])


def record_outcomes(con: duckdb.DuckDBPyConnection, outcomes: Sequence[DeliveryOutcome]) -> None:
    now = datetime.now(UTC)
    con.execute("BEGIN TRANSACTION")
    try:
        if outcomes:
            with staged(con, _KEY, [(o.alert_id, o.channel, o.error) for o in outcomes]) as b:
                con.execute(
                    f"""UPDATE deliveries SET
                            status = CASE WHEN b.error IS NULL THEN 'sent'
                                          WHEN attempts >= ? THEN 'failed' ELSE 'pending' END,
                            sent_at = CASE WHEN b.error IS NULL THEN ? ELSE sent_at END,
                            last_error = b.error, updated_at = ?
                        FROM {b} b WHERE deliveries.alert_id = b.alert_id
                            AND deliveries.channel = b.channel""",
                    [MAX_ATTEMPTS, now, now])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
