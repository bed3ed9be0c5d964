"""Ratings of alerts by their readers (`alert_feedback`), and the rated alerts as labels.

Every alert shows a short id (the first SHORT_ALERT_ID characters of its alert_id); a rating names
the alert by that id or any longer prefix of it. One rating per alert: rating again replaces
it, so the latest rating wins and repeating a command changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import duckdb

from core.records import ArticleText, short_alert_id
from warehouse.errors import WarehouseError
from warehouse.evaluation import ARTICLE_COLUMNS, article_text
from warehouse.rows import dicts

MIN_PREFIX = 6
RATINGS = ("relevant", "irrelevant")
Rating = Literal["relevant", "irrelevant"]
_HEX = re.compile(r"^[0-9a-f]+$")


class UnknownAlert(WarehouseError):
    """No stored alert, or more than one, has the id given."""


@dataclass(frozen=True)
class Rated:
    alert_id: str
    rule_id: str
    rating: str
    previous: str | None     # the rating this one replaced, if any


@dataclass(frozen=True)
class RatedAlert:
    """A rated alert with the stored text of the article that raised it."""

    alert_id: str
    rule_id: str
    relevant: bool
    url: str
    article: ArticleText


short_id = short_alert_id
def check_alert_ref(ref: str) -> str:
    """The id as typed, lower-cased; ValueError if it cannot be an alert id at all."""
    ref = ref.strip().lower()
    if len(ref) < MIN_PREFIX or not _HEX.match(ref):
        raise ValueError(f"{ref!r} is not an alert id: give the id an alert shows (e.g. "
                         f"3f9c2a1b), at least {MIN_PREFIX} of its letters and digits 0-9, a-f")
    return ref


def resolve_alert(con: duckdb.DuckDBPyConnection, ref: str) -> tuple[str, str]:
    """(alert_id, rule_id) of the one stored alert whose id starts with `ref`."""
    ref = check_alert_ref(ref)
    rows = con.execute("""SELECT alert_id, rule_id FROM alerts WHERE starts_with(alert_id, ?)
                          ORDER BY alert_id LIMIT 3""", [ref]).fetchall()
    if not rows:
        raise UnknownAlert(f"no alert with id {ref} in this warehouse; copy the id from the "
                           "alert, or list recent ones with `newswatch sql \"SELECT alert_id, "
                           "rule_id, title FROM v_alerts ORDER BY created_at DESC LIMIT 20\"`")
    if len(rows) > 1:
        shown = ", ".join(r[0] for r in rows[:2]) + (", ..." if len(rows) > 2 else "")
        raise UnknownAlert(f"{ref} is the start of more than one alert id ({shown}); give "
                           "more of it")
    return rows[0][0], rows[0][1]


def record_feedback(con: duckdb.DuckDBPyConnection, ref: str, rating: str,
                    note: str | None, now: datetime) -> Rated:
    """Store the rating of one alert (replacing an earlier one)."""
    if rating not in RATINGS:
        raise ValueError(f"rating {rating!r}: use relevant or irrelevant")
    alert_id, rule_id = resolve_alert(con, ref)
    row = con.execute("SELECT rating FROM alert_feedback WHERE alert_id = ?",
                      [alert_id]).fetchone()
    con.execute("""INSERT INTO alert_feedback VALUES (?, ?, ?, ?)
                   ON CONFLICT (alert_id) DO UPDATE SET rating = excluded.rating,
                       note = excluded.note, rated_at = excluded.rated_at""",
                [alert_id, rating, note, now])
    return Rated(alert_id, rule_id, rating, row[0] if row else None)


def rated_alerts(con: duckdb.DuckDBPyConnection, since: datetime) -> list[RatedAlert]:
    """Alerts rated at or after `since`, oldest first, with the text of the article that
    raised each (its current stored version)."""
    columns = ", ".join(f"ar.{c.strip()}" for c in ARTICLE_COLUMNS.split(","))
    rows = dicts(con.execute(
        f"""SELECT f.alert_id, a.rule_id, f.rating, ar.url, {columns}
            FROM alert_feedback f JOIN alerts a USING (alert_id)
            JOIN articles ar ON ar.article_id = a.article_id
            WHERE f.rated_at >= ? ORDER BY f.rated_at, f.alert_id""", [since]))
    out = []
    for row in rows:
        alert_id, rule_id = row.pop("alert_id"), row.pop("rule_id")
        rating, url = row.pop("rating"), row.pop("url")
        out.append(RatedAlert(alert_id, rule_id, rating == "relevant", url, article_text(row)))
    return out


def rule_quality(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """v_rule_quality: precision per rule per week over the rated alerts."""
    return dicts(con.execute("SELECT * FROM v_rule_quality ORDER BY rule_id, week"))
