"""The alert outbox: delivery state per (alert, channel), and the digests that carried them.

Alert state lives here, not in memory, so a crash or a channel outage delays an alert and
never loses or repeats it: a delivery is retried on later runs until it is sent or has used
its attempts. Alerts enter the outbox with the matches that raised them
(warehouse.evaluation, in the evaluation's transaction).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from core.records import AlertView, EventDate
from warehouse.bulk import TEXT, UTC_TIME, insert, staged
from warehouse.connection import transaction
from warehouse.rows import dicts

MAX_ATTEMPTS = 5   # the default; settings.delivery_max_attempts overrides it

_KEY = pa.schema([("alert_id", TEXT), ("channel", TEXT), ("error", TEXT), ("digest_id", TEXT)])
_DIGEST = pa.schema([("digest_id", TEXT), ("channel", TEXT), ("stream", TEXT),
                     ("period_end", UTC_TIME), ("status", TEXT), ("items", pa.int32()),
                     ("error", TEXT), ("created_at", UTC_TIME)])
_VIEW_KEY = pa.schema([("key", TEXT), ("alert_id", TEXT), ("article_id", TEXT)])
_HOLD = pa.schema([("alert_id", TEXT), ("channel", TEXT), ("until", UTC_TIME)])
_TO_DIGEST = pa.schema([("alert_id", TEXT), ("channel", TEXT), ("stream", TEXT)])


@dataclass(frozen=True)
class Retry:
    """How often and how soon a failed delivery is tried again."""

    max_attempts: int = MAX_ATTEMPTS
    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=1)

    def params(self) -> dict[str, int]:
        return {"base": int(self.base / timedelta(microseconds=1)),
                "cap": int(self.cap / timedelta(microseconds=1))}


DEFAULT_RETRY = Retry()


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
    digest_id: str | None = None   # when it went out inside a digest


@dataclass(frozen=True)
class Held:
    """A due delivery not sent now: until a time (quiet hours), or into a digest stream."""

    pending: PendingDelivery
    until: datetime | None = None
    stream: str | None = None


@dataclass(frozen=True)
class GaveUp:
    alert_id: str
    channel: str
    attempts: int
    last_error: str
    alert: AlertView


@dataclass(frozen=True)
class DigestRecord:
    digest_id: str
    channel: str
    stream: str
    period_end: datetime
    items: int
    error: str | None   # None when sent
    created_at: datetime


@dataclass(frozen=True)
class QueueReport:
    matches: int
    alerts: int          # new alerts queued (the first match of a rule on a story)
    evaluated: int
    realerts: int = 0    # alerts sent again for a material update after the rule's window
    digest_items: int = 0


def alert_views(con: duckdb.DuckDBPyConnection, keys: Sequence[tuple[str, str, str]],
                rule_names: Mapping[str, str]) -> dict[str, AlertView]:
    """What a channel renders, for (key, alert_id, article_id) triples: the alert's rule and
    severity with that article's headline, link, source and evidence."""
    if not keys:
        return {}
    with staged(con, _VIEW_KEY, keys) as batch:
        rows = dicts(con.execute(
            f"""SELECT b.key, al.alert_id, al.rule_id, al.severity, a.title, a.url,
                       coalesce(s.name, a.source_id) AS source_name, a.published_at,
                       m.sentence, m.terms, ev.value AS event_value, ev.text AS event_text,
                       ev.sentence AS event_sentence, ev.first_day, ev.last_day,
                       (SELECT list(DISTINCT coalesce(s2.name, o.source_id) ORDER BY 1)
                        FROM articles o LEFT JOIN sources s2 ON s2.source_id = o.source_id
                        WHERE o.story_id = al.story_id AND o.source_id <> a.source_id) AS others
                FROM {batch} b
                JOIN alerts al ON al.alert_id = b.alert_id
                JOIN articles a ON a.article_id = b.article_id
                LEFT JOIN sources s ON s.source_id = a.source_id
                LEFT JOIN matches m ON m.rule_id = al.rule_id AND m.article_id = b.article_id
                LEFT JOIN match_events ev ON ev.match_id = m.match_id"""))
    return {row["key"]: _view(row, rule_names) for row in rows}


def _view(row: dict[str, Any], rule_names: Mapping[str, str]) -> AlertView:
    event = (EventDate(row["event_value"], row["event_text"], row["event_sentence"],
                       row["first_day"], row["last_day"])
             if row["event_value"] is not None else None)
    rule_id = row["rule_id"]
    return AlertView(
        alert_id=row["alert_id"], rule_id=rule_id, rule_name=rule_names.get(rule_id, rule_id),
        severity=row["severity"], title=row["title"], url=row["url"],
        source_name=row["source_name"], published_at=row["published_at"],
        sentence=row["sentence"], terms=tuple(row["terms"] or ()),
        other_sources=tuple(row["others"] or ()), event_date=event)


def pending_deliveries(con: duckdb.DuckDBPyConnection, rule_names: Mapping[str, str],
                       limit: int = 500, *, now: datetime | None = None,
                       max_attempts: int = MAX_ATTEMPTS) -> list[PendingDelivery]:
    """Deliveries due now, in the order their alerts were queued.

    Not before `next_attempt_at`; and nothing for a channel that is backing off after a
    failure (its older alerts go first when it is retried, so alerts arrive in order)."""
    now = now or datetime.now(UTC)
    rows = dicts(con.execute(
        """WITH backing_off AS (
               SELECT DISTINCT channel FROM deliveries
               WHERE status IN ('pending', 'sending') AND attempts > 0 AND attempts < $max
                 AND next_attempt_at > $now)
           SELECT d.alert_id, d.channel, d.attempts, al.article_id
           FROM deliveries d
           JOIN alerts al USING (alert_id)
           JOIN articles a ON a.article_id = al.article_id
           WHERE d.status IN ('pending', 'sending') AND d.attempts < $max
             AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= $now)
             AND d.channel NOT IN (SELECT channel FROM backing_off)
           ORDER BY coalesce(al.realerted_at, al.created_at), a.published_at NULLS LAST,
                    d.alert_id, d.channel
           LIMIT $limit""", {"max": max_attempts, "now": now, "limit": limit}))
    views = alert_views(con, sorted({(r["alert_id"], r["alert_id"], r["article_id"])
                                     for r in rows}), rule_names)
    return [PendingDelivery(r["alert_id"], r["channel"], r["attempts"], views[r["alert_id"]])
            for r in rows if r["alert_id"] in views]


def give_up_exhausted(con: duckdb.DuckDBPyConnection, *, now: datetime | None = None,
                      max_attempts: int = MAX_ATTEMPTS) -> int:
    """Deliveries whose last attempt was interrupted (a crash mid-send) after using every
    attempt: mark them failed so they show up in v_alerts instead of hanging in 'sending'."""
    rows = con.execute(
        """UPDATE deliveries SET status = 'failed', updated_at = ?, next_attempt_at = NULL,
               last_error = coalesce(last_error || '; ', '') ||
                            'gave up: the last attempt was interrupted before it was recorded'
           WHERE status = 'sending' AND attempts >= ? RETURNING alert_id""",
        [now or datetime.now(UTC), max_attempts]).fetchall()
    return len(rows)


def _backoff_sql(attempts: str) -> str:
    """SQL for the wait after the `attempts`-th failure: base × 2^(attempts-1), at most cap."""
    return (f"to_microseconds(least($base * (1::BIGINT << least(greatest({attempts} - 1, 0), "
            "20)), $cap))")


def prepare(con: duckdb.DuckDBPyConnection, sending: Sequence[PendingDelivery],
            held: Sequence[Held] = (), *, now: datetime | None = None,
            retry: Retry = DEFAULT_RETRY) -> None:
    """Before sending, in one transaction: count the attempt of each delivery about to be sent
    (a crash mid-send is then visible and bounded), and hold the others back: until a time
    (quiet hours) or for a digest."""
    now = now or datetime.now(UTC)
    with transaction(con):
        mark_sending(con, sending, now=now, retry=retry)
        later = [(h.pending.alert_id, h.pending.channel, h.until) for h in held if h.until]
        if later:
            with staged(con, _HOLD, later) as batch:
                con.execute(f"""UPDATE deliveries SET next_attempt_at = b.until, updated_at = ?
                                FROM {batch} b WHERE deliveries.alert_id = b.alert_id
                                    AND deliveries.channel = b.channel""", [now])
        to_digest = [(h.pending.alert_id, h.pending.channel, h.stream) for h in held
                     if h.stream]
        if to_digest:
            with staged(con, _TO_DIGEST, to_digest) as batch:
                con.execute(f"""UPDATE deliveries SET status = 'digest', updated_at = $now,
                                    next_attempt_at = NULL
                                FROM {batch} b WHERE deliveries.alert_id = b.alert_id
                                    AND deliveries.channel = b.channel""", {"now": now})
                con.execute(f"""INSERT INTO digest_items
                    SELECT substr(sha256(al.alert_id || chr(31) || b.channel || chr(31) ||
                                         al.article_id || chr(31) || 'quiet'), 1, 24),
                           b.channel, b.stream, al.alert_id, al.rule_id, al.article_id,
                           'quiet_hours', $now, NULL
                    FROM {batch} b JOIN alerts al USING (alert_id)
                    ON CONFLICT DO NOTHING""", {"now": now})


def mark_sending(con: duckdb.DuckDBPyConnection, pending: Sequence[PendingDelivery], *,
                 now: datetime | None = None, retry: Retry = DEFAULT_RETRY) -> None:
    """Count the attempt before sending: a crash mid-send is then visible and bounded (it is
    retried after the backoff this attempt would have earned)."""
    if pending:
        with staged(con, _KEY, [(p.alert_id, p.channel, None, None) for p in pending]) as batch:
            con.execute(
                f"""UPDATE deliveries SET status = 'sending', attempts = attempts + 1,
                        updated_at = $now, next_attempt_at = $now + {_backoff_sql("attempts + 1")}
                    FROM {batch} b
                    WHERE deliveries.alert_id = b.alert_id AND deliveries.channel = b.channel""",
                {"now": now or datetime.now(UTC), **retry.params()})


def record_outcomes(con: duckdb.DuckDBPyConnection, outcomes: Sequence[DeliveryOutcome], *,
                    now: datetime | None = None, retry: Retry = DEFAULT_RETRY,
                    digests: Sequence[DigestRecord] = ()) -> list[tuple[str, str]]:
    """Record what the channels said, and the digests that carried alerts, in one transaction.
    A failure is retried after a backoff (1 min, 2, 4, … by default) until the attempts are
    used. Returns the (alert_id, channel) deliveries given up now."""
    now = now or datetime.now(UTC)
    gave_up: list[tuple[str, str]] = []
    with transaction(con):
        insert_digests(con, digests)
        if outcomes:
            with staged(con, _KEY, [(o.alert_id, o.channel, o.error, o.digest_id)
                                    for o in outcomes]) as b:
                rows = dicts(con.execute(
                    f"""UPDATE deliveries SET
                            status = CASE WHEN b.error IS NULL THEN 'sent'
                                          WHEN attempts >= $max THEN 'failed' ELSE 'pending' END,
                            sent_at = CASE WHEN b.error IS NULL THEN $now ELSE sent_at END,
                            next_attempt_at = CASE WHEN b.error IS NULL OR attempts >= $max
                                THEN NULL ELSE $now + {_backoff_sql("attempts")} END,
                            digest_id = coalesce(b.digest_id, deliveries.digest_id),
                            last_error = b.error, updated_at = $now
                        FROM {b} b WHERE deliveries.alert_id = b.alert_id
                            AND deliveries.channel = b.channel
                        RETURNING deliveries.alert_id, deliveries.channel, deliveries.status""",
                    {"max": retry.max_attempts, "now": now, **retry.params()}))
                gave_up = sorted((r["alert_id"], r["channel"]) for r in rows
                                 if r["status"] == "failed")
    return gave_up


def insert_digests(con: duckdb.DuckDBPyConnection, digests: Sequence[DigestRecord]) -> None:
    insert(con, "digests", _DIGEST, [
        (d.digest_id, d.channel, d.stream, d.period_end, "sent" if d.error is None else "failed",
         d.items, d.error, d.created_at) for d in digests])


def given_up_unannounced(con: duckdb.DuckDBPyConnection, rule_names: Mapping[str, str],
                         limit: int = 200) -> list[GaveUp]:
    """Deliveries given up that no ops channel has been told about yet."""
    rows = dicts(con.execute(
        """SELECT d.alert_id, d.channel, d.attempts, d.last_error, al.article_id
           FROM deliveries d JOIN alerts al USING (alert_id)
           WHERE d.status = 'failed' AND d.ops_notified_at IS NULL
           ORDER BY d.updated_at, d.alert_id, d.channel LIMIT ?""", [limit]))
    views = alert_views(con, sorted({(r["alert_id"], r["alert_id"], r["article_id"])
                                     for r in rows}), rule_names)
    return [GaveUp(r["alert_id"], r["channel"], r["attempts"], r["last_error"] or "",
                   views[r["alert_id"]]) for r in rows if r["alert_id"] in views]


def mark_announced(con: duckdb.DuckDBPyConnection, keys: Sequence[tuple[str, str]], *,
                   now: datetime | None = None) -> None:
    if keys:
        with staged(con, _KEY, [(a, c, None, None) for a, c in keys]) as batch:
            con.execute(f"""UPDATE deliveries SET ops_notified_at = ? FROM {batch} b
                            WHERE deliveries.alert_id = b.alert_id
                              AND deliveries.channel = b.channel""", [now or datetime.now(UTC)])


def retry_failed(con: duckdb.DuckDBPyConnection, *, channel: str | None = None,
                 now: datetime | None = None) -> int:
    """Give failed deliveries a fresh set of attempts (e.g. after fixing a channel)."""
    rows = con.execute(
        """UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = NULL,
               updated_at = ?, ops_notified_at = NULL
           WHERE status = 'failed' AND (? IS NULL OR channel = ?) RETURNING alert_id""",
        [now or datetime.now(UTC), channel, channel]).fetchall()
    return len(rows)
