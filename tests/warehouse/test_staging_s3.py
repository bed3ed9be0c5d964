"""The staged loader on object storage: the real S3 protocol, against moto's server on
127.0.0.1 (tests/warehouse/s3_server.py). The same guarantees as a folder: a batch is seen
whole or not at all, loaded once with its ledger row, then moved to loaded/."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from core.crash_points import CRASH_AT_ENV
from core.settings import Settings
from scrapers.models import SourceResult, Validators
from tests.warehouse.builders import counts, demo_articles, results_by_source, source_configs
from tests.warehouse.s3_server import SECRET, LocalS3
from warehouse.articles import register_sources
from warehouse.connection import writer
from warehouse.staging import (
    StagedLoadReport,
    load_staged,
    pending_batches,
    read_batch,
    read_state,
    write_batch,
    write_state,
)
from warehouse.staging_store import LocalStore, S3Options, S3Store, staging_store

REPO = Path(__file__).resolve().parents[2]
SITES = ["harbour-times", "northern-ledger", "valley-courier"]


def _results() -> list[SourceResult]:
    results = results_by_source(demo_articles())
    results[0].validators = Validators(etag='"abc"', last_modified=None)
    return results


def _keys(local_s3: LocalS3, store: S3Store) -> list[str]:
    bucket = store.root.split("/")[0]
    listed = local_s3.client().list_objects_v2(Bucket=bucket).get("Contents", [])
    return sorted(o["Key"] for o in listed if not o["Key"].endswith("/"))  # not dir markers


def _ledger(path: Path) -> list[str]:
    with writer(path) as con:
        return [b for (b,) in con.execute("SELECT batch_id FROM staged_batches ORDER BY 1")
                .fetchall()]


def _load(path: Path, store: S3Store) -> tuple[StagedLoadReport, dict[str, int]]:
    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        return load_staged(con, store), counts(con)


def test_a_batch_is_written_listed_loaded_once_and_moved(
        local_s3: LocalS3, s3_store: S3Store, tmp_path: Path) -> None:
    results = _results()
    staged = write_batch(s3_store, "run-1", results)
    assert str(staged) == f"{s3_store.url}/batch-run-1.parquet"
    [(batch_id, file)] = pending_batches(s3_store)
    assert batch_id == "run-1" and read_batch(file) == results
    path = tmp_path / "wh.duckdb"
    report, stored = _load(path, s3_store)
    assert report.loaded == ["run-1"] and not report.failed
    assert stored["articles"] == len(demo_articles()) == len(report.new_article_ids)
    assert _keys(local_s3, s3_store) == ["staging/loaded/batch-run-1.parquet"]
    # The same object uploaded again (a retried upload): skipped by the ledger, moved again.
    write_batch(s3_store, "run-1", results)
    again, stored_again = _load(path, s3_store)
    assert again.skipped == ["run-1"] and again.loaded == [] and stored_again == stored
    assert _ledger(path) == ["run-1"] and pending_batches(s3_store) == []


def test_state_is_published_to_the_bucket(s3_store: S3Store, tmp_path: Path) -> None:
    assert read_state(s3_store) == {}
    results = _results()
    write_batch(s3_store, "run-1", results)
    with writer(tmp_path / "wh.duckdb") as con:
        register_sources(con, source_configs(SITES))
        load_staged(con, s3_store)
        write_state(con, s3_store)
    urls, validators = read_state(s3_store)[results[0].source_id]
    assert {a.url for a in results[0].articles} <= urls
    assert validators == Validators(etag='"abc"', last_modified=None)


def test_an_unfinished_or_aborted_multipart_upload_is_never_seen(
        local_s3: LocalS3, s3_store: S3Store, tmp_path: Path) -> None:
    """A worker that died mid-upload: parts sent, the upload never completed (or aborted)."""
    client, bucket = local_s3.client(), s3_store.root.split("/")[0]
    for batch_id, abort in (("half", False), ("aborted", True)):
        key = f"staging/batch-{batch_id}.parquet"
        upload = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        client.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1,
                           Body=b"PAR1" + b"\0" * 1000)
        if abort:
            client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
    assert [u["Key"] for u in client.list_multipart_uploads(Bucket=bucket)["Uploads"]] == \
        ["staging/batch-half.parquet"]
    write_batch(s3_store, "whole", _results())
    assert [b for b, _ in pending_batches(s3_store)] == ["whole"]
    report, _ = _load(tmp_path / "wh.duckdb", s3_store)
    assert report.loaded == ["whole"] and not report.failed and not report.skipped


def test_a_corrupt_object_is_recorded_and_skipped_while_the_others_load(
        local_s3: LocalS3, s3_store: S3Store, tmp_path: Path) -> None:
    write_batch(s3_store, "run-1", _results())
    local_s3.client().put_object(Bucket=s3_store.root.split("/")[0],
                                 Key="staging/batch-broken.parquet", Body=b"PAR1 not really")
    path = tmp_path / "wh.duckdb"
    report, _ = _load(path, s3_store)
    assert report.loaded == ["run-1"] and list(report.failed) == ["broken"]
    assert f"{s3_store.url}/batch-broken.parquet" in report.failed["broken"]
    assert [b for b, _ in pending_batches(s3_store)] == ["broken"], "left for a look"
    assert _ledger(path) == ["run-1"]


def _child(local_s3: LocalS3, store: S3Store, warehouse: Path, **extra: str
           ) -> subprocess.Popen[str]:
    env = {name: value for name, value in os.environ.items() if name != CRASH_AT_ENV}
    env.update(local_s3.environ(), NEWSWATCH_STAGING_URL=store.url, PYTHONPATH=str(REPO),
               **extra)
    return subprocess.Popen([sys.executable, "-m", "tests.warehouse.staging_s3_child",
                             str(warehouse)], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_loader_killed_between_commit_and_move_does_not_load_twice(
        local_s3: LocalS3, s3_store: S3Store, tmp_path: Path) -> None:
    write_batch(s3_store, "run-1", _results())
    path = tmp_path / "wh.duckdb"
    crashed = _child(local_s3, s3_store, path, **{CRASH_AT_ENV: "after_staged_commit"})
    _, stderr = crashed.communicate(timeout=120)
    assert crashed.returncode == -signal.SIGKILL, stderr
    assert _ledger(path) == ["run-1"], "committed with its ledger row"
    assert [b for b, _ in pending_batches(s3_store)] == ["run-1"], "not moved"
    with writer(path) as con:
        after_crash = counts(con)
    rerun = _child(local_s3, s3_store, path)
    out, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr
    report = json.loads(out)
    assert report["skipped"] == ["run-1"] and report["loaded"] == []
    with writer(path) as con:
        assert counts(con) == after_crash
    assert _keys(local_s3, s3_store) == ["staging/loaded/batch-run-1.parquet"]


def test_two_loaders_racing_on_one_bucket_load_each_batch_once(
        local_s3: LocalS3, s3_store: S3Store, tmp_path: Path) -> None:
    articles = demo_articles()
    ids = [f"worker-{i}" for i in range(6)]
    for i, batch_id in enumerate(ids):
        write_batch(s3_store, batch_id, results_by_source(articles[i::len(ids)]))
    path = tmp_path / "wh.duckdb"
    loaders = [_child(local_s3, s3_store, path) for _ in range(2)]
    reports = []
    for loader in loaders:
        out, stderr = loader.communicate(timeout=180)
        assert loader.returncode == 0, stderr
        reports.append(json.loads(out))
    loaded = [b for r in reports for b in r["loaded"]]
    assert sorted(loaded) == ids, "each batch loaded by exactly one of them"
    assert all(not r["failed"] for r in reports)
    assert _ledger(path) == ids
    with writer(path) as con:
        assert counts(con)["articles"] == len(articles)
    assert pending_batches(s3_store) == []


def test_the_staging_url_wins_and_errors_name_the_key_not_the_secret(
        local_s3: LocalS3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(staging_store(Settings(staging_dir=tmp_path / "folder")), LocalStore)
    for name, value in local_s3.environ().items():
        monkeypatch.setenv(name, value)
    store = staging_store(Settings(staging_dir=tmp_path / "folder",
                                   staging_url="s3://no-such-bucket/staging"))
    assert isinstance(store, S3Store) and store.url == "s3://no-such-bucket/staging"
    with pytest.raises(OSError) as failed:
        write_batch(store, "run-1", _results())
    assert "s3://no-such-bucket/staging/batch-run-1.parquet" in str(failed.value)
    assert SECRET not in str(failed.value) and SECRET not in repr(Settings(
        s3_secret_access_key=SecretStr(SECRET)))
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        Settings(staging_url="gs://elsewhere/staging")
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        S3Store("s3://", S3Options())
