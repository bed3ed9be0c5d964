"""Matches and the alert outbox: one alert per (rule, story), delivery state per channel.

Alert state lives here, not in memory, so a crash or a channel outage delays an alert and
never loses or repeats it: matching and queueing commit together, and a delivery is retried
on later runs until it is sent or has used its attempts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from rules.models import AlertView, EventDate, Match
from warehouse.bulk import TEXT, TEXT_LIST, UTC_TIME, insert, staged

MAX_ATTEMPTS = 5   # the default; settings.delivery_max_attempts overrides it

_MATCH = pa.schema([("match_id", TEXT), ("rule_id", TEXT), ("article_id", TEXT),
                    ("story_id", TEXT), ("matched_at", UTC_TIME), ("field", TEXT),
                    ("terms", TEXT_LIST), ("sentence", TEXT)])
_ALERT = pa.schema([("alert_id", TEXT), ("rule_id", TEXT), ("story_id", TEXT),
                    ("article_id", TEXT), ("severity", TEXT), ("created_at", UTC_TIME)])
_DELIVERY = pa.schema([("alert_id", TEXT), ("channel", TEXT), ("status", TEXT),
                       ("attempts", pa.int32()), ("updated_at", UTC_TIME)])
_KEY = pa.schema([("alert_id", TEXT), ("channel", TEXT), ("error", TEXT), ("digest_id", TEXT)])
_ITEM = pa.schema([("item_id", TEXT), ("channel", TEXT), ("stream", TEXT), ("alert_id", TEXT),
                   ("rule_id", TEXT), ("article_id", TEXT), ("reason", TEXT),
                   ("queued_at", UTC_TIME)])
_DIGEST = pa.schema([("digest_id", TEXT), ("channel", TEXT), ("stream", TEXT),
                     ("period_end", UTC_TIME), ("status", TEXT), ("items", pa.int32()),
                     ("error", TEXT), ("created_at", UTC_TIME)])
_STORY_KEY = pa.schema([("rule_id", TEXT), ("story_id", TEXT)])
_REALERT = pa.schema([("alert_id", TEXT), ("article_id", TEXT)])
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
class QueuePolicy:
    """Per rule and channel: which alerts wait for a digest, where later copies are listed,
    and which rules may re-alert. Streams are `channel` (the channel's schedule) or
    `rule:<id>` (a digest-only rule's)."""

    realert: Mapping[str, timedelta] = field(default_factory=dict)
    # (rule, channel) -> the stream its new alerts wait in; absent: sent as they come
    alert_streams: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # (rule, channel) -> the stream later copies and updates are listed in; absent: none
    copy_streams: Mapping[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredArticle:
    """An article as the rules see it."""

    article_id: str
    story_id: str
    source_id: str
    title: str
    summary: str | None
    body: str
    language: str | None = None
    section: str | None = None
    published_at: datetime | None = None
    first_seen_at: datetime | None = None


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


def alert_id(rule_id: str, story_id: str) -> str:
    return hashlib.sha256(f"{rule_id}\x1f{story_id}".encode()).hexdigest()[:24]


def match_id(rule_id: str, article_id: str) -> str:
    return hashlib.sha256(f"{rule_id}\x1f{article_id}".encode()).hexdigest()[:24]


def articles_to_evaluate(con: duckdb.DuckDBPyConnection, limit: int = 5000) -> list[StoredArticle]:
    """Articles (or new versions) the rules have not seen yet, oldest ingest first."""
    rows = con.execute(
        """SELECT article_id, story_id, source_id, title, summary, body, language, section,
                  published_at, first_seen_at FROM articles
           WHERE evaluated_at IS NULL ORDER BY first_seen_at, article_id LIMIT ?""", [limit],
    ).fetchall()
    return [StoredArticle(*row) for row in rows]


def queue_matches(con: duckdb.DuckDBPyConnection, matches: Sequence[Match],
                  evaluated_ids: Sequence[str], rule_channels: Mapping[str, Sequence[str]],
                  rule_severity: Mapping[str, str], *, policy: QueuePolicy | None = None,
                  now: datetime | None = None,
                  also: Callable[[duckdb.DuckDBPyConnection], None] | None = None
                  ) -> QueueReport:
    """Store matches, queue one alert per new (rule, story) with a delivery per channel, and
    mark the articles evaluated, all in one transaction.

    A match on a story already alerted is a later copy (another site, or a new version of an
    article). It never alerts again, except that a *material* update (its evidence sentence is
    new for the rule and story) re-alerts once the rule's `realert` window has passed since
    the last alert. Otherwise it is listed in the next digest where one applies.

    `also` writes what goes with the matches (evidence, mentions, rule state) in the same
    transaction, so a crash leaves either all of it or none."""
    now = now or datetime.now(UTC)
    policy = policy or QueuePolicy()
    by_alert: dict[str, list[Match]] = {}
    for m in matches:
        by_alert.setdefault(alert_id(m.rule_id, m.story_id), []).append(m)
    con.execute("BEGIN TRANSACTION")
    try:
        known = _known_alerts(con, list(by_alert))
        evidence, matched_before = _evidence(con, [m for m in matches
                                                   if alert_id(m.rule_id, m.story_id) in known])
        with staged(con, _MATCH, [
                (match_id(m.rule_id, m.article_id), m.rule_id, m.article_id, m.story_id, now,
                 m.field, list(m.terms), m.sentence) for m in matches]) as batch:
            # A new version of an article keeps its match row, with the new evidence.
            con.execute(f"""INSERT INTO matches SELECT * FROM {batch}
                            ON CONFLICT (match_id) DO UPDATE SET field = excluded.field,
                                terms = excluded.terms, sentence = excluded.sentence""")
        founders = {aid: ms[0] for aid, ms in by_alert.items() if aid not in known}
        new_alerts: set[str] = set()
        if founders:
            with staged(con, _ALERT, [
                    (aid, m.rule_id, m.story_id, m.article_id, rule_severity[m.rule_id], now)
                    for aid, m in founders.items()]) as batch:
                new_alerts = {r[0] for r in con.execute(
                    f"""INSERT INTO alerts (alert_id, rule_id, story_id, article_id, severity,
                            created_at)
                        SELECT * FROM {batch} ON CONFLICT DO NOTHING
                        RETURNING alert_id""").fetchall()}
        deliveries: list[tuple[Any, ...]] = []
        items: list[tuple[Any, ...]] = []
        # Deliveries only for alerts created now: a later copy of an alerted story, or a
        # channel added to the rule since, must not resend an old story.
        for aid in sorted(new_alerts):
            m = founders[aid]
            for channel in rule_channels[m.rule_id]:
                stream = policy.alert_streams.get((m.rule_id, channel))
                deliveries.append((aid, channel, "digest" if stream else "pending", 0, now))
                if stream:
                    items.append(_item(aid, channel, stream, m, "alert", now))
        realerts: list[tuple[str, Match]] = []
        for aid, ms in by_alert.items():
            if aid not in known:
                continue   # copies in the batch that founded the alert: "also carried by"
            created, realerted = known[aid]
            seen = evidence.setdefault(aid, set())
            for m in ms:
                material = _norm(m.sentence) not in seen
                seen.add(_norm(m.sentence))
                if not material and match_id(m.rule_id, m.article_id) in matched_before:
                    continue   # the same article again with the same evidence: nothing new
                window = policy.realert.get(m.rule_id)
                realert = (material and window is not None
                           and now - (realerted or created) >= window)
                if realert:
                    realerts.append((aid, m))
                    known[aid] = (created, now)
                for channel in rule_channels[m.rule_id]:
                    if realert and (m.rule_id, channel) not in policy.alert_streams:
                        continue   # sent again as an alert
                    stream = (policy.alert_streams.get((m.rule_id, channel)) if realert
                              else policy.copy_streams.get((m.rule_id, channel)))
                    if stream is not None:
                        items.append(_item(aid, channel, stream, m,
                                           "update" if material else "copy", now))
        insert(con, "deliveries", _DELIVERY, deliveries, on_conflict_ignore=True)
        insert(con, "digest_items", _ITEM, items, on_conflict_ignore=True)
        if realerts:
            _realert(con, realerts, {
                rule: [c for c in channels if (rule, c) not in policy.alert_streams]
                for rule, channels in rule_channels.items()}, now)
        if also is not None:
            also(con)
        if evaluated_ids:
            con.execute("UPDATE articles SET evaluated_at = ? WHERE article_id = ANY(?)",
                        [now, list(evaluated_ids)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return QueueReport(matches=len(matches), alerts=len(new_alerts),
                       evaluated=len(evaluated_ids), realerts=len(realerts),
                       digest_items=len(items))


def _norm(sentence: str | None) -> str:
    return " ".join(re.findall(r"\w+", (sentence or "").lower()))


def _item(aid: str, channel: str, stream: str, m: Match, reason: str,
          now: datetime) -> tuple[Any, ...]:
    key = f"{aid}\x1f{channel}\x1f{m.article_id}\x1f{_norm(m.sentence)}"
    return (hashlib.sha256(key.encode()).hexdigest()[:24], channel, stream, aid, m.rule_id,
            m.article_id, reason, now)


def _known_alerts(con: duckdb.DuckDBPyConnection,
                  ids: list[str]) -> dict[str, tuple[datetime, datetime | None]]:
    if not ids:
        return {}
    rows = con.execute("SELECT alert_id, created_at, realerted_at FROM alerts "
                       "WHERE alert_id = ANY(?)", [ids]).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _evidence(con: duckdb.DuckDBPyConnection,
              matches: Sequence[Match]) -> tuple[dict[str, set[str]], set[str]]:
    """Normalized evidence sentences already stored per alert, and the match ids stored."""
    if not matches:
        return {}, set()
    with staged(con, _STORY_KEY, sorted({(m.rule_id, m.story_id) for m in matches})) as batch:
        rows = con.execute(f"""SELECT m.match_id, m.rule_id, m.story_id, m.sentence
                               FROM matches m JOIN {batch} b USING (rule_id, story_id)"""
                           ).fetchall()
    evidence: dict[str, set[str]] = {}
    for _, rule_id, story_id, sentence in rows:
        evidence.setdefault(alert_id(rule_id, story_id), set()).add(_norm(sentence))
    return evidence, {r[0] for r in rows}


def _realert(con: duckdb.DuckDBPyConnection, realerts: list[tuple[str, Match]],
             rule_channels: Mapping[str, Sequence[str]], now: datetime) -> None:
    """The alert now points at the updated copy; its deliveries (on channels that are sent
    alerts as they come) start over."""
    with staged(con, _REALERT, [(aid, m.article_id) for aid, m in realerts]) as batch:
        con.execute(f"""UPDATE alerts SET article_id = b.article_id, realerted_at = ?,
                            revision = coalesce(revision, 0) + 1
                        FROM {batch} b WHERE alerts.alert_id = b.alert_id""", [now])
    rows = [(aid, channel, "pending", 0, now) for aid, m in realerts
            for channel in rule_channels[m.rule_id]]
    if not rows:
        return
    with staged(con, _DELIVERY, rows) as batch:
        con.execute(f"""INSERT INTO deliveries (alert_id, channel, status, attempts, updated_at)
                        SELECT * FROM {batch}
                        ON CONFLICT (alert_id, channel) DO UPDATE SET status = 'pending',
                            attempts = 0, last_error = NULL, next_attempt_at = NULL,
                            sent_at = NULL, digest_id = NULL, ops_notified_at = NULL,
                            updated_at = excluded.updated_at""")


def alert_views(con: duckdb.DuckDBPyConnection, keys: Sequence[tuple[str, str, str]],
                rule_names: Mapping[str, str]) -> dict[str, AlertView]:
    """What a channel renders, for (key, alert_id, article_id) triples: the alert's rule and
    severity with that article's headline, link, source and evidence."""
    if not keys:
        return {}
    with staged(con, _VIEW_KEY, keys) as batch:
        rows = con.execute(
            f"""SELECT b.key, al.alert_id, al.rule_id, al.severity, a.title, a.url,
                       coalesce(s.name, a.source_id), a.published_at, m.sentence, m.terms,
                       ev.value, ev.text, ev.sentence, ev.first_day, ev.last_day,
                       (SELECT list(DISTINCT coalesce(s2.name, o.source_id) ORDER BY 1)
                        FROM articles o LEFT JOIN sources s2 ON s2.source_id = o.source_id
                        WHERE o.story_id = al.story_id AND o.source_id <> a.source_id) AS others
                FROM {batch} b
                JOIN alerts al ON al.alert_id = b.alert_id
                JOIN articles a ON a.article_id = b.article_id
                LEFT JOIN sources s ON s.source_id = a.source_id
                LEFT JOIN matches m ON m.rule_id = al.rule_id AND m.article_id = b.article_id
                LEFT JOIN match_events ev ON ev.match_id = m.match_id"""
        ).fetchall()
    out = {}
    for (key, aid, rule_id, severity, title, url, source_name, published_at, sentence, terms,
         ev_value, ev_text, ev_sentence, ev_first, ev_last, others) in rows:
        event = (EventDate(ev_value, ev_text, ev_sentence, ev_first, ev_last)
                 if ev_value is not None else None)
        out[key] = AlertView(
            alert_id=aid, rule_id=rule_id, rule_name=rule_names.get(rule_id, rule_id),
            severity=severity, title=title, url=url, source_name=source_name,
            published_at=published_at, sentence=sentence, terms=tuple(terms or ()),
            other_sources=tuple(others or ()), event_date=event)
    return out


def pending_deliveries(con: duckdb.DuckDBPyConnection, rule_names: Mapping[str, str],
                       limit: int = 500, *, now: datetime | None = None,
                       max_attempts: int = MAX_ATTEMPTS) -> list[PendingDelivery]:
    """Deliveries due now, in the order their alerts were queued.

    Not before `next_attempt_at`; and nothing for a channel that is backing off after a
    failure (its older alerts go first when it is retried, so alerts arrive in order)."""
    now = now or datetime.now(UTC)
    rows = con.execute(
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
           LIMIT $limit""", {"max": max_attempts, "now": now, "limit": limit},
    ).fetchall()
    views = alert_views(con, sorted({(aid, aid, article) for aid, _, _, article in rows}),
                        rule_names)
    return [PendingDelivery(aid, channel, attempts, views[aid])
            for aid, channel, attempts, _ in rows if aid in views]


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
    con.execute("BEGIN TRANSACTION")
    try:
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
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


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
    con.execute("BEGIN TRANSACTION")
    try:
        insert_digests(con, digests)
        if outcomes:
            with staged(con, _KEY, [(o.alert_id, o.channel, o.error, o.digest_id)
                                    for o in outcomes]) as b:
                rows = con.execute(
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
                    {"max": retry.max_attempts, "now": now, **retry.params()}).fetchall()
                gave_up = sorted((r[0], r[1]) for r in rows if r[2] == "failed")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return gave_up


def insert_digests(con: duckdb.DuckDBPyConnection, digests: Sequence[DigestRecord]) -> None:
    insert(con, "digests", _DIGEST, [
        (d.digest_id, d.channel, d.stream, d.period_end, "sent" if d.error is None else "failed",
         d.items, d.error, d.created_at) for d in digests])


def given_up_unannounced(con: duckdb.DuckDBPyConnection, rule_names: Mapping[str, str],
                         limit: int = 200) -> list[GaveUp]:
    """Deliveries given up that no ops channel has been told about yet."""
    rows = con.execute(
        """SELECT d.alert_id, d.channel, d.attempts, d.last_error, al.article_id
           FROM deliveries d JOIN alerts al USING (alert_id)
           WHERE d.status = 'failed' AND d.ops_notified_at IS NULL
           ORDER BY d.updated_at, d.alert_id, d.channel LIMIT ?""", [limit]).fetchall()
    views = alert_views(con, sorted({(r[0], r[0], r[4]) for r in rows}), rule_names)
    return [GaveUp(aid, channel, attempts, error or "", views[aid])
            for aid, channel, attempts, error, _ in rows if aid in views]


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
