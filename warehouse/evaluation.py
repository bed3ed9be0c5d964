"""What rule evaluation reads and writes: the articles the rules have not seen, the routing
state of the alerts a batch of matches touches, and the routing decision with the matches.

The decision itself is made elsewhere (alerts.routing); this module stores it as given. The
caller (pipeline.rule_evaluation) reads the state, decides and writes inside one transaction
(warehouse.connection.transaction), so a crash leaves all of a batch or none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import duckdb
import pyarrow as pa

from core.records import (
    ArticleText,
    ArticleTimes,
    KnownAlert,
    Match,
    Realert,
    RoutingDecision,
    RoutingState,
    alert_id,
    match_id,
)
from warehouse.bulk import TEXT, TEXT_LIST, UTC_TIME, insert, staged
from warehouse.rows import dicts

_MATCH = pa.schema([("match_id", TEXT), ("rule_id", TEXT), ("article_id", TEXT),
                    ("story_id", TEXT), ("matched_at", UTC_TIME), ("field", TEXT),
                    ("terms", TEXT_LIST), ("sentence", TEXT)])
_ALERT = pa.schema([("alert_id", TEXT), ("rule_id", TEXT), ("story_id", TEXT),
                    ("article_id", TEXT), ("severity", TEXT), ("created_at", UTC_TIME)])
_DELIVERY = pa.schema([("alert_id", TEXT), ("channel", TEXT), ("status", TEXT),
                       ("attempts", pa.int32()), ("updated_at", UTC_TIME)])
_ITEM = pa.schema([("item_id", TEXT), ("channel", TEXT), ("stream", TEXT), ("alert_id", TEXT),
                   ("rule_id", TEXT), ("article_id", TEXT), ("reason", TEXT),
                   ("queued_at", UTC_TIME)])
_STORY_KEY = pa.schema([("rule_id", TEXT), ("story_id", TEXT)])
_REALERT = pa.schema([("alert_id", TEXT), ("article_id", TEXT)])
# What the rules read of a stored article; `article_text` turns a row of them into one.
ARTICLE_COLUMNS = """article_id, story_id, source_id, title, summary, body, language, section,
                      published_at, published_offset_minutes, first_seen_at"""


def in_own_offset(when: datetime | None, offset_minutes: int | None) -> datetime | None:
    """A stored publication instant back in the page's own UTC offset: "tomorrow" in a Tokyo
    page published at 07:00 +09:00 is the day after its own date, not after the UTC one."""
    if when is None or offset_minutes is None:
        return when
    return when.astimezone(timezone(timedelta(minutes=offset_minutes)))


def offset_minutes(when: datetime | None) -> int | None:
    """The UTC offset a page declared with its date, in minutes (None: no date or no zone)."""
    offset = when.utcoffset() if when is not None else None
    return None if offset is None else int(offset.total_seconds() // 60)


def article_text(row: dict[str, Any]) -> ArticleText:
    """An ArticleText from a row of ARTICLE_COLUMNS (other columns are the caller's)."""
    fields = {k: row[k] for k in ("article_id", "story_id", "source_id", "title", "summary",
                                  "body", "language", "section", "first_seen_at")}
    return ArticleText(**fields, published_at=in_own_offset(
        row["published_at"], row["published_offset_minutes"]))


def articles_to_evaluate(con: duckdb.DuckDBPyConnection, limit: int = 5000) -> list[ArticleText]:
    """Articles (or new versions) the rules have not seen yet, oldest ingest first."""
    return [article_text(row) for row in dicts(con.execute(
        f"""SELECT {ARTICLE_COLUMNS} FROM articles
            WHERE evaluated_at IS NULL ORDER BY first_seen_at, article_id LIMIT ?""", [limit]))]


def routing_state(con: duckdb.DuckDBPyConnection, matches: Sequence[Match]) -> RoutingState:
    """Alerts already stored for the matches' (rule, story) pairs, the evidence sentences and
    match ids stored for those pairs, and the times of the articles that may found a new
    alert. Read before the batch's own matches are written."""
    ids = sorted({alert_id(m.rule_id, m.story_id) for m in matches})
    if not ids:
        return RoutingState()
    known = {row["alert_id"]: KnownAlert(row["created_at"], row["realerted_at"])
             for row in dicts(con.execute(
                 """SELECT alert_id, created_at, realerted_at FROM alerts
                    WHERE alert_id = ANY(?)""", [ids]))}
    alerted = [m for m in matches if alert_id(m.rule_id, m.story_id) in known]
    evidence, stored = _stored_evidence(con, alerted)
    founders = sorted({m.article_id for m in matches
                       if alert_id(m.rule_id, m.story_id) not in known})
    articles = {row["article_id"]: ArticleTimes(row["first_seen_at"], row["published_at"])
                for row in dicts(con.execute(
                    """SELECT article_id, first_seen_at, published_at FROM articles
                       WHERE article_id = ANY(?)""", [founders]))} if founders else {}
    return RoutingState(known=known, evidence=evidence, stored_matches=stored,
                        articles=articles)


def _stored_evidence(con: duckdb.DuckDBPyConnection, matches: Sequence[Match]
                     ) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """The evidence sentences stored per alert, and the match ids stored."""
    if not matches:
        return {}, frozenset()
    with staged(con, _STORY_KEY, sorted({(m.rule_id, m.story_id) for m in matches})) as batch:
        rows = dicts(con.execute(f"""SELECT m.match_id, m.rule_id, m.story_id, m.sentence
                                     FROM matches m JOIN {batch} b USING (rule_id, story_id)"""))
    evidence: dict[str, set[str]] = {}
    for row in rows:
        evidence.setdefault(alert_id(row["rule_id"], row["story_id"]), set()).add(
            row["sentence"] or "")
    return ({aid: frozenset(s) for aid, s in evidence.items()},
            frozenset(row["match_id"] for row in rows))


def write_routing(con: duckdb.DuckDBPyConnection, matches: Sequence[Match],
                  decision: RoutingDecision, now: datetime) -> tuple[int, int]:
    """Store the matches and what routing decided for them; returns (alerts created, digest
    items queued). Run it in the transaction that read the state.

    A delivery or digest line of a new alert is written only when the alert row is created
    now: if it already exists, an old story must not be sent again."""
    with staged(con, _MATCH, [
            (match_id(m.rule_id, m.article_id), m.rule_id, m.article_id, m.story_id, now,
             m.field, list(m.terms), m.sentence) for m in matches]) as batch:
        # A new version of an article keeps its match row, with the new evidence.
        con.execute(f"""INSERT INTO matches SELECT * FROM {batch}
                        ON CONFLICT (match_id) DO UPDATE SET field = excluded.field,
                            terms = excluded.terms, sentence = excluded.sentence""")
    created: set[str] = set()
    if decision.alerts:
        with staged(con, _ALERT, [(a.alert_id, a.rule_id, a.story_id, a.article_id,
                                   a.severity, now) for a in decision.alerts]) as batch:
            created = {row["alert_id"] for row in dicts(con.execute(
                f"""INSERT INTO alerts (alert_id, rule_id, story_id, article_id, severity,
                        created_at)
                    SELECT * FROM {batch} ON CONFLICT DO NOTHING
                    RETURNING alert_id"""))}
    not_created = {a.alert_id for a in decision.alerts} - created
    insert(con, "deliveries", _DELIVERY, [
        (d.alert_id, d.channel, d.status, 0, now) for d in decision.deliveries
        if d.alert_id not in not_created], on_conflict_ignore=True)
    items = [(i.item_id, i.channel, i.stream, i.alert_id, i.rule_id, i.article_id, i.reason,
              now) for i in decision.digest_items if i.alert_id not in not_created]
    insert(con, "digest_items", _ITEM, items, on_conflict_ignore=True)
    _realert(con, decision.realerts, now)
    return len(created), len(items)


def _realert(con: duckdb.DuckDBPyConnection, realerts: Sequence[Realert],
             now: datetime) -> None:
    """The alert now points at the updated copy; its deliveries on the given channels start
    over."""
    if not realerts:
        return
    with staged(con, _REALERT, [(r.alert_id, r.article_id) for r in realerts]) as batch:
        con.execute(f"""UPDATE alerts SET article_id = b.article_id, realerted_at = ?,
                            revision = coalesce(revision, 0) + 1
                        FROM {batch} b WHERE alerts.alert_id = b.alert_id""", [now])
    rows = [(r.alert_id, channel, "pending", 0, now) for r in realerts for channel in r.channels]
    if not rows:
        return
    with staged(con, _DELIVERY, rows) as batch:
        con.execute(f"""INSERT INTO deliveries (alert_id, channel, status, attempts, updated_at)
                        SELECT * FROM {batch}
                        ON CONFLICT (alert_id, channel) DO UPDATE SET status = 'pending',
                            attempts = 0, last_error = NULL, next_attempt_at = NULL,
                            sent_at = NULL, digest_id = NULL, ops_notified_at = NULL,
                            updated_at = excluded.updated_at""")


def mark_evaluated(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str],
                   now: datetime) -> None:
    if article_ids:
        con.execute("UPDATE articles SET evaluated_at = ? WHERE article_id = ANY(?)",
                    [now, list(article_ids)])
