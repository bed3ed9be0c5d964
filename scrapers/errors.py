"""Scraper errors, classified once so every caller can tell retry from give-up."""

from __future__ import annotations


class ScrapeError(Exception):
    """Base class. `transient` errors are worth retrying later; the others are not."""

    transient: bool = False
    error_class: str = "scrape_error"
    retry_after: float | None = None   # seconds the server asked us to wait, when it said
    skipped: bool = False              # deliberately not fetched (robots.txt), not a failure
    attempts: int = 1                  # tries before giving up (set by the fetcher)

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.message = message


class FetchTimeout(ScrapeError):
    transient = True
    error_class = "timeout"


class HostGateTimeout(FetchTimeout):
    """No request slot for the host came free in time (slots and pacing shared by every
    worker): nothing was requested. Not retried in the same run: the wait was all it had."""


class ConnectError(ScrapeError):
    transient = True
    error_class = "connect"


class ServerError(ScrapeError):
    """5xx or 429: the site is overloaded or down for now."""

    transient = True
    error_class = "server_error"


class HTTPStatusError(ScrapeError):
    """4xx other than 429: retrying will not help until the site or the config changes."""

    error_class = "http_status"


class TooLarge(ScrapeError):
    error_class = "too_large"


class NotAFeed(ScrapeError):
    error_class = "not_a_feed"


class MalformedFeed(ScrapeError):
    """Looks like a feed but is broken before any entry could be read."""

    error_class = "malformed_feed"


class NotAnArticle(ScrapeError):
    error_class = "not_an_article"


class NotASitemap(ScrapeError):
    error_class = "not_a_sitemap"


class MalformedSitemap(ScrapeError):
    """XML that breaks before any <url> or <sitemap> could be read."""

    error_class = "malformed_sitemap"


class SelectorMatchedNothing(ScrapeError):
    """A user's CSS selector found nothing: the site changed its markup, or the selector is
    wrong. Permanent until the config changes."""

    error_class = "selector_matched_nothing"


class RedirectError(HTTPStatusError):
    """A redirect loop, more redirects than the policy follows, or a redirect to a non-HTTP
    address (mailto:, javascript:)."""

    error_class = "redirect"


class RobotsDisallowed(ScrapeError):
    """The site's robots.txt does not allow newswatch this URL: not requested at all."""

    error_class = "robots"
    skipped = True      # recorded as a skip, not a failure of the site


class RobotsUnavailable(ScrapeError):
    """robots.txt could not be read (5xx, 429, network): nothing on that site is fetched now."""

    transient = True
    error_class = "robots_unavailable"


class BadSelector(ScrapeError):
    """A source's CSS selector does not parse: a config error, the same on every page."""

    error_class = "bad_selector"


class BadUrl(ScrapeError):
    """An address that is no usable http(s) URL: a malformed link or `Location` (a broken
    IPv6 host, a port out of range, no host). Permanent: the site sent it."""

    error_class = "bad_url"


class TooDeep(ScrapeError):
    """A document nested deeper than any parser here follows (JSON, XML or HTML built to
    exhaust the stack): refused, not parsed."""

    error_class = "too_deep"


class BlockedAddress(ScrapeError):
    """The host is (or resolved to) a loopback, private, link-local, shared, multicast or
    reserved address: not fetched unless the source or the run opts in."""

    error_class = "blocked_address"


class InternalError(ScrapeError):
    """An unexpected exception in newswatch's own code while scraping one source: recorded
    against that source (with the exception's type and message) so the others still run."""

    error_class = "internal_error"


def unexpected(exc: BaseException, url: str) -> InternalError:
    """An `InternalError` naming what was raised, for the request log."""
    return InternalError(
        f"unexpected {type(exc).__name__} in newswatch while scraping: {exc}"[:400]
        + " (a bug: the log has the traceback; the other sources and articles ran)", url=url)
