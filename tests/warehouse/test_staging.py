"""The staging loader: Parquet batches from scrape workers, each loaded exactly once."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scrapers.models import SourceResult, Validators
from tests.sql import one_row
from tests.warehouse.builders import counts, demo_articles, results_by_source, source_configs
from warehouse.articles import register_sources
from warehouse.connection import writer
from warehouse.staging import (
    LOADED_DIR,
    DeferredRun,
    deferred_runs,
    load_staged,
    pending_batches,
    pending_urls,
    read_batch,
    read_state,
    write_batch,
    write_state,
)

SITES = ["harbour-times", "northern-ledger", "valley-courier"]


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    return tmp_path / "staging"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


def _results() -> list[SourceResult]:
    results = results_by_source(demo_articles())
    results[0].validators = Validators(etag='"abc"', last_modified=None)
    results[0].entries_seen, results[0].skipped_known = 7, 2
    return results


def _ledger(path: Path) -> list[tuple[str, int, int, int]]:
    with writer(path) as con:
        return con.execute("SELECT batch_id, sources, articles, articles_new "
                           "FROM staged_batches ORDER BY loaded_at").fetchall()


def test_a_batch_round_trips_through_parquet(staging: Path) -> None:
    results = _results()
    write_batch(staging, "run-1", results)
    [(batch_id, file)] = pending_batches(staging)
    assert batch_id == "run-1" and file.name == "batch-run-1.parquet"
    assert read_batch(file) == results


def test_a_batch_is_loaded_once_and_moved_to_loaded(staging: Path, path: Path) -> None:
    results = _results()
    write_batch(staging, "run-1", results)
    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        report = load_staged(con, staging)
        stored = counts(con)
        etag = one_row(con, "SELECT etag FROM sources WHERE source_id = ?",
                       [results[0].source_id])[0]
    articles = len(demo_articles())
    assert report.loaded == ["run-1"] and not report.skipped and not report.failed
    assert len(report.new_article_ids) == articles == stored["articles"]
    assert stored["fetches"] == sum(len(r.fetches) for r in results)
    assert etag == '"abc"'
    assert pending_batches(staging) == []
    assert (staging / LOADED_DIR / "batch-run-1.parquet").exists()
    assert _ledger(path) == [("run-1", len(SITES), articles, articles)]


def test_loading_the_same_batch_twice_is_a_no_op(staging: Path, path: Path) -> None:
    write_batch(staging, "run-1", _results())
    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        load_staged(con, staging)
        before = counts(con)
        # The same file arrives again (a retried upload, a restored folder): nothing changes,
        # not even the request log.
        shutil.copy(staging / LOADED_DIR / "batch-run-1.parquet", staging)
        again = load_staged(con, staging)
        assert counts(con) == before
    assert again.loaded == [] and again.skipped == ["run-1"]
    assert pending_batches(staging) == []
    assert len(_ledger(path)) == 1


def test_a_crash_after_the_commit_before_the_move_does_not_load_twice(
        staging: Path, path: Path) -> None:
    write_batch(staging, "run-1", _results())

    def die(batch_id: str) -> None:
        raise SystemExit(f"killed after committing {batch_id}")

    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        with pytest.raises(SystemExit):
            load_staged(con, staging, after_commit=die)
        after_crash = counts(con)
    assert [b for b, _ in pending_batches(staging)] == ["run-1"], "the file was not moved"
    with writer(path) as con:   # the next loader, in a new connection
        report = load_staged(con, staging)
        assert counts(con) == after_crash
    assert report.skipped == ["run-1"] and report.loaded == []
    assert pending_batches(staging) == []


def test_an_unreadable_batch_is_left_for_later_and_the_others_load(
        staging: Path, path: Path) -> None:
    write_batch(staging, "run-1", _results())
    (staging / "batch-broken.parquet").write_bytes(b"PAR1 not really")
    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        report = load_staged(con, staging)
    assert report.loaded == ["run-1"] and list(report.failed) == ["broken"]
    assert [b for b, _ in pending_batches(staging)] == ["broken"]
    assert [b for b, *_ in _ledger(path)] == ["run-1"]


def test_temporary_and_foreign_files_are_ignored(staging: Path, path: Path) -> None:
    write_batch(staging, "run-1", _results())
    complete = (staging / "batch-run-1.parquet").read_bytes()
    # A worker died while writing: half a file under its temporary name.
    (staging / ".batch-run-2.0123abcd.tmp").write_bytes(complete[: len(complete) // 2])
    (staging / "notes.txt").write_text("not a batch")
    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        report = load_staged(con, staging)
    assert report.loaded == ["run-1"] and not report.failed
    assert (staging / ".batch-run-2.0123abcd.tmp").exists()
    assert _ledger(path)[0][0] == "run-1" and len(_ledger(path)) == 1


def test_two_batches_with_the_same_article_store_it_once(staging: Path, path: Path) -> None:
    articles = demo_articles()
    # Two workers both scraped the first site (e.g. partitions changed between runs).
    first = results_by_source(articles)
    second = results_by_source([a for a in articles if a.source_id == first[0].source_id])
    write_batch(staging, "run-a", first)
    write_batch(staging, "run-b", second)
    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        report = load_staged(con, staging)
        stored = counts(con)
    assert sorted(report.loaded) == ["run-a", "run-b"]
    assert stored["articles"] == len(articles) == len(set(report.new_article_ids))
    assert len(report.new_article_ids) == len(articles)
    assert {b: n for b, _, _, n in _ledger(path)} == {"run-a": len(articles), "run-b": 0}


def test_state_tells_scrapers_what_the_warehouse_knows(staging: Path, path: Path) -> None:
    results = _results()
    write_batch(staging, "run-1", results)
    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        load_staged(con, staging)
        write_state(con, staging)
    state = read_state(staging)
    assert set(state) == set(SITES)
    urls, validators = state[results[0].source_id]
    assert {a.url for a in results[0].articles} <= urls
    # when each article was fetched travels too: a later <lastmod> fetches it again
    assert {a.url: a.fetched_at for a in results[0].articles}.items() <= \
        dict(urls.last_fetched).items()
    assert validators == Validators(etag='"abc"', last_modified=None)
    assert read_state(staging / "nowhere") == {}


# -- batches of runs that found the warehouse locked -----------------------------------------

def _deferred(run_id: str, warehouse: Path, articles: int = 0) -> DeferredRun:
    return DeferredRun(run_id, str(warehouse.resolve()),
                       datetime(2026, 12, 4, 19, 40, tzinfo=UTC),
                       datetime(2026, 12, 4, 19, 41, tzinfo=UTC), sources=3,
                       articles=articles, errors=1, reason="held open by another process")


def test_a_deferred_batch_carries_its_run_and_records_it_when_loaded(staging: Path,
                                                                   path: Path) -> None:
    results = _results()
    run = _deferred("run-d", path, articles=len(demo_articles()))
    write_batch(staging, "run-d", results, run)
    assert deferred_runs(staging, path) == [run]
    # A run scraping before the batch is loaded skips what it holds.
    waiting = pending_urls(staging, path)
    assert waiting == {r.source_id: {u for a in r.articles for u in (a.url, a.discovered_url)}
                       for r in results if r.articles}

    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        report = load_staged(con, staging, warehouse=path, deferred_only=True)
        rows = con.execute("SELECT run_id, status, started_at, finished_at, sources, "
                           "articles_new, matches_new, errors, loaded_at IS NOT NULL "
                           "FROM runs").fetchall()
        again = load_staged(con, staging, warehouse=path, deferred_only=True)
    assert report.loaded == report.deferred_runs == ["run-d"]
    assert rows == [("run-d", "deferred", run.started_at, run.deferred_at, 3,
                     len(demo_articles()), 0, 1, True)]
    assert again.loaded == [] and deferred_runs(staging, path) == []
    assert (staging / LOADED_DIR / "batch-run-d.parquet").is_file()


def test_only_a_batch_of_this_warehouse_is_caught_up_and_workers_batches_stay(
        staging: Path, path: Path, tmp_path: Path) -> None:
    """A staging folder may be shared (its default is relative to the working directory): a
    run never loads another warehouse's deferred batch, and a monitor run catching up leaves
    the scrape workers' batches to the loader."""
    results = _results()
    write_batch(staging, "theirs", results, _deferred("theirs", tmp_path / "other.duckdb"))
    write_batch(staging, "worker", results)
    assert deferred_runs(staging, path) == [] and pending_urls(staging, path) == {}
    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        caught_up = load_staged(con, staging, warehouse=path, deferred_only=True)
        loader = load_staged(con, staging, warehouse=path)
        stored = con.execute("SELECT count(*) FROM runs").fetchone()
    assert caught_up.loaded == [] and not caught_up.failed
    assert loader.loaded == ["worker"] and loader.deferred_runs == [] and stored == (0,)
    assert [b for b, _ in pending_batches(staging)] == ["theirs"]


def test_a_batch_keeps_the_pages_utc_offset(staging: Path) -> None:
    from dataclasses import replace
    from datetime import timedelta, timezone

    tokyo = datetime(2020, 2, 15, 7, 0, tzinfo=timezone(timedelta(hours=9)))
    results = _results()
    results[0].articles[0] = replace(results[0].articles[0], published_at=tokyo)
    write_batch(staging, "run-1", results)
    [(_, file)] = pending_batches(staging)
    [back] = [a for r in read_batch(file) for a in r.articles
              if a.article_id == results[0].articles[0].article_id]
    assert back.published_at == tokyo and back.published_at.utcoffset() == timedelta(hours=9)


def test_a_batch_written_before_the_offset_column_reads_as_utc(staging: Path) -> None:
    import pyarrow.parquet as pq

    write_batch(staging, "run-1", _results())
    [(_, file)] = pending_batches(staging)
    on_disk = staging / file.name
    pq.write_table(pq.read_table(on_disk).drop_columns(["published_offset_minutes"]), on_disk)
    articles = [a for r in read_batch(file) for a in r.articles]
    assert articles and all(a.published_at is None or a.published_at.utcoffset() is not None
                            for a in articles)
    assert [a.published_at for a in articles] == [
        a.published_at for r in _results() for a in r.articles]
