"""Typed models passed between scraping stages and on to the warehouse."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SourceKind = Literal["feed"]


class SourceConfig(BaseModel):
    """One entry of config/sources.yaml. Unknown keys are errors: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
                    description="Short stable name, used in the warehouse and in rules.")
    name: str | None = Field(default=None, description="Display name in alerts; defaults to id.")
    kind: SourceKind = Field(default="feed", description="feed: RSS, Atom or JSON Feed.")
    url: str = Field(description="Address of the feed.")
    language: str | None = Field(default=None, description="ISO 639-1 code, e.g. en.")
    max_articles: int = Field(default=50, ge=1, le=10_000,
                              description="Most new articles fetched from this source per run.")
    enabled: bool = True
    robots: bool = Field(
        default=True, description="Obey the site's robots.txt. Set false only for a site whose "
        "owner allows newswatch explicitly.")
    headers: dict[str, str] = Field(default_factory=dict,
                                    description="Extra request headers for this source.")
    interval: str | None = Field(
        default=None, description="How often to run, e.g. 15m, 1h, 1h30m (at least 1m). "
        "Give this or `cron`, not both; default: the `default_interval` setting (30m).")
    cron: str | None = Field(
        default=None, description="When to run, as a cron in UTC, e.g. \"0 7 * * mon-fri\".")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str | None) -> str | None:
        if value is not None:
            from flows.schedules import parse_interval

            parse_interval(value)
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            from flows.schedules import check_cron

            return check_cron(value)
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> SourceConfig:
        if self.interval is not None and self.cron is not None:
            raise ValueError("give `interval` or `cron`, not both")
        return self

    @property
    def display_name(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Validators:
    """What a server told us last time, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchRecord:
    """One HTTP request as it went: the request log users query for source health."""

    url: str
    kind: Literal["feed", "article"]
    outcome: Literal["ok", "not_modified", "error", "skipped"]
    status_code: int | None = None
    bytes: int = 0
    elapsed_ms: float = 0.0
    error_class: str | None = None
    transient: bool | None = None
    message: str | None = None
    final_url: str | None = None      # where redirects led, when they did
    redirects: int = 0
    attempts: int = 1                 # tries, retries included


@dataclass(frozen=True)
class FeedEntry:
    url: str               # canonicalized link
    title: str | None
    summary: str | None
    published_at: datetime | None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    article_id: str
    source_id: str
    url: str               # canonical URL (rel=canonical / og:url, cleaned)
    discovered_url: str    # the link we followed, cleaned
    title: str
    authors: tuple[str, ...]
    published_at: datetime | None
    updated_at: datetime | None
    fetched_at: datetime
    language: str | None
    section: str | None
    tags: tuple[str, ...]
    summary: str | None
    body: str
    word_count: int
    content_hash: str


@dataclass
class SourceResult:
    """Everything one source produced in one run; failures are data, not exceptions."""

    source_id: str
    articles: list[Article] = field(default_factory=list)
    fetches: list[FetchRecord] = field(default_factory=list)
    validators: Validators | None = None   # new validators for the feed, when it answered 200
    entries_seen: int = 0
    skipped_known: int = 0

    @property
    def errors(self) -> list[FetchRecord]:
        return [f for f in self.fetches if f.outcome == "error"]

    @property
    def failed(self) -> bool:
        """True when the source itself (its feed) could not be read."""
        return any(f.kind == "feed" and f.outcome == "error" for f in self.fetches)
