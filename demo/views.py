"""Everything a layout needs to draw a page, worked out before any HTML is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from demo.articles import DemoArticle
from demo.sites import SiteProfile


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True)
class ArticleView:
    profile: SiteProfile
    article: DemoArticle
    now: datetime
    canonical_url: str
    head_meta: str  # ready-made HTML for <head>: JSON-LD, OpenGraph or nothing
    feed_url: str
    sections: list[Link]
    related: list[Link]  # published stories the article points to
    most_read: list[Link]  # other recent stories from the same outlet
    agency: str | None  # set for agency copy
    wire_footer: str | None  # "Reporting by ..." line, for outlets that print it


@dataclass(frozen=True)
class ListingItem:
    article: DemoArticle
    href: str


@dataclass(frozen=True)
class ListingView:
    profile: SiteProfile
    now: datetime
    heading: str | None  # section name, or None for the front page
    canonical_url: str
    feed_url: str
    sections: list[Link]
    items: list[ListingItem]
