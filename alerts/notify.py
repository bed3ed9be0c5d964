"""Delivery through Apprise: the one module that imports it.

A `Rendered` message is escaped for its channel's format; what a service finally shows also
depends on the service, so `wire_message` adapts the title and body to the service the URL
names: Discord and Mattermost render every message as markdown (a text or HTML body is
markdown-escaped for them), Discord and Teams show the title as markdown, and services with no
title field get it inside the body, read in the body's format.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import apprise
from apprise.conversion import html_to_text
from apprise.plugins.discord import NotifyDiscord
from apprise.plugins.mattermost import NotifyMattermost
from apprise.plugins.slack import NotifySlack, SlackMode
from apprise.plugins.workflows import NotifyWorkflows

from alerts.escaping import escape_as, md
from alerts.render import Rendered
from alerts.render_slack import template_json
from core.errors import DeliveryError

_FORMATS = {"html": apprise.NotifyFormat.HTML, "markdown": apprise.NotifyFormat.MARKDOWN,
            "text": apprise.NotifyFormat.TEXT}
# Apprise's log lines start "2026-11-20 09:40:00,123 - WARNING - "; the reason needs none of it.
_LOG_PREFIX = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ - [A-Z]+ - ")
# Slack modes that post a message payload (a workflow webhook takes its own variables).
_BLOCK_MODES = (SlackMode.WEBHOOK, SlackMode.WEBHOOK_GOV, SlackMode.BOT)
# Services that render every message as markdown, whatever format Apprise declares for them
# (Discord's "text" is its markdown content; Mattermost's only format is its markdown).
_ALWAYS_MARKDOWN = (NotifyDiscord, NotifyMattermost)
# Services that show the title as markdown in a field of its own (Discord's content starts
# with it; a Teams card's title is a markdown text block).
_MARKDOWN_TITLE = (NotifyDiscord, NotifyWorkflows)


def send(url: str, message: Rendered, *, secrets: Iterable[str] = ()) -> None:
    """Deliver one message to one Apprise URL; raise DeliveryError with Apprise's reason.

    The reason is scrubbed of `secrets` (the resolved URL and its parts) before it is raised,
    so it can be logged and stored. A message with Slack blocks goes to a Slack webhook or bot
    as those blocks; any other service gets its body.
    """
    secrets = [url, *_url_parts(url), *secrets]
    client = _client(url, secrets)
    if message.slack is None or not _takes_blocks(client[0]):
        _notify(client, message, secrets)
        return
    # Apprise's Slack plugin sends a caller's Block Kit JSON read from a file named by the
    # URL's `template=`; the file lives only as long as this delivery.
    with tempfile.TemporaryDirectory(prefix="newswatch-slack-") as folder:
        path = Path(folder) / "blocks.json"
        path.write_text(template_json(message.slack), encoding="ascii")
        joiner = "&" if "?" in url else "?"
        _notify(_client(f"{url}{joiner}template={quote(str(path), safe='/')}", secrets),
                message, secrets)


def _client(url: str, secrets: list[str]) -> apprise.Apprise:
    client = apprise.Apprise()
    if not client.add(url):
        raise DeliveryError(_scrub(f"not a valid Apprise URL for any service ({_scheme(url)}://…)",
                                   secrets))
    return client


def _takes_blocks(service: object) -> bool:
    # A URL that already names its own Slack template keeps it (it gets our markdown body).
    return (isinstance(service, NotifySlack) and service.mode in _BLOCK_MODES
            and not service.template)


def wire_message(service: object, message: Rendered) -> tuple[str, str, str]:
    """The (title, body, body format) to hand Apprise for `service`, so that nothing the
    message's escaping left literal becomes markup on the way.

    The title of a Rendered is plain text (cleaned, mentions defused): right for an email
    subject, a Slack attachment title (Apprise entity-escapes it) or a JSON field; escaped
    here where the service reads it as markdown or HTML."""
    body, fmt = message.body, message.body_format
    if isinstance(service, _ALWAYS_MARKDOWN) and fmt != "markdown":
        body, fmt = md(html_to_text(body) if fmt == "html" else body), "markdown"
    if isinstance(service, _MARKDOWN_TITLE):
        return md(message.title), body, fmt
    if getattr(service, "title_maxlen", 1) <= 0:
        # Apprise puts the title into the body (a heading, or <b>...</b>) and converts it
        # with the body: it must be escaped as the body is.
        return escape_as(message.title, fmt), body, fmt
    return message.title, body, fmt


def _notify(client: apprise.Apprise, message: Rendered, secrets: list[str]) -> None:
    title, body, fmt = wire_message(client[0], message)
    with apprise.LogCapture(level=logging.WARNING) as captured:
        result = client.notify(title=title, body=body, body_format=_FORMATS[fmt])
        log_text = captured.getvalue()
    if not result:
        reason = " ".join(_LOG_PREFIX.sub("", log_text).split())[-500:]
        raise DeliveryError(_scrub(reason or f"Apprise reported {result.status}", secrets))


def _scheme(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else "?"


def _url_parts(url: str) -> list[str]:
    """Pieces of a service URL that may be credentials: user info, tokens in the path or query."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1].split(":", 1)[0]
    # A "host" without a dot is a token in many services (slack://T0123/..., slack://xoxb-...).
    token_host = host if "." not in host and host.lower() != "localhost" else ""
    pieces = [parts.username or "", parts.password or "", token_host]
    pieces += [seg for seg in parts.path.split("/") if len(seg) >= 8]
    pieces += [v for _, v in parse_qsl(parts.query) if len(v) >= 8]
    return [unquote(p) for p in pieces if p] + [p for p in pieces if p]


def _scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
