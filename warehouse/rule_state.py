"""What rules found beyond the match row, and the state rule kinds keep between runs.

Evidence, entity mentions and event dates are replaced per article when a new version is
evaluated, so re-evaluation never doubles them. Threshold firings and first-seen subjects live
here rather than in memory: a restart neither repeats an alert nor forgets what was seen.
Writers run inside the caller's transaction (pipeline.rule_evaluation writes a batch in one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from core.records import ArticleText, Match, match_id
from warehouse.bulk import TEXT, TEXT_LIST, UTC_TIME, insert, staged
from warehouse.evaluation import ARTICLE_COLUMNS, article_text
from warehouse.rows import dicts, records, scalar

_EVIDENCE = pa.schema([("match_id", TEXT), ("rule_id", TEXT), ("article_id", TEXT),
                       ("condition", TEXT), ("field", TEXT), ("start_offset", pa.int32()),
                       ("end_offset", pa.int32()), ("text", TEXT),
                       ("sentence_start", pa.int32()), ("sentence_end", pa.int32())])
_MENTION = pa.schema([("article_id", TEXT), ("entity_id", TEXT), ("entity_name", TEXT),
                      ("entity_kind", TEXT), ("surface", TEXT), ("sentence", TEXT),
                      ("found_at", UTC_TIME), ("field", TEXT), ("start_offset", pa.int32()),
                      ("end_offset", pa.int32())])
_EVENT = pa.schema([("match_id", TEXT), ("rule_id", TEXT), ("article_id", TEXT),
                    ("value", TEXT), ("first_day", pa.date32()), ("last_day", pa.date32()),
                    ("text", TEXT), ("sentence", TEXT), ("found_at", UTC_TIME)])
_MATCH = pa.schema([("match_id", TEXT), ("rule_id", TEXT), ("article_id", TEXT),
                    ("story_id", TEXT), ("matched_at", UTC_TIME), ("field", TEXT),
                    ("terms", TEXT_LIST), ("sentence", TEXT)])
_SEEN = pa.schema([("rule_id", TEXT), ("subject", TEXT), ("first_seen_at", UTC_TIME),
                   ("last_seen_at", UTC_TIME), ("article_id", TEXT)])
_FIRING = pa.schema([("firing_id", TEXT), ("rule_id", TEXT), ("fired_at", UTC_TIME),
                     ("window_start", UTC_TIME), ("article_ids", TEXT_LIST),
                     ("source_ids", TEXT_LIST)])
_PROBLEM = pa.schema([("problem", TEXT)])


@dataclass(frozen=True)
class MentionRow:
    """An entity mention with the watchlist's name and kind, ready to store."""

    article_id: str
    entity_id: str
    entity_name: str
    entity_kind: str
    field: str
    start: int
    end: int
    text: str
    sentence: str


@dataclass(frozen=True)
class WindowHit:
    """A stored match of a threshold rule, with the article's source and ingest time."""

    article_id: str
    source_id: str
    seen_at: datetime
    title: str


@dataclass(frozen=True)
class Firing:
    firing_id: str
    rule_id: str
    fired_at: datetime
    window_start: datetime
    article_ids: tuple[str, ...]
    source_ids: tuple[str, ...]


def _match_id(m: Match) -> str:
    return match_id(m.rule_id, m.article_id)


def store_matches(con: duckdb.DuckDBPyConnection, matches: Sequence[Match],
                  now: datetime) -> None:
    """Match rows that raise no alert of their own (threshold and first-seen rules count and
    remember them). A row already written for the same rule and article keeps its text."""
    insert(con, "matches", _MATCH, [
        (_match_id(m), m.rule_id, m.article_id, m.story_id, now, m.field, list(m.terms),
         m.sentence) for m in matches], on_conflict_ignore=True)


def store_evidence(con: duckdb.DuckDBPyConnection, matches: Sequence[Match]) -> None:
    """Every evidence item of these matches, replacing what an earlier version left."""
    ids = sorted({_match_id(m) for m in matches})
    if not ids:
        return
    con.execute("DELETE FROM match_evidence WHERE match_id = ANY(?)", [ids])
    rows, seen = [], set()
    for m in matches:
        mid = _match_id(m)
        for e in m.evidence:
            key = (mid, e.condition, e.field, e.start, e.end)
            if key not in seen:
                seen.add(key)
                rows.append((mid, m.rule_id, m.article_id, e.condition, e.field, e.start, e.end,
                             e.text, e.sentence_start, e.sentence_end))
    insert(con, "match_evidence", _EVIDENCE, rows)


def store_events(con: duckdb.DuckDBPyConnection, matches: Sequence[Match],
                 now: datetime) -> None:
    """The event date of each match that has one (replacing an earlier version's)."""
    ids = sorted({_match_id(m) for m in matches})
    if not ids:
        return
    con.execute("DELETE FROM match_events WHERE match_id = ANY(?)", [ids])
    rows = {_match_id(m): (_match_id(m), m.rule_id, m.article_id, m.event_date.value,
                           m.event_date.start, m.event_date.end, m.event_date.text,
                           m.event_date.sentence, now)
            for m in matches if m.event_date is not None}
    insert(con, "match_events", _EVENT, list(rows.values()))


def store_mentions(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str],
                   mentions: Sequence[MentionRow], now: datetime) -> None:
    """The entity mentions of these articles (all of them: an article without any clears
    what an earlier version had)."""
    if not article_ids:
        return
    con.execute("DELETE FROM entity_mentions WHERE article_id = ANY(?)", [list(article_ids)])
    insert(con, "entity_mentions", _MENTION, [
        (m.article_id, m.entity_id, m.entity_name, m.entity_kind, m.text, m.sentence, now,
         m.field, m.start, m.end) for m in mentions])


# -- threshold rules -------------------------------------------------------------------------

def window_hits(con: duckdb.DuckDBPyConnection, rule_id: str,
                since: datetime) -> list[WindowHit]:
    """Stored matches of the rule on articles first seen at or after `since`."""
    return records(con.execute(
        """SELECT a.article_id, a.source_id, a.first_seen_at AS seen_at, a.title
           FROM matches m JOIN articles a USING (article_id)
           WHERE m.rule_id = ? AND a.first_seen_at >= ?
           ORDER BY a.first_seen_at, a.article_id""", [rule_id, since]), WindowHit)


def last_firing(con: duckdb.DuckDBPyConnection, rule_id: str) -> Firing | None:
    rows = dicts(con.execute(
        """SELECT firing_id, rule_id, fired_at, window_start, article_ids, source_ids
           FROM threshold_firings WHERE rule_id = ? ORDER BY fired_at DESC LIMIT 1""",
        [rule_id]))
    if not rows:
        return None
    row = rows[0]
    return Firing(**{**row, "article_ids": tuple(row["article_ids"]),
                     "source_ids": tuple(row["source_ids"])})


def store_firings(con: duckdb.DuckDBPyConnection, firings: Sequence[Firing]) -> None:
    insert(con, "threshold_firings", _FIRING, [
        (f.firing_id, f.rule_id, f.fired_at, f.window_start, list(f.article_ids),
         list(f.source_ids)) for f in firings], on_conflict_ignore=True)


def source_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Source id -> display name, for describing a crossing."""
    return {r["source_id"]: r["name"]
            for r in dicts(con.execute("SELECT source_id, name FROM sources"))}


# -- first-seen rules ------------------------------------------------------------------------

def seen_since(con: duckdb.DuckDBPyConnection, rule_id: str, subjects: Iterable[str],
               since: datetime) -> set[str]:
    """Which of the subjects the rule has seen at or after `since`."""
    wanted = sorted(set(subjects))
    if not wanted:
        return set()
    rows = con.execute(
        """SELECT subject FROM seen_subjects
           WHERE rule_id = ? AND subject = ANY(?) AND last_seen_at >= ?""",
        [rule_id, wanted, since]).fetchall()
    return {r[0] for r in rows}


def mark_seen(con: duckdb.DuckDBPyConnection,
              seen: Mapping[tuple[str, str], tuple[datetime, str]]) -> None:
    """(rule, subject) -> (when, article): last seen moves forward, never back."""
    if not seen:
        return
    rows = [(rule, subject, at, at, article) for (rule, subject), (at, article) in seen.items()]
    with staged(con, _SEEN, rows) as batch:
        con.execute(f"""INSERT INTO seen_subjects SELECT * FROM {batch}
                        ON CONFLICT (rule_id, subject) DO UPDATE SET
                            last_seen_at = greatest(seen_subjects.last_seen_at,
                                                    excluded.last_seen_at),
                            article_id = CASE WHEN excluded.last_seen_at >=
                                seen_subjects.last_seen_at THEN excluded.article_id
                                ELSE seen_subjects.article_id END""")


def baseline_learned(con: duckdb.DuckDBPyConnection, rule_id: str) -> bool:
    return scalar(con.execute("SELECT count(*) FROM seen_baselines WHERE rule_id = ?",
                              [rule_id])) > 0


def record_baseline(con: duckdb.DuckDBPyConnection, rule_id: str, now: datetime,
                    articles: int) -> None:
    con.execute("INSERT INTO seen_baselines VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [rule_id, now, articles])


def articles_since(con: duckdb.DuckDBPyConnection, since: datetime,
                   limit: int = 50_000) -> list[ArticleText]:
    """Stored articles first seen at or after `since`, for learning a baseline."""
    return [article_text(row) for row in dicts(con.execute(
        f"""SELECT {ARTICLE_COLUMNS} FROM articles
            WHERE first_seen_at >= ? ORDER BY first_seen_at LIMIT ?""", [since, limit]))]


# -- config problems -------------------------------------------------------------------------

def note_config_problems(con: duckdb.DuckDBPyConnection, problems: Sequence[str],
                         now: datetime) -> list[str]:
    """Record the problems seen now; returns those no ops channel has been told about."""
    if not problems:
        return []
    with staged(con, _PROBLEM, [(p,) for p in dict.fromkeys(problems)]) as batch:
        con.execute(f"""INSERT INTO config_problems
                        SELECT problem, $now, $now, NULL FROM {batch}
                        ON CONFLICT (problem) DO UPDATE SET last_seen_at = $now""",
                    {"now": now})
    rows = con.execute("""SELECT problem FROM config_problems
                          WHERE notified_at IS NULL AND problem = ANY(?)
                          ORDER BY problem""", [list(problems)]).fetchall()
    return [r[0] for r in rows]


def mark_problems_notified(con: duckdb.DuckDBPyConnection, problems: Sequence[str],
                           now: datetime) -> None:
    if problems:
        con.execute("UPDATE config_problems SET notified_at = ? WHERE problem = ANY(?)",
                    [now, list(problems)])
