"""The `runs` table: one row per monitor or loader run, what it did in figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    started_at: datetime
    finished_at: datetime
    sources: int
    articles_new: int
    matches_new: int
    alerts_sent: int
    errors: int


def record_run(con: duckdb.DuckDBPyConnection, run: RunRecord) -> None:
    """Write the run's row. A run id already recorded keeps its first row (a retried flow run
    keeps its id; the first record stands)."""
    con.execute(
        """INSERT INTO runs (run_id, started_at, finished_at, sources, articles_new,
                             matches_new, alerts_sent, errors)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
        [run.run_id, run.started_at, run.finished_at, run.sources, run.articles_new,
         run.matches_new, run.alerts_sent, run.errors])
