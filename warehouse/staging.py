"""Staged batches: scrape workers write Parquet files, one loader puts them in DuckDB.

DuckDB lets one process write the file, so workers that scrape in parallel (on this machine or
others) never open the warehouse. Each scrape run writes ONE file to the staging folder:

    <staging>/batch-<batch_id>.parquet     complete batches, ready to load
    <staging>/.batch-<batch_id>.*.tmp      being written (ignored; renamed when complete)
    <staging>/loaded/batch-<id>.parquet    loaded (kept for audit; prune as you like)
    <staging>/state.parquet                what the scrapers should skip (written by the loader)

A batch file holds every record of the run, one row each, told apart by `record`:
`source` (validators and counters of one source), `article`, `fetch` (the request log).
A monitor run that found the warehouse locked leaves its results here too, as a batch that
carries its run record (`DeferredRun`, in the file's metadata, naming its warehouse); whoever
loads the batch writes that run's row in `runs` with status `deferred`. A folder may be shared
(the default is relative to the working directory): a deferred batch is only ever loaded into
the warehouse it names.

The loader loads each batch in ONE transaction together with its row in `staged_batches`
(batch_id PRIMARY KEY), then moves the file to `loaded/`. A crash between the commit and the
move leaves the file behind; the next loader finds its id in the ledger and only moves it.
Two batches carrying the same article store it once (articles are upserted by id).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from scrapers.models import Article, FetchRecord, KnownUrls, SourceResult, Validators
from warehouse.articles import LoadReport, load_results, source_state

BATCH_PATTERN = re.compile(r"^batch-([A-Za-z0-9_-]{1,128})\.parquet$")
LOADED_DIR = "loaded"
STATE_FILE = "state.parquet"

_TIME = pa.timestamp("us", tz="UTC")
_TEXTS = pa.list_(pa.string())
BATCH_SCHEMA = pa.schema([
    ("record", pa.string()), ("source_id", pa.string()), ("seq", pa.int32()),
    # record = source
    ("entries_seen", pa.int32()), ("skipped_known", pa.int32()),
    ("has_validators", pa.bool_()), ("etag", pa.string()), ("last_modified", pa.string()),
    # record = article
    ("article_id", pa.string()), ("url", pa.string()), ("discovered_url", pa.string()),
    ("title", pa.string()), ("authors", _TEXTS), ("published_at", _TIME),
    ("updated_at", _TIME), ("fetched_at", _TIME), ("language", pa.string()),
    ("section", pa.string()), ("tags", _TEXTS), ("summary", pa.string()),
    ("body", pa.string()), ("word_count", pa.int32()), ("content_hash", pa.string()),
    # record = fetch (url above)
    ("fetch_kind", pa.string()), ("outcome", pa.string()), ("status_code", pa.int32()),
    ("bytes", pa.int64()), ("elapsed_ms", pa.float64()), ("error_class", pa.string()),
    ("transient", pa.bool_()), ("message", pa.string()), ("final_url", pa.string()),
    ("redirects", pa.int32()), ("attempts", pa.int32()),
])
_STATE_SCHEMA = pa.schema([("source_id", pa.string()), ("known_urls", _TEXTS),
                           ("etag", pa.string()), ("last_modified", pa.string()),
                           # when each known URL's article was last fetched (null: not stored)
                           ("last_fetched", pa.list_(_TIME))])


_DEFERRED_KEY = b"newswatch.deferred_run"


@dataclass(frozen=True)
class DeferredRun:
    """A monitor run that could not open the warehouse: kept with its batch until loaded."""

    run_id: str
    warehouse: str           # the absolute path of the warehouse it belongs to
    started_at: datetime
    deferred_at: datetime
    sources: int
    articles: int
    errors: int
    reason: str

    def belongs_to(self, warehouse: Path) -> bool:
        return self.warehouse == str(warehouse.resolve())

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), default=datetime.isoformat).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> DeferredRun:
        data = json.loads(raw)
        for key in ("started_at", "deferred_at"):
            data[key] = datetime.fromisoformat(data[key])
        return cls(**data)


@dataclass
class StagedLoadReport:
    loaded: list[str] = field(default_factory=list)       # batch ids loaded now
    skipped: list[str] = field(default_factory=list)      # already in the ledger: only moved
    failed: dict[str, str] = field(default_factory=dict)  # batch id -> error (file left)
    new_article_ids: list[str] = field(default_factory=list)
    updated_article_ids: list[str] = field(default_factory=list)
    new_stories: int = 0
    sources: int = 0                                      # sources in the batches loaded now
    deferred_runs: list[str] = field(default_factory=list)  # the deferred monitor runs among them


# -- writing (scrape workers) ----------------------------------------------------------------

def write_batch(staging_dir: Path, batch_id: str, results: list[SourceResult],
                deferred: DeferredRun | None = None) -> Path:
    """Write one batch atomically: a temporary name first, then a rename, so the loader never
    sees half a file. `deferred`: the batch of a monitor run that found the warehouse locked.
    Returns the final path."""
    if not BATCH_PATTERN.match(f"batch-{batch_id}.parquet"):
        raise ValueError(f"bad batch id {batch_id!r}")
    staging_dir.mkdir(parents=True, exist_ok=True)
    final = staging_dir / f"batch-{batch_id}.parquet"
    temp = staging_dir / f".batch-{batch_id}.{uuid.uuid4().hex}.tmp"
    schema = (BATCH_SCHEMA if deferred is None
              else BATCH_SCHEMA.with_metadata({_DEFERRED_KEY: deferred.to_json()}))
    table = pa.Table.from_pylist(_rows(results), schema=schema)
    try:
        with temp.open("wb") as out:
            pq.write_table(table, out, compression="zstd")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    return final


def _rows(results: list[SourceResult]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for r in results:
        v = r.validators
        rows.append({"record": "source", "source_id": r.source_id, "seq": 0,
                     "entries_seen": r.entries_seen, "skipped_known": r.skipped_known,
                     "has_validators": v is not None, "etag": v.etag if v else None,
                     "last_modified": v.last_modified if v else None})
        for i, a in enumerate(r.articles):
            rows.append({"record": "article", "source_id": r.source_id, "seq": i,
                         "article_id": a.article_id, "url": a.url,
                         "discovered_url": a.discovered_url, "title": a.title,
                         "authors": list(a.authors), "published_at": a.published_at,
                         "updated_at": a.updated_at, "fetched_at": a.fetched_at,
                         "language": a.language, "section": a.section, "tags": list(a.tags),
                         "summary": a.summary, "body": a.body, "word_count": a.word_count,
                         "content_hash": a.content_hash})
        for i, f in enumerate(r.fetches):
            rows.append({"record": "fetch", "source_id": r.source_id, "seq": i, "url": f.url,
                         "fetch_kind": f.kind, "outcome": f.outcome,
                         "status_code": f.status_code, "bytes": f.bytes,
                         "elapsed_ms": f.elapsed_ms, "error_class": f.error_class,
                         "transient": f.transient, "message": f.message,
                         "final_url": f.final_url, "redirects": f.redirects,
                         "attempts": f.attempts})
    return rows


# -- reading ---------------------------------------------------------------------------------

def pending_batches(staging_dir: Path) -> list[tuple[str, Path]]:
    """Complete batches waiting in the folder, oldest first. Temporary files are ignored."""
    if not staging_dir.is_dir():
        return []
    found = []
    for path in staging_dir.iterdir():
        match = BATCH_PATTERN.match(path.name)
        if match and path.is_file():
            found.append((path.stat().st_mtime, match.group(1), path))
    return [(batch_id, path) for _, batch_id, path in sorted(found)]


def read_deferral(path: Path) -> DeferredRun | None:
    """The run record a deferred monitor run left in its batch; None for a worker's batch."""
    raw = (pq.read_schema(path).metadata or {}).get(_DEFERRED_KEY)
    return DeferredRun.from_json(raw) if raw else None


def deferred_batches(staging_dir: Path, warehouse: Path
                     ) -> list[tuple[str, Path, DeferredRun]]:
    """The batches runs on `warehouse` kept for its lock, oldest first: (id, path, run)."""
    found = []
    for batch_id, path in pending_batches(staging_dir):
        try:
            run = read_deferral(path)
        except (OSError, pa.ArrowException, ValueError, TypeError):  # moved away meanwhile
            continue
        if run is not None and run.belongs_to(warehouse):
            found.append((batch_id, path, run))
    return found


def deferred_runs(staging_dir: Path, warehouse: Path) -> list[DeferredRun]:
    """The deferred runs of `warehouse` whose batches wait in the folder (`newswatch outbox`)."""
    return [run for _, _, run in deferred_batches(staging_dir, warehouse)]


def pending_urls(staging_dir: Path, warehouse: Path) -> dict[str, set[str]]:
    """Per source, the article URLs in `warehouse`'s deferred batches: a run that scrapes
    before they are loaded need not download them again."""
    urls: dict[str, set[str]] = {}
    for _, path, _ in deferred_batches(staging_dir, warehouse):
        try:
            rows = pq.read_table(path, columns=["record", "source_id", "url", "discovered_url"]
                                 ).to_pylist()
        except (OSError, pa.ArrowException):
            continue
        for row in rows:
            if row["record"] == "article":
                known = urls.setdefault(row["source_id"], set())
                known.update(u for u in (row["url"], row["discovered_url"]) if u)
    return urls


def read_batch(path: Path) -> list[SourceResult]:
    results: dict[str, SourceResult] = {}
    rows = pq.read_table(path, schema=BATCH_SCHEMA).to_pylist()
    for row in rows:
        if row["record"] == "source":
            validators = (Validators(row["etag"], row["last_modified"])
                          if row["has_validators"] else None)
            results[row["source_id"]] = SourceResult(
                source_id=row["source_id"], validators=validators,
                entries_seen=row["entries_seen"] or 0, skipped_known=row["skipped_known"] or 0)
    for row in sorted(rows, key=lambda r: (r["record"], r["source_id"], r["seq"])):
        result = results.setdefault(row["source_id"], SourceResult(source_id=row["source_id"]))
        if row["record"] == "article":
            result.articles.append(Article(
                article_id=row["article_id"], source_id=row["source_id"], url=row["url"],
                discovered_url=row["discovered_url"], title=row["title"],
                authors=tuple(row["authors"] or ()), published_at=row["published_at"],
                updated_at=row["updated_at"], fetched_at=row["fetched_at"],
                language=row["language"], section=row["section"],
                tags=tuple(row["tags"] or ()), summary=row["summary"], body=row["body"],
                word_count=row["word_count"], content_hash=row["content_hash"]))
        elif row["record"] == "fetch":
            result.fetches.append(FetchRecord(
                url=row["url"], kind=row["fetch_kind"], outcome=row["outcome"],
                status_code=row["status_code"], bytes=row["bytes"] or 0,
                elapsed_ms=row["elapsed_ms"] or 0.0, error_class=row["error_class"],
                transient=row["transient"], message=row["message"],
                # Batches written before these columns existed lack them.
                final_url=row.get("final_url"), redirects=row.get("redirects") or 0,
                attempts=row.get("attempts") or 1))
    return list(results.values())


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


def load_staged(con: duckdb.DuckDBPyConnection, staging_dir: Path,
                after_commit: Callable[[str], None] | None = None, *,
                warehouse: Path | None = None, deferred_only: bool = False) -> StagedLoadReport:
    """Load every complete batch in the folder, each in its own transaction, then move it to
    `loaded/`. A batch that fails to load stays where it is and is retried next time. With
    `warehouse`, deferred batches of other warehouses are left alone; `deferred_only` leaves
    the scrape workers' batches too (a monitor run catching up loads only its own kind).
    `after_commit(batch_id)` is a hook for fault tests (called between commit and move)."""
    report = StagedLoadReport()
    for batch_id, path in pending_batches(staging_dir):
        try:
            deferred = read_deferral(path)
            if (deferred is None and deferred_only) or (
                    deferred is not None and warehouse is not None
                    and not deferred.belongs_to(warehouse)):
                continue
            results = read_batch(path)
            loaded = load_batch(con, batch_id, results, deferred)
        except (OSError, pa.ArrowException, duckdb.Error, ValueError, KeyError,
                TypeError) as exc:
            report.failed[batch_id] = f"{type(exc).__name__}: {exc}"
            continue
        if loaded is None:
            report.skipped.append(batch_id)
        else:
            report.loaded.append(batch_id)
            report.new_article_ids += loaded.new_article_ids
            report.updated_article_ids += loaded.updated_article_ids
            report.new_stories += loaded.new_stories
            report.sources += len(results)
            if deferred is not None:
                report.deferred_runs.append(deferred.run_id)
        if after_commit is not None:
            after_commit(batch_id)
        _move_loaded(staging_dir, path)
    return report


def _move_loaded(staging_dir: Path, path: Path) -> None:
    done = staging_dir / LOADED_DIR
    done.mkdir(parents=True, exist_ok=True)
    os.replace(path, done / path.name)


# -- state for the scrapers ------------------------------------------------------------------

def write_state(con: duckdb.DuckDBPyConnection, staging_dir: Path) -> Path:
    """What each source's scraper may skip (known URLs) and its feed validators, so workers
    that cannot open the warehouse still make conditional, incremental requests. Stale state
    only costs downloads: the loader stores each article once anyway."""
    rows = []
    for (source_id,) in con.execute("SELECT source_id FROM sources ORDER BY 1").fetchall():
        urls, validators = source_state(con, source_id)
        ordered = sorted(urls)
        rows.append({"source_id": source_id, "known_urls": ordered,
                     "etag": validators.etag if validators else None,
                     "last_modified": validators.last_modified if validators else None,
                     "last_fetched": [urls.last_fetched.get(u) for u in ordered]})
    staging_dir.mkdir(parents=True, exist_ok=True)
    final = staging_dir / STATE_FILE
    temp = staging_dir / f".state.{uuid.uuid4().hex}.tmp"
    try:
        pq.write_table(pa.Table.from_pylist(rows, schema=_STATE_SCHEMA), temp)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    return final


def read_state(staging_dir: Path) -> dict[str, tuple[KnownUrls, Validators | None]]:
    path = staging_dir / STATE_FILE
    if not path.exists():
        return {}
    out = {}
    for row in pq.read_table(path).to_pylist():   # files written before last_fetched load too
        validators = (Validators(row["etag"], row["last_modified"])
                      if row["etag"] or row["last_modified"] else None)
        urls = row["known_urls"] or []
        fetched = row.get("last_fetched") or [None] * len(urls)
        out[row["source_id"]] = (KnownUrls(urls, {u: t for u, t in zip(urls, fetched, strict=True)
                                                  if t is not None}), validators)
    return out
