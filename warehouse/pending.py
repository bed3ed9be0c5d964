"""What the post-load stages would find to do, in one short query: a run with nothing
pending skips them (pipeline/runner.py:after_load) instead of opening the warehouse for each."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class PendingWork:
    articles: bool      # articles (or new versions) the rules have not evaluated
    deliveries: bool    # deliveries not yet sent or given up, or given up and not announced
    digest_items: bool  # digest lines waiting for their digest

    @property
    def anything(self) -> bool:
        return self.articles or self.deliveries or self.digest_items


def pending_work(con: duckdb.DuckDBPyConnection) -> PendingWork:
    row = con.execute(
        """SELECT
               EXISTS (SELECT 1 FROM articles WHERE evaluated_at IS NULL),
               EXISTS (SELECT 1 FROM deliveries
                       WHERE status IN ('pending', 'sending')
                          OR (status = 'failed' AND ops_notified_at IS NULL)),
               EXISTS (SELECT 1 FROM digest_items WHERE digest_id IS NULL)""").fetchone()
    assert row is not None
    return PendingWork(bool(row[0]), bool(row[1]), bool(row[2]))
