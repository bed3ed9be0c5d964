"""Source health: which sources keep failing or have gone quiet, and what ops was told.

`v_source_health` (migration 0005) holds the figures. `evaluate` turns them into problems with
a life cycle in `source_alerts`: a problem is raised once, when the source crosses a threshold,
and recovers once, when it is back; each is told to ops once (`pending_notices` /
`mark_notified`), however many runs see it and across restarts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import duckdb

from warehouse.connection import transaction
from warehouse.rows import dicts, scalar

Problem = Literal["failing", "stale"]
_PROBLEMS: tuple[Problem, ...] = ("failing", "stale")


@dataclass(frozen=True)
class Thresholds:
    failure_runs: int = 3               # runs in a row whose feed failed
    stale_factor: float = 4.0           # quiet for this many times the usual gap...
    stale_floor: timedelta = timedelta(hours=24)   # ...and at least this long


@dataclass(frozen=True)
class SourceHealth:
    """One row of v_source_health (the columns the alerting needs)."""

    source_id: str
    name: str
    consecutive_failures: int
    last_success_at: datetime | None
    last_new_article_at: datetime | None
    usual_gap_hours: float | None
    articles_per_day_7d: float
    median_latency_ms: float | None
    open_problems: tuple[str, ...]


@dataclass(frozen=True)
class Notice:
    """Something to tell ops: a problem raised, or its recovery."""

    source_id: str
    source_name: str
    problem: Problem
    raised_at: datetime
    recovered: bool
    detail: str


def health(con: duckdb.DuckDBPyConnection,
           source_ids: Collection[str] | None = None) -> list[SourceHealth]:
    rows = dicts(con.execute(
        """SELECT source_id, name, consecutive_failures, last_success_at, last_new_article_at,
                  usual_gap_hours, articles_per_day_7d, median_latency_ms, open_problems
           FROM v_source_health ORDER BY source_id"""))
    out = [SourceHealth(**{**r, "consecutive_failures": int(r["consecutive_failures"]),
                           "articles_per_day_7d": float(r["articles_per_day_7d"]),
                           "open_problems": tuple(r["open_problems"] or ())}) for r in rows]
    if source_ids is not None:
        wanted = set(source_ids)
        out = [h for h in out if h.source_id in wanted]
    return out


def stale_after(h: SourceHealth, thresholds: Thresholds) -> timedelta | None:
    """How long this source may stay quiet; None while its history is too short to say."""
    if h.usual_gap_hours is None:
        return None
    return max(thresholds.stale_floor, timedelta(hours=h.usual_gap_hours * thresholds.stale_factor))


def evaluate(con: duckdb.DuckDBPyConnection, thresholds: Thresholds, *, now: datetime,
             source_ids: Collection[str] | None = None) -> list[Notice]:
    """Raise and recover problems of the given sources; returns what changed now.

    failing: the feed failed in `failure_runs` runs in a row; recovers with its next success.
    stale: nothing new for `stale_factor` times the usual gap between new articles (at least
    `stale_floor`); recovers when something new arrives. A failing source is not also called
    stale (its silence is explained); one already stale stays so until new articles come."""
    changes: list[Notice] = []
    with transaction(con):
        for h in health(con, source_ids):
            quiet_for = stale_after(h, thresholds)
            quiet = (quiet_for is not None and h.last_new_article_at is not None
                     and now - h.last_new_article_at > quiet_for)
            bad = {"failing": h.consecutive_failures >= thresholds.failure_runs,
                   "stale": quiet and h.consecutive_failures == 0}
            recovered = {"failing": h.consecutive_failures == 0, "stale": not quiet}
            for problem in _PROBLEMS:
                is_open = problem in h.open_problems
                if bad[problem] and not is_open:
                    detail = (_failing_detail(con, h) if problem == "failing"
                              else _stale_detail(h, now))
                    con.execute("INSERT INTO source_alerts (source_id, problem, raised_at, "
                                "detail) VALUES (?, ?, ?, ?)", [h.source_id, problem, now, detail])
                    changes.append(Notice(h.source_id, h.name, problem, now, False, detail))
                elif is_open and recovered[problem]:
                    changes.append(_recover(con, h, problem, now))
    return changes


def _recover(con: duckdb.DuckDBPyConnection, h: SourceHealth, problem: Problem,
             now: datetime) -> Notice:
    raised_at = scalar(con.execute(
        """SELECT raised_at FROM source_alerts
           WHERE source_id = ? AND problem = ? AND recovered_at IS NULL""",
        [h.source_id, problem]))
    if problem == "failing":
        detail = ("its feed answers again" + (f" (last success {_when(h.last_success_at)})"
                                              if h.last_success_at else ""))
    else:
        detail = f"new articles again (the latest stored {_when(h.last_new_article_at)})"
    con.execute("""UPDATE source_alerts SET recovered_at = ?, recovery_detail = ?
                   WHERE source_id = ? AND problem = ? AND raised_at = ?""",
                [now, detail, h.source_id, problem, raised_at])
    return Notice(h.source_id, h.name, problem, raised_at, True, detail)


def _failing_detail(con: duckdb.DuckDBPyConnection, h: SourceHealth) -> str:
    last = con.execute(
        """SELECT error_class, message, url FROM fetches
           WHERE source_id = ? AND kind <> 'article' AND outcome IN ('error', 'skipped')
           ORDER BY fetched_at DESC LIMIT 1""", [h.source_id]).fetchone()
    since = (f"; last success {_when(h.last_success_at)}" if h.last_success_at
             else "; it has never answered")
    error = f"; last error: {last[0]}: {last[1]} ({last[2]})" if last else ""
    return f"its feed failed in the last {h.consecutive_failures} runs{since}{error}"


def _stale_detail(h: SourceHealth, now: datetime) -> str:
    assert h.last_new_article_at is not None and h.usual_gap_hours is not None
    quiet = (now - h.last_new_article_at) / timedelta(hours=1)
    return (f"no new article for {quiet:.0f} h (since {_when(h.last_new_article_at)}); "
            f"usually one every {h.usual_gap_hours:.1f} h")


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


def pending_notices(con: duckdb.DuckDBPyConnection) -> list[Notice]:
    """Problems ops has not heard of (still open), and recoveries of problems it has. A
    problem that cleared before anyone was told is not worth a message either way."""
    rows = dicts(con.execute(
        """SELECT a.source_id, coalesce(s.name, a.source_id) AS source_name, a.problem,
                  a.raised_at, a.recovered_at IS NOT NULL AS recovered,
                  coalesce(a.recovery_detail, a.detail) AS detail
           FROM source_alerts a LEFT JOIN sources s USING (source_id)
           WHERE (a.recovered_at IS NULL AND a.notified_at IS NULL)
              OR (a.recovered_at IS NOT NULL AND a.notified_at IS NOT NULL
                  AND a.recovery_notified_at IS NULL)
           ORDER BY a.raised_at, a.source_id, a.problem"""))
    return [Notice(**{**r, "recovered": bool(r["recovered"])}) for r in rows]


def mark_notified(con: duckdb.DuckDBPyConnection, notices: Sequence[Notice], *,
                  now: datetime) -> None:
    for n in notices:
        column = "recovery_notified_at" if n.recovered else "notified_at"
        con.execute(f"""UPDATE source_alerts SET {column} = ?
                        WHERE source_id = ? AND problem = ? AND raised_at = ?""",
                    [now, n.source_id, n.problem, n.raised_at])
