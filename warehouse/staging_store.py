"""Where staged batches live: a local (or mounted) folder, or a prefix in an S3 bucket.

`warehouse/staging.py` keeps one implementation of writing, listing, loading and moving
batches; this module gives it the few operations that differ between a folder and object
storage. Both keep the guarantee the loader relies on: an object is seen complete or not at all.

- A folder: write a temporary name, fsync, rename (atomic on POSIX file systems, NFS included).
- S3 (any S3-compatible store, through pyarrow's S3 filesystem): the whole object is built in
  memory and sent under its final key; the store shows it only once the PUT (or a multipart
  upload, for big objects) has completed, so a worker that dies mid-upload leaves nothing the
  loader lists. A move is a copy to `loaded/` and a delete.

`NEWSWATCH_STAGING_URL` (`s3://bucket/prefix` or a path) wins over `NEWSWATCH_STAGING_DIR`.
The endpoint, region and credentials come from the settings (`NEWSWATCH_S3_*`) or the usual
AWS variables; they are never written into messages (those name the bucket and key only).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.fs as pafs

from core.settings import Settings

LOADED_DIR = "loaded"


class StagingStore(Protocol):
    """The staging area's objects, by name (`batch-….parquet`, `loaded/…`, `state.parquet`)."""

    url: str    # the folder or s3://bucket/prefix, for messages

    def put(self, name: str, data: bytes) -> None:
        """Store `data` under `name` so that readers see all of it or nothing."""

    def names(self) -> list[tuple[float, str]]:
        """(modification time, name) of the objects directly in the area (not `loaded/`)."""

    def open(self, name: str) -> pa.NativeFile:
        """A random-access reader (Parquet reads the footer first). FileNotFoundError if gone."""

    def exists(self, name: str) -> bool: ...

    def move_to_loaded(self, name: str) -> None:
        """Put a loaded batch under `loaded/` (kept for audit)."""

    def where(self, name: str) -> str:
        """The object's path or s3:// URL, for messages."""


@dataclass(frozen=True)
class StagedFile:
    """One object in a staging area: what `pending_batches` lists and `write_batch` returns."""

    store: StagingStore
    name: str

    def __str__(self) -> str:
        return self.store.where(self.name)


class LocalStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.url = str(folder)

    def put(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / name
        temp = self.folder / f".{final.stem}.{uuid.uuid4().hex}.tmp"
        try:
            with temp.open("wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, final)
        finally:
            temp.unlink(missing_ok=True)

    def names(self) -> list[tuple[float, str]]:
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.iterdir():
            try:
                if path.is_file():
                    found.append((path.stat().st_mtime, path.name))
            except FileNotFoundError:   # moved by another loader meanwhile
                continue
        return found

    def open(self, name: str) -> pa.NativeFile:
        return pa.OSFile(str(self.folder / name))

    def exists(self, name: str) -> bool:
        return (self.folder / name).is_file()

    def move_to_loaded(self, name: str) -> None:
        done = self.folder / LOADED_DIR
        done.mkdir(parents=True, exist_ok=True)
        os.replace(self.folder / name, done / name)

    def where(self, name: str) -> str:
        return str(self.folder / name)


@dataclass(frozen=True)
class S3Options:
    """How to reach the store. Unset values fall back to the AWS variables; the region to
    us-east-1 (S3-compatible stores mostly ignore it). Credentials left unset come from
    AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, then the AWS SDK's own
    chain (profile files, instance metadata)."""

    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Options:
        secret, token = settings.s3_secret_access_key, settings.s3_session_token
        return cls(settings.s3_endpoint_url, settings.s3_region, settings.s3_access_key_id,
                   secret.get_secret_value() if secret else None,
                   token.get_secret_value() if token else None)

    def filesystem(self) -> pafs.S3FileSystem:
        env = os.environ.get
        endpoint = (self.endpoint_url or env("AWS_ENDPOINT_URL_S3")
                    or env("AWS_ENDPOINT_URL"))
        # Always a region: left to the SDK, it may ask the instance metadata service.
        region = self.region or env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "us-east-1"
        extra: dict[str, str] = {}
        if endpoint:
            parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
            extra = {"scheme": parts.scheme, "endpoint_override": parts.netloc + parts.path}
        key = self.access_key_id or env("AWS_ACCESS_KEY_ID")
        secret = self.secret_access_key or env("AWS_SECRET_ACCESS_KEY")
        token = self.session_token or env("AWS_SESSION_TOKEN")
        if key and secret:
            return pafs.S3FileSystem(access_key=key, secret_key=secret, session_token=token,
                                     region=region, **extra)
        return pafs.S3FileSystem(region=region, **extra)


class S3Store:
    def __init__(self, url: str, options: S3Options | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"{url!r} is not an s3://bucket/prefix URL")
        self.url = url.rstrip("/")
        self.root = f"{parts.netloc}/{parts.path.strip('/')}".rstrip("/")
        self.fs = (options or S3Options()).filesystem()

    def _key(self, name: str) -> str:
        return f"{self.root}/{name}"

    def put(self, name: str, data: bytes) -> None:
        # One stream per object, closed only after every byte is written: pyarrow then sends a
        # single PUT (or completes the multipart upload of a big object). Not a `with` block:
        # closing after a failed write would complete an upload that is missing its tail.
        try:
            out = self.fs.open_output_stream(self._key(name))
            out.write(data)
            out.close()
        except OSError as exc:
            raise OSError(f"could not upload {self.where(name)}: {exc}") from exc

    def names(self) -> list[tuple[float, str]]:
        infos = self.fs.get_file_info(pafs.FileSelector(self.root, recursive=False,
                                                        allow_not_found=True))
        return [(info.mtime.timestamp() if info.mtime else 0.0, info.base_name)
                for info in infos if info.type == pafs.FileType.File]

    def open(self, name: str) -> pa.NativeFile:
        return self.fs.open_input_file(self._key(name))

    def exists(self, name: str) -> bool:
        return self.fs.get_file_info(self._key(name)).type == pafs.FileType.File

    def move_to_loaded(self, name: str) -> None:
        self.fs.move(self._key(name), self._key(f"{LOADED_DIR}/{name}"))   # copy + delete

    def where(self, name: str) -> str:
        return f"{self.url}/{name}"


Staging = Path | str | StagingStore


def as_store(where: Staging, options: S3Options | None = None) -> StagingStore:
    """A folder (Path or path string) or an s3:// URL as a store; a store as itself."""
    if isinstance(where, Path):
        return LocalStore(where)
    if isinstance(where, str):
        if where.startswith("s3://"):
            return S3Store(where, options)
        if "://" in where:
            raise ValueError(f"staging location {where!r}: use a path or s3://bucket/prefix")
        return LocalStore(Path(where))
    return where


def staging_store(settings: Settings) -> StagingStore:
    """The staging area the settings name: NEWSWATCH_STAGING_URL if set (a path or
    s3://bucket/prefix), else the folder NEWSWATCH_STAGING_DIR."""
    if settings.staging_url:
        return as_store(settings.staging_url, S3Options.from_settings(settings))
    return LocalStore(settings.staging_dir)
