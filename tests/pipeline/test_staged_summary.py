"""The staged loader's summary lists the sources of the batches it loaded, as a monitor run
lists the sources it scraped: a real staging folder, a real DuckDB file, the plain steps the
loader flow runs (flows/scale.py: load_staged_flow)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from core.settings import Settings
from pipeline import steps
from pipeline.summary import SourceSummary, run_markdown, summarize_staged
from scrapers.models import FetchRecord, SourceResult
from tests.warehouse.builders import make_article, ok_fetch, source_configs
from warehouse.connection import writer
from warehouse.staging import write_batch

SITES = ["harbour-times", "northern-ledger", "valley-courier"]
FEED = "https://{}.example/feed.xml"
DOWN = FetchRecord(url=FEED.format("northern-ledger"), kind="feed", outcome="error",
                   status_code=503, error_class="http_5xx", transient=True,
                   message="503 Service Unavailable")
UNCHANGED = FetchRecord(url=FEED.format("valley-courier"), kind="feed",
                        outcome="not_modified", status_code=304)
# Added to the batch format after its first version: an older worker's batch lacks them.
LATER_COLUMNS = ["published_offset_minutes", "final_url", "redirects", "attempts"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    config = tmp_path / "config"
    config.mkdir()
    return Settings(config_dir=config, warehouse=tmp_path / "wh.duckdb",
                    staging_dir=tmp_path / "staging")


def _harbour(paths: list[str], entries: int, known: int) -> SourceResult:
    articles = [make_article(f"https://harbour-times.example/{p}", f"Story {p}",
                             f"The body of story {p}, long enough to store.") for p in paths]
    return SourceResult("harbour-times", articles=articles, entries_seen=entries,
                        skipped_known=known, fetches=[ok_fetch(FEED.format("harbour-times"),
                                                               "feed"),
                                                      *(ok_fetch(a.url) for a in articles)])


def _two_workers(settings: Settings) -> None:
    """Worker A: harbour-times (2 articles) and northern-ledger, whose feed failed. Worker B:
    harbour-times again (one article A brought too, one new) and valley-courier, unchanged."""
    write_batch(settings.staging_dir, "worker-a", [
        _harbour(["one", "two"], entries=5, known=3),
        SourceResult("northern-ledger", fetches=[DOWN])])
    write_batch(settings.staging_dir, "worker-b", [
        _harbour(["two", "three"], entries=4, known=2),
        SourceResult("valley-courier", fetches=[UNCHANGED])])


def _load(settings: Settings) -> steps.staging.StagedLoadReport:
    return steps.load_staged(settings, source_configs(SITES))


def test_the_loaders_summary_lists_each_source_of_its_batches(settings: Settings) -> None:
    _two_workers(settings)
    loaded = _load(settings)
    summary = summarize_staged("loader-1", loaded)

    assert sorted(loaded.loaded) == ["worker-a", "worker-b"] and not loaded.failed
    assert summary.articles_new == 3
    error = "http_5xx: 503 Service Unavailable (https://northern-ledger.example/feed.xml)"
    assert summary.sources == [
        # summed over both batches; the article both carried is new once
        SourceSummary("harbour-times", entries=9, new_articles=3, skipped_known=5, errors=[],
                      not_modified=False),
        SourceSummary("northern-ledger", entries=0, new_articles=0, skipped_known=0,
                      errors=[error], not_modified=False),
        SourceSummary("valley-courier", entries=0, new_articles=0, skipped_known=0,
                      errors=[], not_modified=True)]
    assert summary.errors == 1 and loaded.sources == 3

    table = run_markdown(summary, None).splitlines()
    assert "| harbour-times | 9 | 3 | 5 |  |" in table
    assert "| valley-courier | 0 | 0 | 0 | 304 not modified |" in table
    [ledger] = [line for line in table if line.startswith("| northern-ledger |")]
    assert "503 Service Unavailable" in ledger

    # The run's row in `runs` counts the three sources and the failed feed.
    steps.record_run(settings, summary, datetime.now(UTC), loaded.sources)
    with writer(settings.warehouse) as con:
        row = con.execute("SELECT sources, articles_new, errors FROM runs "
                          "WHERE run_id = 'loader-1'").fetchone()
    assert row == (3, 3, 1)


def test_a_batch_loaded_before_lists_nothing_the_next_time(settings: Settings) -> None:
    _two_workers(settings)
    _load(settings)
    again = summarize_staged("loader-2", _load(settings))
    assert again.sources == [] and again.articles_new == 0


def test_an_older_workers_batch_loads_and_its_sources_are_listed(settings: Settings) -> None:
    _two_workers(settings)
    on_disk = settings.staging_dir / "batch-worker-a.parquet"
    pq.write_table(pq.read_table(on_disk).drop_columns(LATER_COLUMNS), on_disk)
    assert not set(LATER_COLUMNS) & set(pq.read_schema(on_disk).names)

    loaded = _load(settings)
    summary = summarize_staged("loader-1", loaded)

    assert sorted(loaded.loaded) == ["worker-a", "worker-b"] and not loaded.failed
    by_id = {s.source_id: s for s in summary.sources}
    assert sorted(by_id) == SITES
    assert (by_id["harbour-times"].entries, by_id["harbour-times"].new_articles) == (9, 3)
    assert len(by_id["northern-ledger"].errors) == 1
