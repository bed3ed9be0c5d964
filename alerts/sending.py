"""Sending rendered messages to a channel, and saying why it failed, the same way for alerts,
digests and ops notices."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable

from alerts.channels import Channel
from alerts.notify import send
from alerts.render import Rendered
from core.errors import MissingSecret


async def send_messages(channel: Channel, messages: Iterable[Rendered]) -> None:
    """Each message in turn to the channel's URL (read from the environment now); raises on
    the first that is refused. Apprise blocks, so each send runs in a thread."""
    url = channel.resolve_url(os.environ)
    for rendered in messages:
        await asyncio.to_thread(send, url, rendered)


def failure_reason(exc: Exception) -> str:
    """Why a send failed, for the run summary and the outbox (already scrubbed of secrets by
    `alerts.notify`), with what to do when a channel's variable is unset."""
    if isinstance(exc, MissingSecret):
        return f"{exc}: set it in the environment of the process that runs newswatch"
    return f"{type(exc).__name__}: {exc}"
