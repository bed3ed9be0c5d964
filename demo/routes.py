"""URL routing for the demo web, kept apart from the socket handling so it is easy to test."""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from demo.articles import ARTICLES, DemoArticle
from demo.catalog import FEED_FILE, find_article, section_named, visible_articles
from demo.clock import DemoClock
from demo.feeds import (
    feed_content_type,
    feed_validators,
    http_date,
    is_not_modified,
    render_feed,
)
from demo.pages import (
    render_article_page,
    render_index_page,
    render_listing_page,
    render_not_found_page,
)
from demo.sites import SiteProfile, profile_for

CONTROL_PATH = "/_demo/clock"
GARBAGE_FEED_PATH = "/_sources/garbage/feed.xml"
ERROR_FEED_PATH = "/_sources/unavailable/feed.xml"

HTML_TYPE = "text/html; charset=utf-8"
JSON_TYPE = "application/json"

# Looks like the start of a feed, then turns into binary noise: parsers must cope.
GARBAGE_BODY: bytes = (
    b'\xef\xbb\xbf<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Brok'
    + bytes((index * 151 + 7) % 256 for index in range(768))
    + b"\x00\x00</chan"
)


class HeaderLookup(Protocol):
    def get(self, name: str, /) -> str | None: ...


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _html(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"), {"Content-Type": HTML_TYPE})


def _json(status: int, payload: dict[str, str]) -> Response:
    return Response(status, json.dumps(payload).encode("utf-8"), {"Content-Type": JSON_TYPE})


def _not_found() -> Response:
    return _html(404, render_not_found_page())


def _method_not_allowed(allowed: str) -> Response:
    response = _json(405, {"error": "method not allowed"})
    response.headers["Allow"] = allowed
    return response


class DemoApp:
    """Turns (method, target, headers) into a Response. Its state: the clock, and the stories
    published on this server alone (`publish`), each visible from its own time."""

    def __init__(self, clock: DemoClock, base_url: str) -> None:
        self.clock = clock
        self.base_url = base_url
        self._lock = threading.Lock()
        self._published: tuple[DemoArticle, ...] = ()

    def publish(self, article: DemoArticle) -> None:
        """Add a story; it appears on its site, front page and feed at its `published_at`."""
        if profile_for(article.site) is None:
            raise ValueError(f"no demo site {article.site!r} to publish {article.path!r} on")
        with self._lock:
            if any(other.site == article.site and other.path == article.path
                   for other in (*ARTICLES, *self._published)):
                raise ValueError(f"{article.site}/{article.path} is already taken")
            self._published = (*self._published, article)

    @property
    def published(self) -> tuple[DemoArticle, ...]:
        with self._lock:
            return self._published

    def handle(self, method: str, target: str, headers: HeaderLookup) -> Response:
        split = urlsplit(target)
        path = unquote(split.path) or "/"
        if path == CONTROL_PATH:
            return self._clock_control(method, parse_qs(split.query))
        if method not in ("GET", "HEAD"):
            return _method_not_allowed("GET, HEAD")
        if path == "/":
            page = render_index_page(self.clock.now(), GARBAGE_FEED_PATH, ERROR_FEED_PATH)
            return _html(200, page)
        if path == "/robots.txt":
            return Response(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
        if path == GARBAGE_FEED_PATH:
            return Response(200, GARBAGE_BODY, {"Content-Type": "application/rss+xml"})
        if path == ERROR_FEED_PATH:
            return Response(
                503,
                b"Service Unavailable: the upstream feed is down for maintenance.\n",
                {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "3600"},
            )
        slug, _, rest = path.lstrip("/").partition("/")
        profile = profile_for(slug)
        if profile is None:
            return _not_found()
        if path == f"/{slug}":
            return Response(301, b"", {"Location": f"/{slug}/"})
        return self._site(profile, rest, headers)

    def _site(self, profile: SiteProfile, rest: str, headers: HeaderLookup) -> Response:
        now, extra = self.clock.now(), self.published
        if rest == "":
            return _html(200, render_listing_page(profile, now, self.base_url, extra=extra))
        if rest == FEED_FILE:
            return self._feed(profile, now, headers)
        section = section_named(profile, rest.strip("/"))
        if section is not None:
            return _html(200, render_listing_page(profile, now, self.base_url, section, extra))
        # Query strings (tracking parameters) never change which article is served.
        article = find_article(profile.slug, rest.rstrip("/"), now, extra)
        if article is None:
            return _not_found()
        return _html(200, render_article_page(article, now, self.base_url, extra))

    def _feed(self, profile: SiteProfile, now: datetime, headers: HeaderLookup) -> Response:
        items = visible_articles(profile.slug, now, extra=self.published)
        validators = feed_validators(profile.slug, items, now)
        cache_headers = {
            "ETag": validators.etag,
            "Last-Modified": http_date(validators.last_modified),
            # Clients may keep a copy but must revalidate: the clock can jump at any time.
            "Cache-Control": "no-cache",
        }
        if is_not_modified(
            validators, headers.get("If-None-Match"), headers.get("If-Modified-Since")
        ):
            return Response(304, b"", cache_headers)
        body = render_feed(profile, items, now, self.base_url)
        return Response(200, body, {"Content-Type": feed_content_type(profile), **cache_headers})

    def _clock_control(self, method: str, query: dict[str, list[str]]) -> Response:
        if method in ("GET", "HEAD"):
            return _json(200, {"now": self.clock.now().isoformat()})
        if method != "POST":
            return _method_not_allowed("GET, HEAD, POST")
        if "advance_hours" in query:
            try:
                hours = float(query["advance_hours"][0])
            except ValueError:
                return _json(400, {"error": "advance_hours must be a number"})
            if not math.isfinite(hours) or hours < 0:
                return _json(400, {"error": "advance_hours must be a finite number >= 0"})
            return _json(200, {"now": self.clock.advance(hours).isoformat()})
        if "set" in query:
            try:
                # An unencoded "+00:00" arrives as " 00:00"; put the plus back.
                when = datetime.fromisoformat(query["set"][0].replace(" ", "+"))
            except ValueError:
                return _json(400, {"error": "set must be an ISO 8601 timestamp"})
            self.clock.set(when)
            return _json(200, {"now": self.clock.now().isoformat()})
        return _json(400, {"error": "expected advance_hours=H or set=ISO"})
