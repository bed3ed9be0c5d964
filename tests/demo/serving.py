"""What the demo-web tests share: fetching over real HTTP, and the catalogue's articles by
date and site."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message

from demo.articles import ARTICLES, DemoArticle
from demo.clock import ADVANCE_HOURS, DEFAULT_START
from demo.server import DemoNewsServer, DemoSite

AFTER_ADVANCE = DEFAULT_START + timedelta(hours=ADVANCE_HOURS)
CEASEFIRE_WORDS = re.compile(r"cease[\s-]?fire", re.IGNORECASE)
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


@dataclass
class Fetched:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> Fetched:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Fetched(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:  # 304, 404 and 503 arrive here
        with error:
            return Fetched(error.code, error.headers, error.read())


def url_of(server: DemoNewsServer, article: DemoArticle) -> str:
    return f"{server.base_url}/{article.site}/{article.path}"


def site_named(server: DemoNewsServer, slug: str) -> DemoSite:
    return next(site for site in server.sites() if site.slug == slug)


def published_by(when: datetime, site: str | None = None) -> list[DemoArticle]:
    return [a for a in ARTICLES if a.published_at <= when and (site is None or a.site == site)]


def appearing_in_advance() -> list[DemoArticle]:
    return [a for a in ARTICLES if DEFAULT_START < a.published_at <= AFTER_ADVANCE]


def only(articles: list[DemoArticle]) -> DemoArticle:
    assert len(articles) == 1, [a.path for a in articles]
    return articles[0]
