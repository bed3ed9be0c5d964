"""Staged batches: scrape workers write Parquet files, one loader puts them in DuckDB.

DuckDB lets one process write the file, so workers that scrape in parallel (on this machine or
others) never open the warehouse. Each scrape run writes ONE object to the staging area, a
folder or an S3 prefix (`warehouse/staging_store.py`; the format: `staging_format.py`):

    <staging>/batch-<batch_id>.parquet     complete batches, ready to load
    <staging>/.batch-<batch_id>.*.tmp      being written to a folder (ignored; renamed when
                                           complete); on S3 an upload is invisible until done
    <staging>/loaded/batch-<id>.parquet    loaded (kept for audit; prune as you like)
    <staging>/state.parquet                what the scrapers should skip (written by the loader)

A monitor run that found the warehouse locked leaves its results here too, as a batch that
carries its run record (`DeferredRun`, in the file's metadata, naming its warehouse); whoever
loads the batch writes that run's row in `runs` with status `deferred`. An area may be shared
(the default folder is relative to the working directory): a deferred batch is only ever
loaded into the warehouse it names.

The loader loads each batch in ONE transaction together with its row in `staged_batches`
(batch_id PRIMARY KEY), then moves it to `loaded/`. A crash between the commit and the
move leaves the batch behind; the next loader finds its id in the ledger and only moves it.
Two batches carrying the same article store it once (articles are upserted by id).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from core.crash_points import crash_point
from scrapers.models import FetchRecord, KnownUrls, SourceResult, Validators
from warehouse.articles import LoadReport, load_results, source_states
from warehouse.staging_format import (
    BATCH_SCHEMA,
    STATE_SCHEMA,
    DeferredRun,
    batch_table,
    deferral_of,
    results_of,
)
from warehouse.staging_store import LOADED_DIR, StagedFile, Staging, as_store

__all__ = ["BATCH_SCHEMA", "LOADED_DIR", "STATE_FILE", "DeferredRun", "StagedFile",
           "StagedLoadReport", "StagedSource", "deferred_runs", "load_staged", "pending_batches",
           "pending_urls", "read_batch", "read_state", "write_batch", "write_state"]

BATCH_PATTERN = re.compile(r"^batch-([A-Za-z0-9_-]{1,128})\.parquet$")
STATE_FILE = "state.parquet"
# Errors that mean "this batch cannot be read or loaded now": recorded, left for next time.
_BATCH_ERRORS = (OSError, pa.ArrowException, duckdb.Error, ValueError, KeyError, TypeError)


@dataclass
class StagedSource:
    """What one source's part of the batches loaded now brought, summed over those batches:
    the loader's per-source line, as the monitor run shows it from its scrape."""

    source_id: str
    batches: int = 0
    entries_seen: int = 0
    new_articles: int = 0        # stored now for the first time
    skipped_known: int = 0
    errors: list[FetchRecord] = field(default_factory=list)
    not_modified: int = 0        # batches whose feed answered 304

    def add(self, result: SourceResult, new_ids: set[str]) -> None:
        self.batches += 1
        self.entries_seen += result.entries_seen
        self.new_articles += sum(1 for a in result.articles if a.article_id in new_ids)
        self.skipped_known += result.skipped_known
        self.errors += result.errors
        self.not_modified += any(f.outcome == "not_modified" for f in result.fetches)


@dataclass
class StagedLoadReport:
    loaded: list[str] = field(default_factory=list)       # batch ids loaded now
    skipped: list[str] = field(default_factory=list)      # already in the ledger: only moved
    failed: dict[str, str] = field(default_factory=dict)  # batch id -> error (batch left)
    new_article_ids: list[str] = field(default_factory=list)
    updated_article_ids: list[str] = field(default_factory=list)
    new_stories: int = 0
    deferred_runs: list[str] = field(default_factory=list)  # the deferred monitor runs among them
    # per source of the batches loaded now (skipped and failed batches add nothing)
    by_source: dict[str, StagedSource] = field(default_factory=dict)

    @property
    def sources(self) -> int:
        """The distinct sources in the batches loaded now."""
        return len(self.by_source)

    def add_batch(self, results: list[SourceResult], loaded: LoadReport) -> None:
        new_ids = set(loaded.new_article_ids)
        for result in results:
            tally = self.by_source.setdefault(result.source_id, StagedSource(result.source_id))
            tally.add(result, new_ids)


# -- writing (scrape workers) ----------------------------------------------------------------

def write_batch(where: Staging, batch_id: str, results: list[SourceResult],
                deferred: DeferredRun | None = None) -> StagedFile:
    """Write one batch atomically (a folder: temporary name, then rename; S3: one upload under
    the final key), so the loader never sees half of it. `deferred`: the batch of a monitor
    run that found the warehouse locked. Returns where it went."""
    name = f"batch-{batch_id}.parquet"
    if not BATCH_PATTERN.match(name):
        raise ValueError(f"bad batch id {batch_id!r}")
    store = as_store(where)
    store.put(name, _parquet(batch_table(results, deferred), compression="zstd"))
    return StagedFile(store, name)


def _parquet(table: pa.Table, **options: str) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **options)
    return bytes(sink.getvalue())


# -- reading ---------------------------------------------------------------------------------

def pending_batches(where: Staging) -> list[tuple[str, StagedFile]]:
    """Complete batches waiting in the area, oldest first. Temporary files are ignored."""
    store = as_store(where)
    found = []
    for mtime, name in store.names():
        match = BATCH_PATTERN.match(name)
        if match:
            found.append((mtime, match.group(1), name))
    return [(batch_id, StagedFile(store, name)) for _, batch_id, name in sorted(found)]


def _staged(file: StagedFile | Path) -> StagedFile:
    return file if isinstance(file, StagedFile) else StagedFile(as_store(file.parent), file.name)


def read_deferral(file: StagedFile | Path) -> DeferredRun | None:
    """The run record a deferred monitor run left in its batch; None for a worker's batch."""
    staged = _staged(file)
    with staged.store.open(staged.name) as source:
        return deferral_of(pq.read_schema(source))


def deferred_batches(where: Staging, warehouse: Path
                     ) -> list[tuple[str, StagedFile, DeferredRun]]:
    """The batches runs on `warehouse` kept for its lock, oldest first: (id, file, run)."""
    found = []
    for batch_id, file in pending_batches(where):
        try:
            run = read_deferral(file)
        except (OSError, pa.ArrowException, ValueError, TypeError):  # moved away meanwhile
            continue
        if run is not None and run.belongs_to(warehouse):
            found.append((batch_id, file, run))
    return found


def deferred_runs(where: Staging, warehouse: Path) -> list[DeferredRun]:
    """The deferred runs of `warehouse` whose batches wait in the area (`newswatch outbox`)."""
    return [run for _, _, run in deferred_batches(where, warehouse)]


def pending_urls(where: Staging, warehouse: Path) -> dict[str, set[str]]:
    """Per source, the article URLs in `warehouse`'s deferred batches: a run that scrapes
    before they are loaded need not download them again."""
    urls: dict[str, set[str]] = {}
    for _, file, _ in deferred_batches(where, warehouse):
        try:
            with file.store.open(file.name) as source:
                rows = pq.read_table(source, columns=["record", "source_id", "url",
                                                      "discovered_url"]).to_pylist()
        except (OSError, pa.ArrowException):
            continue
        for row in rows:
            if row["record"] == "article":
                known = urls.setdefault(row["source_id"], set())
                known.update(u for u in (row["url"], row["discovered_url"]) if u)
    return urls


def read_batch(file: StagedFile | Path) -> list[SourceResult]:
    staged = _staged(file)
    with staged.store.open(staged.name) as source:
        # A batch from an older worker lacks the columns added since: read as null.
        return results_of(pq.read_table(source, schema=BATCH_SCHEMA).to_pylist())


# -- loading (the single loader) -------------------------------------------------------------

def is_loaded(con: duckdb.DuckDBPyConnection, batch_id: str) -> bool:
    return con.execute("SELECT 1 FROM staged_batches WHERE batch_id = ?",
                       [batch_id]).fetchone() is not None


def load_batch(con: duckdb.DuckDBPyConnection, batch_id: str, results: list[SourceResult],
               deferred: DeferredRun | None = None) -> LoadReport | None:
    """Load one batch and its ledger row (and a deferred run's row in `runs`) in one
    transaction. None if it was loaded before."""
    if is_loaded(con, batch_id):
        return None
    articles = len({a.article_id for r in results for a in r.articles})

    def ledger(con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
        # PRIMARY KEY: a second loader racing on the same batch fails here and rolls back.
        now = datetime.now(UTC)
        con.execute("INSERT INTO staged_batches VALUES (?, ?, ?, ?, ?)",
                    [batch_id, now, len(results), articles, len(report.new_article_ids)])
        if deferred is not None:
            con.execute(
                """INSERT INTO runs (run_id, started_at, finished_at, sources, articles_new,
                                     matches_new, alerts_sent, errors, status, loaded_at)
                   VALUES (?, ?, ?, ?, ?, 0, 0, ?, 'deferred', ?) ON CONFLICT DO NOTHING""",
                [deferred.run_id, deferred.started_at, deferred.deferred_at, deferred.sources,
                 len(report.new_article_ids), deferred.errors, now])

    return load_results(con, batch_id, results, before_commit=ledger)



def load_staged(con: duckdb.DuckDBPyConnection, where: Staging,
                after_commit: Callable[[str], None] | None = None, *,
                warehouse: Path | None = None, deferred_only: bool = False) -> StagedLoadReport:
    """Load every complete batch in the area, each in its own transaction, then move it to
    `loaded/`. A batch that fails to load stays where it is and is retried next time. With
    `warehouse`, deferred batches of other warehouses are left alone; `deferred_only` leaves
    the scrape workers' batches too (a monitor run catching up loads only its own kind).
    `after_commit(batch_id)` is a hook for fault tests (called between commit and move)."""
    report = StagedLoadReport()
    for batch_id, file in pending_batches(where):
        try:
            deferred = read_deferral(file)
            if (deferred is None and deferred_only) or (
                    deferred is not None and warehouse is not None
                    and not deferred.belongs_to(warehouse)):
                continue
            results = read_batch(file)
            loaded = load_batch(con, batch_id, results, deferred)
        except _BATCH_ERRORS as exc:
            if not file.store.exists(file.name):
                continue    # another loader loaded and moved it after we listed it
            report.failed[batch_id] = f"{file}: {type(exc).__name__}: {exc}"
            continue
        if loaded is None:
            report.skipped.append(batch_id)
        else:
            report.loaded.append(batch_id)
            report.new_article_ids += loaded.new_article_ids
            report.updated_article_ids += loaded.updated_article_ids
            report.new_stories += loaded.new_stories
            report.add_batch(results, loaded)
            if deferred is not None:
                report.deferred_runs.append(deferred.run_id)
        if after_commit is not None:
            after_commit(batch_id)
        crash_point("after_staged_commit")   # fault tests: in the ledger, not moved yet
        _move_loaded(file)
    return report


def _move_loaded(file: StagedFile) -> None:
    # Another loader may have moved it first: the ledger already holds it.
    with contextlib.suppress(FileNotFoundError):
        file.store.move_to_loaded(file.name)


# -- state for the scrapers ------------------------------------------------------------------

def write_state(con: duckdb.DuckDBPyConnection, where: Staging) -> StagedFile:
    """What each source's scraper may skip (known URLs) and its feed validators, so workers
    that cannot open the warehouse still make conditional, incremental requests. Stale state
    only costs downloads: the loader stores each article once anyway. Published like a batch:
    whole or not at all."""
    rows = []
    ids = [row[0] for row in con.execute("SELECT source_id FROM sources ORDER BY 1").fetchall()]
    for source_id, (urls, validators) in source_states(con, ids).items():
        ordered = sorted(urls)
        rows.append({"source_id": source_id, "known_urls": ordered,
                     "etag": validators.etag if validators else None,
                     "last_modified": validators.last_modified if validators else None,
                     "last_fetched": [urls.last_fetched.get(u) for u in ordered]})
    store = as_store(where)
    store.put(STATE_FILE, _parquet(pa.Table.from_pylist(rows, schema=STATE_SCHEMA)))
    return StagedFile(store, STATE_FILE)


def read_state(where: Staging) -> dict[str, tuple[KnownUrls, Validators | None]]:
    store = as_store(where)
    if not store.exists(STATE_FILE):
        return {}
    out = {}
    with store.open(STATE_FILE) as source:
        table = pq.read_table(source)
    for row in table.to_pylist():   # files written before last_fetched load too
        validators = (Validators(row["etag"], row["last_modified"])
                      if row["etag"] or row["last_modified"] else None)
        urls = row["known_urls"] or []
        fetched = row.get("last_fetched") or [None] * len(urls)
        out[row["source_id"]] = (KnownUrls(urls, {u: t for u, t in zip(urls, fetched, strict=True)
                                                  if t is not None}), validators)
    return out
