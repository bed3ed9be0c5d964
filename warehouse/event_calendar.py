"""Upcoming event dates the rules found, one per story, rule and date: what `newswatch calendar`
writes as an iCalendar file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from warehouse.connection import reader
from warehouse.rows import records


@dataclass(frozen=True)
class CalendarEvent:
    rule_id: str
    story_id: str
    value: str                  # TIMEX3: 2026-11-24, 2026-W48, 2026-11-24T15:00
    first_day: date
    last_day: date
    date_text: str              # as written: "next Tuesday"
    sentence: str
    title: str
    url: str
    source_id: str
    published_at: datetime | None


def upcoming_events(path: Path, since: date, until: date, rule_ids: Sequence[str] = (), *,
                    wait_seconds: float = 5.0) -> list[CalendarEvent]:
    """Event dates that end on or after `since` and begin on or before `until`. Several
    articles of one story giving one rule the same date are one event, told by the story's
    first article."""
    only_rules = f"AND rule_id IN ({', '.join('?' * len(rule_ids))})" if rule_ids else ""
    with reader(path, wait_seconds=wait_seconds) as con:
        return records(con.execute(f"""
            SELECT rule_id, story_id, value, first_day, coalesce(last_day, first_day) AS last_day,
                   date_text, sentence, title, url, source_id, published_at
            FROM v_event_dates
            WHERE first_day IS NOT NULL AND coalesce(last_day, first_day) >= ?
              AND first_day <= ? {only_rules}
            QUALIFY row_number() OVER (PARTITION BY rule_id, story_id, value
                                       ORDER BY published_at NULLS LAST, url) = 1
            ORDER BY first_day, rule_id, title""", [since, until, *rule_ids]), CalendarEvent)
