"""What is published where and when: visibility by clock, lookups and URL building."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from demo.articles import ARTICLES, DemoArticle
from demo.sites import SiteProfile

FEED_FILE = "feed.xml"


def visible_articles(
    site: str, now: datetime, section: str | None = None, extra: Sequence[DemoArticle] = ()
) -> list[DemoArticle]:
    """Published articles of one site, newest first; `extra`: a server's own timed stories."""
    found = [
        article
        for article in (*ARTICLES, *extra)
        if article.site == site
        and article.is_visible(now)
        and (section is None or article.section == section)
    ]
    return sorted(found, key=lambda article: (article.published_at, article.path), reverse=True)


def find_article(
    site: str, path: str, now: datetime, extra: Sequence[DemoArticle] = ()
) -> DemoArticle | None:
    """The article at `path`, or None if it does not exist or is not yet published."""
    for article in (*ARTICLES, *extra):
        if article.site == site and article.path == path:
            return article if article.is_visible(now) else None
    return None


def section_slug(section: str) -> str:
    """URL segment for a section name: "Nation & World" -> "nation-world"."""
    return re.sub(r"[^a-z0-9]+", "-", section.lower().replace("’", "")).strip("-")


def section_named(profile: SiteProfile, slug: str) -> str | None:
    return next((name for name in profile.sections if section_slug(name) == slug), None)


def front_path(site: str) -> str:
    return f"/{site}/"


def feed_path(site: str) -> str:
    return f"/{site}/{FEED_FILE}"


def section_path(site: str, section: str) -> str:
    return f"/{site}/{section_slug(section)}/"


def article_path(article: DemoArticle) -> str:
    return f"/{article.site}/{article.path}"
