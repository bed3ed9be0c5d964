"""Records that cross stages, as plain frozen dataclasses any package may import.

What the rules read (`ArticleText`), what they find (`Match` with its `Evidence` and
`EventDate`), what a channel renders (`AlertView`), and what alert routing reads from the
warehouse (`RoutingState`) and hands back to it to write (`RoutingDecision`). Keeping them
here lets the warehouse store what alerts decided without importing alerts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal


@dataclass(frozen=True)
class ArticleText:
    """An article as the rules see it: the warehouse's stored article, or one read from a file
    (`newswatch rules try`). Ingest time is unknown for articles not stored yet."""

    article_id: str
    story_id: str
    source_id: str
    title: str
    summary: str | None
    body: str
    language: str | None = None
    section: str | None = None
    published_at: datetime | None = None
    first_seen_at: datetime | None = None


@dataclass(frozen=True)
class Evidence:
    """One condition of a rule found in one place of an article.

    Offsets are character offsets into the article field (`title`, `summary` or `body`), so the
    exact words can be highlighted; `sentence_start`/`sentence_end` bound their sentence.
    """

    condition: str            # what matched: a term as written in the rule, an entity id, ...
    field: str
    start: int
    end: int
    text: str                 # the words as they appear in the article
    sentence_start: int
    sentence_end: int


@dataclass(frozen=True)
class EventDate:
    """An event date found near an event term, resolved against the publication date."""

    value: str                # TIMEX3 value: 2026-11-24, 2026-W48, 2026-11
    text: str                 # as written: "next Tuesday"
    sentence: str
    start: date | None = None  # first and last day the value covers
    end: date | None = None


@dataclass(frozen=True)
class Match:
    """A rule matched an article; the evidence says where and why."""

    rule_id: str
    article_id: str
    story_id: str
    field: str
    terms: tuple[str, ...]    # the words as they appear in the article
    sentence: str
    evidence: tuple[Evidence, ...] = ()
    event_date: EventDate | None = None


@dataclass(frozen=True)
class AlertView:
    """What a channel needs to render one alert."""

    alert_id: str
    rule_id: str
    rule_name: str
    severity: str
    title: str
    url: str
    source_name: str
    published_at: datetime | None
    sentence: str | None
    terms: tuple[str, ...]
    other_sources: tuple[str, ...] = ()
    event_date: EventDate | None = None


def alert_id(rule_id: str, story_id: str) -> str:
    """One alert per (rule, story): routing decides on it, the warehouse keys on it."""
    return hashlib.sha256(f"{rule_id}\x1f{story_id}".encode()).hexdigest()[:24]


SHORT_ALERT_ID = 8   # characters of an alert id that alerts show and `newswatch feedback` takes


def short_alert_id(alert_id: str) -> str:
    return alert_id[:SHORT_ALERT_ID]


def match_id(rule_id: str, article_id: str) -> str:
    """One stored match per (rule, article); a new version of the article replaces it."""
    return hashlib.sha256(f"{rule_id}\x1f{article_id}".encode()).hexdigest()[:24]


# -- alert routing: what it reads, what it decides -------------------------------------------

@dataclass(frozen=True)
class KnownAlert:
    """An alert already stored for a (rule, story)."""

    created_at: datetime
    realerted_at: datetime | None = None


@dataclass(frozen=True)
class ArticleTimes:
    """When an article was first stored and says it was published: picks a new alert's
    founding copy."""

    first_seen_at: datetime | None = None
    published_at: datetime | None = None


@dataclass(frozen=True)
class RoutingState:
    """What the warehouse holds about the alerts a batch of matches touches, read before the
    batch's own matches are stored."""

    known: Mapping[str, KnownAlert] = field(default_factory=dict)        # by alert_id
    # alert_id -> the evidence sentences of the matches stored for its (rule, story)
    evidence: Mapping[str, frozenset[str]] = field(default_factory=dict)
    stored_matches: frozenset[str] = frozenset()                         # match ids
    articles: Mapping[str, ArticleTimes] = field(default_factory=dict)   # by article_id


@dataclass(frozen=True)
class NewAlert:
    alert_id: str
    rule_id: str
    story_id: str
    article_id: str           # the founding copy: its headline is the alert's
    severity: str


@dataclass(frozen=True)
class NewDelivery:
    """A new alert's delivery on one channel: sent as it comes, or waiting for a digest."""

    alert_id: str
    channel: str
    status: Literal["pending", "digest"]


@dataclass(frozen=True)
class DigestItem:
    """A line waiting in a digest stream (`channel` or `rule:<id>`)."""

    item_id: str
    channel: str
    stream: str
    alert_id: str
    rule_id: str
    article_id: str
    reason: Literal["alert", "copy", "update"]


@dataclass(frozen=True)
class Realert:
    """A stored alert sent again for a material update: it now shows `article_id`, and its
    deliveries on `channels` (those sent alerts as they come) start over."""

    alert_id: str
    article_id: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class RoutingDecision:
    """What one batch of matches adds to the outbox; the warehouse writes it as given."""

    alerts: tuple[NewAlert, ...] = ()
    deliveries: tuple[NewDelivery, ...] = ()
    digest_items: tuple[DigestItem, ...] = ()
    realerts: tuple[Realert, ...] = ()
