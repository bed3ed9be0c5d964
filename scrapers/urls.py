"""URL normalization: one canonical form per article, whatever tracking junk the link carried."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
