"""The numbers behind `newswatch report` and the run artifact: read-only queries, typed rows.

"Matching articles" are the articles a rule matched (one rule with `rule`, any rule without),
or those mentioning an entity (`entity`, by id or display name). An article counts on its
news day: the day it was published, or the day it was first seen when it has no publication
date or claims one later than that (a wrong date must not put news in the future).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from warehouse.rows import dicts, records

NEWS_DAY = ("CAST(CASE WHEN a.published_at IS NULL OR a.published_at > a.first_seen_at "
            "THEN a.first_seen_at ELSE a.published_at END AS DATE)")


@dataclass(frozen=True)
class Filter:
    rule: str | None = None
    entity: str | None = None

    def describe(self) -> str:
        parts = [f"rule {self.rule}" if self.rule else "",
                 f"entity {self.entity}" if self.entity else ""]
        return " and ".join(p for p in parts if p) or "any rule"


@dataclass(frozen=True)
class DailyCount:
    day: date
    source: str
    articles: int


@dataclass(frozen=True)
class Story:
    day: date
    story_id: str
    title: str
    url: str
    sources: int
    source_names: tuple[str, ...]
    articles: int


@dataclass(frozen=True)
class EntityCount:
    name: str
    kind: str
    articles: int
    mentions: int


@dataclass(frozen=True)
class UpcomingDate:
    day: date
    expression: str
    sentence: str | None
    title: str
    url: str


@dataclass
class ReportData:
    filter: Filter
    first_day: date
    last_day: date
    daily: list[DailyCount] = field(default_factory=list)
    peak_stories: list[Story] = field(default_factory=list)
    entities: list[EntityCount] = field(default_factory=list)
    dates: list[UpcomingDate] = field(default_factory=list)
    entities_recorded: bool = False     # does entity_mentions hold anything at all?
    dates_recorded: bool = False

    @property
    def total(self) -> int:
        return sum(d.articles for d in self.daily)

    def per_day(self) -> dict[date, int]:
        totals: dict[date, int] = {}
        for d in self.daily:
            totals[d.day] = totals.get(d.day, 0) + d.articles
        return totals

    def peak_days(self) -> list[date]:
        return sorted({s.day for s in self.peak_stories})


def _matching(filter: Filter) -> tuple[str, list[object]]:
    """SQL selecting the article ids that match `filter`, and its parameters."""
    clauses: list[str] = []
    params: list[object] = []
    if filter.rule:
        clauses.append("article_id IN (SELECT article_id FROM matches WHERE rule_id = ?)")
        params.append(filter.rule)
    if filter.entity:
        clauses.append("article_id IN (SELECT article_id FROM entity_mentions "
                       "WHERE entity_id = ? OR lower(entity_name) = lower(?))")
        params += [filter.entity, filter.entity]
    if not clauses:
        clauses.append("article_id IN (SELECT article_id FROM matches)")
    return "SELECT article_id FROM articles WHERE " + " AND ".join(clauses), params


def _windowed(con: duckdb.DuckDBPyConnection, filter: Filter, first: date, last: date,
             day: str = NEWS_DAY) -> None:
    """A temporary table of the matching articles in the window, with their day."""
    matching, params = _matching(filter)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE report_articles AS
        SELECT a.article_id, a.story_id, a.url, a.title, a.source_id,
               coalesce(s.name, a.source_id) AS source_name, {day} AS day
        FROM articles a LEFT JOIN sources s USING (source_id)
        WHERE a.article_id IN ({matching})
          AND {day} BETWEEN ? AND ?""", [*params, first, last])


def load_report(con: duckdb.DuckDBPyConnection, filter: Filter, last_day: date, days: int,
                peaks: int = 3, stories_per_peak: int = 5, top_entities: int = 15,
                upcoming: int = 20) -> ReportData:
    """Everything the report shows for the `days` days ending on `last_day` (inclusive)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    first_day = last_day - timedelta(days=days - 1)
    data = ReportData(filter, first_day, last_day)
    _windowed(con, filter, first_day, last_day)
    data.daily = records(con.execute("""
        SELECT day, source_name AS source, count(*) AS articles FROM report_articles
        GROUP BY ALL ORDER BY day, source_name"""), DailyCount)
    data.peak_stories = top_stories(con, peaks, stories_per_peak)
    data.entities_recorded = _has_rows(con, "entity_mentions")
    data.entities = records(con.execute("""
        SELECT e.entity_name AS name, e.entity_kind AS kind,
               count(DISTINCT e.article_id) AS articles, count(*) AS mentions
        FROM entity_mentions e JOIN report_articles r USING (article_id)
        GROUP BY ALL ORDER BY 3 DESC, 4 DESC, 1 LIMIT ?""", [top_entities]), EntityCount)
    # Event dates come from two places: date_mentions and the dates event rules attached to
    # their matches (match_events, what v_event_dates shows).
    data.dates_recorded = _has_rows(con, "date_mentions") or _has_rows(con, "match_events")
    data.dates = records(con.execute("""
        WITH found AS (
            SELECT resolved_date AS day, expression, sentence, article_id FROM date_mentions
            UNION ALL
            SELECT first_day, text, sentence, article_id FROM match_events
            WHERE first_day IS NOT NULL)
        SELECT d.day, d.expression, d.sentence, r.title, r.url
        FROM found d JOIN report_articles r USING (article_id)
        WHERE d.day >= ?
        QUALIFY row_number() OVER (PARTITION BY d.day, r.story_id
                                   ORDER BY r.day, r.article_id) = 1
        ORDER BY d.day, r.title LIMIT ?""", [last_day, upcoming]), UpcomingDate)
    return data


def top_stories(con: duckdb.DuckDBPyConnection, peaks: int,
                per_peak: int) -> list[Story]:
    """The stories behind the busiest days of `report_articles`, most sources first. A story
    is shown by its own headline and the link of its first matching article that day."""
    rows = dicts(con.execute("""
        WITH peak AS (
            SELECT day FROM report_articles GROUP BY day ORDER BY count(*) DESC, day DESC
            LIMIT ?),
        story AS (
            SELECT r.day, r.story_id, count(DISTINCT r.source_id) AS sources,
                   list(DISTINCT r.source_name ORDER BY r.source_name) AS names,
                   count(*) AS articles, arg_min(r.title, r.article_id) AS headline,
                   arg_min(r.url, r.article_id) AS url
            FROM report_articles r JOIN peak USING (day) GROUP BY ALL)
        SELECT st.day, st.story_id, coalesce(s.title, st.headline) AS shown, st.url, st.sources,
               st.names AS source_names, st.articles
        FROM story st LEFT JOIN stories s USING (story_id)
        QUALIFY row_number() OVER (PARTITION BY st.day
                                   ORDER BY st.sources DESC, st.articles DESC, shown) <= ?
        ORDER BY st.day, st.sources DESC, st.articles DESC, shown""",
                       [peaks, per_peak]))
    return [Story(day=r["day"], story_id=r["story_id"], title=r["shown"], url=r["url"],
                  sources=r["sources"], source_names=tuple(r["source_names"]),
                  articles=r["articles"]) for r in rows]


def _has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone() == (True,)


@dataclass(frozen=True)
class DaySummary:
    """For the run artifact: articles first seen on one day that a rule matched, per source,
    and the stories most sources carried among them."""

    matches_per_source: list[tuple[str, int]]
    stories: list[Story]


def day_summary(con: duckdb.DuckDBPyConnection, day: date, stories: int = 5) -> DaySummary:
    _windowed(con, Filter(), day, day, day="CAST(a.first_seen_at AS DATE)")
    per_source = [(name, count) for name, count in con.execute("""
        SELECT source_name, count(*) FROM report_articles GROUP BY ALL
        ORDER BY 2 DESC, 1""").fetchall()]
    return DaySummary(per_source, top_stories(con, 1, stories))
