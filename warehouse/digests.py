"""Digests in the warehouse: which streams have lines waiting, and recording what was sent.

A stream is (channel, `channel` | `rule:<id>`): the channel's own schedule, or a digest-only
rule's. When the next digest is due is computed from the last one *sent* (stored here), so a
restart neither sends a period twice nor skips one. Marking the lines sent happens in the
same transaction that records the digest; a digest that failed leaves its lines waiting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from core.records import AlertView
from warehouse.bulk import TEXT, staged
from warehouse.connection import transaction
from warehouse.outbox import DigestRecord, alert_views, insert_digests
from warehouse.rows import dicts, records

_ITEM_ID = pa.schema([("item_id", TEXT)])


@dataclass(frozen=True)
class StreamState:
    channel: str
    stream: str
    oldest: datetime            # the longest-waiting line
    waiting: int
    last_period: datetime | None   # period_end of the last digest sent
    failures: int               # failed attempts since the last digest sent
    last_failure: datetime | None


@dataclass(frozen=True)
class DigestLine:
    item_id: str
    reason: str   # alert | quiet_hours | copy | update
    alert: AlertView


def waiting_streams(con: duckdb.DuckDBPyConnection) -> list[StreamState]:
    return records(con.execute(
        """WITH waiting AS (
               SELECT channel, stream, min(queued_at) AS oldest, count(*) AS waiting
               FROM digest_items WHERE digest_id IS NULL GROUP BY ALL),
           sent AS (
               SELECT channel, stream, max(period_end) AS last_period,
                      max(created_at) AS last_sent_at
               FROM digests WHERE status = 'sent' GROUP BY ALL),
           failed AS (
               SELECT g.channel, g.stream, count(*) AS failures, max(g.created_at) AS last_failure
               FROM digests g LEFT JOIN sent s USING (channel, stream)
               WHERE g.status = 'failed'
                 AND (s.last_sent_at IS NULL OR g.created_at > s.last_sent_at)
               GROUP BY ALL)
           SELECT w.channel, w.stream, w.oldest, w.waiting, s.last_period,
                  coalesce(f.failures, 0) AS failures, f.last_failure
           FROM waiting w LEFT JOIN sent s USING (channel, stream)
           LEFT JOIN failed f USING (channel, stream)
           ORDER BY w.channel, w.stream"""), StreamState)


def waiting_lines(con: duckdb.DuckDBPyConnection, channel: str, stream: str,
                  rule_names: Mapping[str, str]) -> list[DigestLine]:
    """The lines waiting in one stream, oldest first. An update is marked in its headline."""
    rows = dicts(con.execute(
        """SELECT item_id, alert_id, article_id, reason FROM digest_items
           WHERE channel = ? AND stream = ? AND digest_id IS NULL
           ORDER BY queued_at, item_id""", [channel, stream]))
    views = alert_views(con, [(r["item_id"], r["alert_id"], r["article_id"]) for r in rows],
                        rule_names)
    lines = []
    for row in rows:
        item, reason = row["item_id"], row["reason"]
        if item not in views:
            continue   # its article was pruned: nothing to show
        view = views[item]
        if reason == "update":
            view = replace(view, title=f"Updated: {view.title}")
        lines.append(DigestLine(item, reason, view))
    return lines


def shown_alerts(lines: Sequence[DigestLine]) -> list[AlertView]:
    """What a digest lists: one entry per story. A copy of a story the same digest already
    lists is folded into it (its source shows under "Also carried by"); a copy of a story
    sent earlier is listed as more coverage."""
    listed = {line.alert.alert_id for line in lines if line.reason != "copy"}
    shown: list[AlertView] = []
    seen_copies: set[str] = set()
    for line in lines:
        if line.reason != "copy":
            shown.append(line.alert)
        elif line.alert.alert_id not in listed and line.alert.alert_id not in seen_copies:
            seen_copies.add(line.alert.alert_id)
            shown.append(replace(line.alert, title=f"More coverage: {line.alert.title}"))
    return shown


def record_digest(con: duckdb.DuckDBPyConnection, record: DigestRecord,
                  item_ids: Sequence[str], *, now: datetime | None = None) -> None:
    """Record a digest attempt; when it was sent, mark its lines (and the deliveries of the
    alerts it carried) sent, in the same transaction."""
    now = now or datetime.now(UTC)
    with transaction(con):
        insert_digests(con, [record])
        if record.error is None and item_ids:
            with staged(con, _ITEM_ID, [(i,) for i in item_ids]) as batch:
                con.execute(f"""UPDATE digest_items SET digest_id = ? FROM {batch} b
                                WHERE digest_items.item_id = b.item_id""", [record.digest_id])
            con.execute(
                """UPDATE deliveries SET status = 'sent', sent_at = $now, updated_at = $now,
                       digest_id = $digest, last_error = NULL
                   FROM (SELECT DISTINCT alert_id, channel FROM digest_items
                         WHERE digest_id = $digest
                           AND reason IN ('alert', 'quiet_hours')) i
                   WHERE deliveries.alert_id = i.alert_id AND deliveries.channel = i.channel
                     AND deliveries.status = 'digest'""",
                {"now": now, "digest": record.digest_id})
