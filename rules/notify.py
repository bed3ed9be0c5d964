"""Delivery through Apprise: the one module that imports it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise

from rules.errors import DeliveryError
from rules.render import Rendered

_FORMATS = {"html": apprise.NotifyFormat.HTML, "markdown": apprise.NotifyFormat.MARKDOWN,
            "text": apprise.NotifyFormat.TEXT}


def send(url: str, message: Rendered, *, secrets: Iterable[str] = ()) -> None:
    """Deliver one message to one Apprise URL; raise DeliveryError with Apprise's reason.

    The reason is scrubbed of `secrets` (the resolved URL and its parts) before it is raised,
    so it can be logged and stored.
    """
    secrets = [url, *_url_parts(url), *secrets]
    client = apprise.Apprise()
    if not client.add(url):
        raise DeliveryError(_scrub(f"not a valid Apprise URL for any service ({_scheme(url)}://…)",
                                   secrets))
    with apprise.LogCapture(level=logging.WARNING) as captured:
        result = client.notify(title=message.title, body=message.body,
                               body_format=_FORMATS[message.body_format])
        log_text = captured.getvalue()
    if not result:
        reason = " ".join(log_text.split())[-500:] or f"Apprise reported {result.status}"
        raise DeliveryError(_scrub(reason, secrets))


def _scheme(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else "?"


def _url_parts(url: str) -> list[str]:
    """Pieces of a service URL that may be credentials: user info, tokens in the path or query."""
    parts = urlsplit(url)
    pieces = [parts.username or "", parts.password or ""]
    pieces += [seg for seg in parts.path.split("/") if len(seg) >= 8]
    pieces += [v for _, v in parse_qsl(parts.query) if len(v) >= 8]
    return [unquote(p) for p in pieces if p] + [p for p in pieces if p]


def _scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
