"""The maintenance step on a real DuckDB file: prune only with a retention, always CHECKPOINT."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.settings import Settings
from pipeline.maintenance import maintain
from tests.sql import one_row
from tests.warehouse.builders import demo_articles, results_by_source, source_configs
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer


def _loaded(path: Path, age_days: int) -> int:
    """Every demo article, first seen `age_days` ago; returns how many."""
    articles = demo_articles()
    with writer(path) as con:
        register_sources(con, source_configs(sorted({a.source_id for a in articles})))
        load_results(con, "run-1", results_by_source(articles))
        con.execute(f"UPDATE articles SET first_seen_at = first_seen_at - "
                    f"INTERVAL {age_days} DAY")
        return int(one_row(con, "SELECT count(*) FROM articles")[0])


def test_without_a_retention_nothing_is_pruned(tmp_path: Path) -> None:
    stored = _loaded(tmp_path / "wh.duckdb", 30)
    report = maintain(Settings(warehouse=tmp_path / "wh.duckdb", config_dir=tmp_path))
    assert report.pruned is None and report.checkpointed
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    assert one_row(con, "SELECT count(*) FROM articles")[0] == stored
    con.close()


def test_with_a_retention_old_unmatched_articles_go(tmp_path: Path) -> None:
    stored = _loaded(tmp_path / "wh.duckdb", 30)
    young = maintain(Settings(warehouse=tmp_path / "wh.duckdb", config_dir=tmp_path,
                              retention_days=60))
    assert young.pruned is not None and young.pruned.articles == 0
    report = maintain(Settings(warehouse=tmp_path / "wh.duckdb", config_dir=tmp_path,
                               retention_days=7))
    assert report.pruned is not None and report.pruned.articles == stored > 0
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    assert one_row(con, "SELECT count(*) FROM articles")[0] == 0
    con.close()
