"""Typed models passed between scraping stages and on to the warehouse."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.durations import parse_duration
from scrapers.url_filters import check_patterns

SourceKind = Literal["feed", "sitemap", "listing"]
DEFAULT_SITEMAP_MAX_AGE = "2d"


def parse_age(text: str) -> timedelta:
    """"2d", "36h", "1w", "1d12h" -> timedelta (at least one minute)."""
    return parse_duration(text, what="maximum age", minimum=timedelta(minutes=1))


class Selectors(BaseModel):
    """CSS selectors (as in a browser's querySelector) a user gives for a site."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    links: str | None = Field(
        default=None, description="On the listing page: the article links, e.g. "
        "\"h3.headline a\". An element that is not a link stands for the first link inside it. "
        "Required for kind: listing.")
    title: str | None = Field(default=None,
                              description="On the article page: the headline's element.")
    date: str | None = Field(
        default=None, description="On the article page: the publication date's element; its "
        "`datetime` or `content` attribute is read, else its text.")
    body: str | None = Field(
        default=None, description="On the article page: the element(s) holding the article "
        "text. When given, this text is the body (the automatic extractor is not used).")

    @field_validator("links", "title", "date", "body")
    @classmethod
    def _css(cls, value: str | None) -> str | None:
        if value is None:
            return None
        import soupsieve

        if not value.strip():
            raise ValueError("empty selector: give a CSS selector such as \"article h1\"")
        try:
            soupsieve.compile(value)
        except soupsieve.SelectorSyntaxError as exc:
            reason = str(exc).splitlines()[0]
            raise ValueError(f"invalid CSS selector {value!r}: {reason}") from None
        return value


class SourceConfig(BaseModel):
    """One entry of config/sources.yaml. Unknown keys are errors: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
                    description="Short stable name, used in the warehouse and in rules.")
    name: str | None = Field(default=None, description="Display name in alerts; defaults to id.")
    kind: SourceKind = Field(
        default="feed", description="feed: RSS, Atom or JSON Feed. sitemap: an XML sitemap, "
        "sitemap index or Google News sitemap (.xml or .xml.gz). listing: an HTML page that "
        "links to articles, read with `selectors`.")
    url: str = Field(description="Address of the feed, sitemap or listing page.")
    language: str | None = Field(default=None, description="ISO 639-1 code, e.g. en.")
    max_articles: int = Field(default=50, ge=1, le=10_000,
                              description="Most new articles fetched from this source per run.")
    enabled: bool = True
    robots: bool = Field(
        default=True, description="Obey the site's robots.txt. Set false only for a site whose "
        "owner allows newswatch explicitly.")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra request headers for this source (an API "
        "key, a cookie). Sent only to the origin of `url` (same scheme, host and port; "
        "http to https on the same host too): dropped on a redirect to another origin or "
        "from https to http, and not sent for articles or sitemaps on other origins.")
    allow_private_addresses: bool = Field(
        default=False, description="Let this source reach loopback, private, link-local, "
        "shared, multicast and reserved addresses (127.0.0.1, 10.x, 192.168.x, "
        "169.254.169.254, ::1, ...), e.g. an intranet site. Off: such requests are refused "
        "with error class `blocked_address`.")
    interval: str | None = Field(
        default=None, description="How often to run, e.g. 15m, 1h, 1h30m (at least 1m). "
        "Give this or `cron`, not both; default: the `default_interval` setting (30m).")
    cron: str | None = Field(
        default=None, description="When to run, as a cron in UTC, e.g. \"0 7 * * mon-fri\".")
    include: tuple[str, ...] = Field(
        default=(), description="Regular expressions (Python syntax, searched anywhere in the "
        "article URL): when given, only URLs matching at least one are followed, e.g. "
        "\"/world/\" or \"/20[0-9]{2}/\".")
    exclude: tuple[str, ...] = Field(
        default=(), description="Regular expressions (as `include`): URLs matching any are "
        "never followed, e.g. \"/video/\" or \"\\\\.pdf$\". Exclude wins over include.")
    max_age: str | None = Field(
        default=None, description="Feeds and sitemaps: entries dated (publication date, "
        "lastmod) longer ago than this are not followed, e.g. 2d, 36h. Default for sitemaps: "
        f"{DEFAULT_SITEMAP_MAX_AGE}; for feeds: no limit. Undated entries are followed.")
    max_entries: int = Field(
        default=5000, ge=1, le=200_000, description="Sitemaps: most <url> entries read over "
        "the whole index per run (large archives are cut off here).")
    max_depth: int = Field(
        default=2, ge=0, le=5, description="Sitemaps: how many levels of nested sitemap "
        "indexes are followed below the top one.")
    selectors: Selectors | None = Field(
        default=None, description="CSS selectors: `links` (required for listing sources) on "
        "the listing page; `title`, `date`, `body` on each article page (listing and sitemap "
        "sources).")

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
            from core.schedules import parse_interval

            parse_interval(value)
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            from core.schedules import check_cron

            return check_cron(value)
        return value

    @field_validator("include", "exclude", mode="before")
    @classmethod
    def _patterns(cls, value: object) -> object:
        if isinstance(value, str):
            value = [value]   # one pattern may be written without a list
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            check_patterns(value)
        return value

    @field_validator("max_age")
    @classmethod
    def _max_age(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            parse_age(value)
            if info.data.get("kind") == "listing":   # absent when `kind` itself is invalid
                raise ValueError("listing pages give no dates before the articles are fetched; "
                                 "`max_age` is for kind: feed or sitemap")
        return value

    @field_validator("selectors")
    @classmethod
    def _selectors_fit_kind(cls, value: Selectors | None,
                            info: ValidationInfo) -> Selectors | None:
        kind = info.data.get("kind")
        if value is None or kind is None:   # no kind: its own error says what is wrong
            return value
        if kind == "feed":
            raise ValueError("`selectors` are for kind: listing or sitemap; a feed already "
                             "lists its articles (remove `selectors`, or use kind: listing on "
                             "the site's HTML page)")
        if kind == "listing" and not value.links:
            raise ValueError("kind: listing needs `selectors.links`: the CSS selector of the "
                             "article links on the page, e.g. \"h3 a\"")
        if kind == "sitemap" and value.links:
            raise ValueError("`selectors.links` is for kind: listing; a sitemap lists its "
                             "articles itself (keep only title, date, body)")
        return value

    @field_validator("max_entries", "max_depth")
    @classmethod
    def _sitemap_only(cls, value: int, info: ValidationInfo) -> int:
        kind = info.data.get("kind")
        if kind not in ("sitemap", None):
            raise ValueError(f"only for kind: sitemap (this source is kind: {kind})")
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> SourceConfig:
        if self.interval is not None and self.cron is not None:
            raise ValueError("give `interval` or `cron`, not both")
        if self.kind == "listing" and self.selectors is None:
            raise ValueError("selectors: kind: listing needs `selectors` with at least `links`, "
                             "e.g. selectors: {links: \"h3 a\"}")
        return self

    @property
    def age_limit(self) -> timedelta | None:
        """How old an entry may be and still be followed (None: any age)."""
        if self.max_age is not None:
            return parse_age(self.max_age)
        return parse_age(DEFAULT_SITEMAP_MAX_AGE) if self.kind == "sitemap" else None

    @property
    def display_name(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Validators:
    """What a server told us last time, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


# feed: the source's own document (feed, top sitemap, listing page); sitemap: a nested sitemap
# of an index; article: an article page.
FetchKind = Literal["feed", "sitemap", "article"]
FetchOutcome = Literal["ok", "not_modified", "error", "skipped"]


@dataclass(frozen=True)
class FetchRecord:
    """One HTTP request as it went: the request log users query for source health."""

    url: str
    kind: FetchKind
    outcome: FetchOutcome
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
    updated_at: datetime | None = None   # the feed's <updated> or the sitemap's <lastmod>


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
    skipped_filtered: int = 0    # by the source's include/exclude patterns
    skipped_old: int = 0         # dated before the source's max_age
    refetched: int = 0           # known URLs fetched again because their entry says they changed
    notes: list[str] = field(default_factory=list)   # what was cut short, e.g. a sitemap loop

    @property
    def errors(self) -> list[FetchRecord]:
        return [f for f in self.fetches if f.outcome == "error"]

    @property
    def failed(self) -> bool:
        """True when the source itself (its feed) could not be read."""
        return any(f.kind == "feed" and f.outcome == "error" for f in self.fetches)


class KnownUrls(frozenset[str]):
    """URLs not to download again, with when each stored article was last fetched: an entry
    whose `updated_at` is later than that is fetched again (the page changed)."""

    last_fetched: Mapping[str, datetime]

    def __new__(cls, urls: Iterable[str] = (),
                last_fetched: Mapping[str, datetime] | None = None) -> KnownUrls:
        self = super().__new__(cls, urls)
        self.last_fetched = dict(last_fetched or {})
        return self

    def __reduce__(self) -> tuple:
        return (KnownUrls, (frozenset(self), self.last_fetched))


@dataclass
class Discovery:
    """What a source's own documents (feed, sitemaps, listing page) listed in one run."""

    entries: list[FeedEntry] = field(default_factory=list)
    fetches: list[FetchRecord] = field(default_factory=list)
    validators: Validators | None = None   # of the top document, when it answered 200
    not_modified: bool = False
    failed: bool = False                    # the top document could not be read
    skipped_old: int = 0
    notes: list[str] = field(default_factory=list)
