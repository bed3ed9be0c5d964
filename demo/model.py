"""The article record shared by the content modules, the pages and the feeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class DemoArticle:
    site: str  # site slug
    path: str  # URL path under the site, without leading slash
    headline: str
    summary: str  # dek on the page, description in the feed
    byline: list[str]
    dateline: str | None
    section: str
    tags: list[str]
    published_at: datetime  # UTC aware
    updated_at: datetime | None
    paragraphs: list[str]
    related: list[str]  # paths on the same site, shown in the sidebar
    story: str | None  # shared by copies of one wire story on several sites
    labels: frozenset[str]  # ground truth for tests and evaluation

    def is_visible(self, now: datetime) -> bool:
        return self.published_at <= now

    def modified_at(self, now: datetime) -> datetime:
        """Last change a reader could have seen at `now` (an update counts once it has happened)."""
        if self.updated_at is not None and self.updated_at <= now:
            return max(self.updated_at, self.published_at)
        return self.published_at

    def full_text(self) -> str:
        """Headline, dek and body as one string, for content checks."""
        return "\n".join([self.headline, self.summary, *self.paragraphs])


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Short constructor for the many timestamps in the content modules."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class WireCredit:
    """How an agency story is credited by the outlets that print the agency's footer."""

    agency: str
    footer: str  # e.g. "Reporting by ...; editing by ..."


def make_article(
    site: str,
    path: str,
    headline: str,
    summary: str,
    *,
    byline: list[str],
    section: str,
    tags: list[str],
    published_at: datetime,
    paragraphs: list[str],
    related: list[str] | None = None,
    dateline: str | None = None,
    updated_at: datetime | None = None,
    story: str | None = None,
    labels: frozenset[str] = frozenset(),
) -> DemoArticle:
    """Keyword-only builder so the content modules only spell out what is unusual."""
    return DemoArticle(
        site=site,
        path=path,
        headline=headline,
        summary=summary,
        byline=byline,
        dateline=dateline,
        section=section,
        tags=tags,
        published_at=published_at,
        updated_at=updated_at,
        paragraphs=paragraphs,
        related=related or [],
        story=story,
        labels=labels,
    )
