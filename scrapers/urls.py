"""URL normalization: one canonical form per article, whatever tracking junk the link carried."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from scrapers import errors

# Query parameters that identify a campaign or a click, never the page itself.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "_hs")
_TRACKING_NAMES = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mkt_tok", "ref", "ref_src",
     "cmpid", "ocid", "smid", "at_medium", "at_campaign", "ito"}
)


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def canonicalize(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters.

    The remaining query parameters are kept in their order: some sites route on them.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"   # an IPv6 address keeps its brackets
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _is_tracking(k)])
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, query, ""))


def article_id(canonical_url: str) -> str:
    """Stable id from the canonical URL: the same page always gets the same row."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:24]


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def url_problem(url: str) -> str | None:
    """Why `url` cannot be requested (not http(s), no host, a bad port or IPv6 host), or None
    when it can."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:   # "Invalid IPv6 URL", "Port out of range 0-65535"
        return str(exc)
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) address (scheme {parts.scheme or 'missing'!r})"
    if not parts.hostname:
        return "no host name"
    if port == 0:
        return "port 0"
    return None


def _site(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port
    if port == {"http": 80, "https": 443}.get(scheme):
        port = None
    return scheme, (parts.hostname or "").lower(), port


def headers_may_follow(home: str, url: str) -> bool:
    """May a source's own request headers (API keys, cookies) be sent to `url`? Only to the
    origin of `home` (scheme, host, port), and from http to https on the same host (an
    upgrade); never elsewhere, never from https down to http."""
    try:
        (scheme, host, port), (to_scheme, to_host, to_port) = _site(home), _site(url)
    except ValueError:
        return False
    if host != to_host:
        return False
    if (scheme, port) == (to_scheme, to_port):
        return True
    return scheme == "http" and to_scheme == "https" and port is None and to_port is None


def redirect_target(url: str, current: str, location: str) -> str:
    """The absolute URL a Location leads to; `BadUrl` or `RedirectError` when there is none
    to follow (a malformed address, mailto:, javascript:)."""
    try:
        target = urljoin(current, location)
    except ValueError as exc:
        raise errors.BadUrl(f"redirect to {location[:200]!r}, which is no URL ({exc})",
                            url=url) from exc
    if urlsplit(target).scheme.lower() not in ("http", "https"):
        raise errors.RedirectError(f"redirect to a non-HTTP address: {target[:200]}", url=url)
    problem = url_problem(target)
    if problem is not None:
        raise errors.BadUrl(f"redirect to {target[:200]!r}, which is no usable URL "
                            f"({problem})", url=url)
    return target
