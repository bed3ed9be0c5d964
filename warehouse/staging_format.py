"""The Parquet format of a staged batch and of the scrapers' state file.

A batch holds every record of one run, one row each, told apart by `record`: `source`
(validators and counters of one source), `article`, `fetch` (the request log). A deferred
monitor run's record (`DeferredRun`) travels in the file's schema metadata.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from scrapers.models import Article, FetchRecord, SourceResult, Validators
from warehouse.evaluation import in_own_offset, offset_minutes

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
    # the page's own UTC offset (a Parquet timestamp keeps only the instant); absent in batches
    # written before it existed, read as null
    ("published_offset_minutes", pa.int16()), ("updated_at", _TIME), ("fetched_at", _TIME),
    ("language", pa.string()),
    ("section", pa.string()), ("tags", _TEXTS), ("summary", pa.string()),
    ("body", pa.string()), ("word_count", pa.int32()), ("content_hash", pa.string()),
    # record = fetch (url above)
    ("fetch_kind", pa.string()), ("outcome", pa.string()), ("status_code", pa.int32()),
    ("bytes", pa.int64()), ("elapsed_ms", pa.float64()), ("error_class", pa.string()),
    ("transient", pa.bool_()), ("message", pa.string()), ("final_url", pa.string()),
    ("redirects", pa.int32()), ("attempts", pa.int32()),
])
STATE_SCHEMA = pa.schema([("source_id", pa.string()), ("known_urls", _TEXTS),
                           ("etag", pa.string()), ("last_modified", pa.string()),
                           # when each known URL's article was last fetched (null: not stored)
                           ("last_fetched", pa.list_(_TIME))])


DEFERRED_KEY = b"newswatch.deferred_run"


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



def batch_table(results: list[SourceResult], deferred: DeferredRun | None = None) -> pa.Table:
    schema = (BATCH_SCHEMA if deferred is None
              else BATCH_SCHEMA.with_metadata({DEFERRED_KEY: deferred.to_json()}))
    return pa.Table.from_pylist(_rows(results), schema=schema)


def deferral_of(schema: pa.Schema) -> DeferredRun | None:
    raw = (schema.metadata or {}).get(DEFERRED_KEY)
    return DeferredRun.from_json(raw) if raw else None


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
                         "published_offset_minutes": offset_minutes(a.published_at),
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


def results_of(rows: list[dict[str, Any]]) -> list[SourceResult]:
    """A batch's rows back as the run's SourceResults."""
    results: dict[str, SourceResult] = {}
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
                authors=tuple(row["authors"] or ()),
                published_at=in_own_offset(row["published_at"],
                                           row.get("published_offset_minutes")),
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
