"""Slack Block Kit messages: parsing a template's blocks, Slack's size limits, digest splitting.

Apprise's Slack plugin sends a caller's Block Kit JSON when the service URL names it with
`template=` (see alerts.notify); Apprise wraps it as `{"attachments": [<ours>]}`, so what is
built here is one attachment: `{"color", "fallback", "blocks"}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from alerts.escaping import clip_mrkdwn, mrkdwn, slack_escape
from rules.models import SEVERITY_ORDER

TEXT_MAX = 3000        # a section's (or any text object's) text
HEADER_MAX = 150       # a header block's plain text
MAX_BLOCKS = 50        # per message
MAX_TEXT = 40_000      # all the text of one message
# Apprise reads a Slack template of at most 35,000 bytes; stay under it with room to spare.
MAX_BYTES = 30_000
ALERT_BYTES = MAX_BYTES - 3_000   # one alert leaves room for a digest's headings
FALLBACK_MAX = 500                # notification text: a phone shows a line or two

SEVERITY_COLORS = {"low": "#9e9e9e", "medium": "#e2b93d", "high": "#e8912d",
                   "critical": "#d40e0d"}


class BlocksError(ValueError):
    """A Slack template did not produce a list of Block Kit blocks."""


def parse_blocks(text: str) -> list[dict[str, Any]]:
    """The JSON a Slack template rendered: a list of blocks (or Block Kit Builder's
    `{"blocks": [...]}`), each an object with a `type`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BlocksError(f"not valid JSON: {exc.msg} at line {exc.lineno} column "
                          f"{exc.colno}") from exc
    if isinstance(data, dict) and "blocks" in data:
        data = data["blocks"]
    if not (isinstance(data, list) and data
            and all(isinstance(b, dict) and isinstance(b.get("type"), str) for b in data)):
        raise BlocksError("must be a JSON list of Block Kit blocks, each an object with a "
                          "\"type\"")
    return data


def attachment(blocks: list[dict[str, Any]], severity: str, fallback: str) -> dict[str, Any]:
    """One alert's attachment, cut down to Slack's limits (and to ALERT_BYTES, so it also fits
    in a digest) if its text or a template made it too big."""
    blocks = blocks[:MAX_BLOCKS]
    # Shorter texts first (3000 emoji are 36 kB of escaped JSON), then fewer blocks.
    limit = TEXT_MAX
    while True:
        message = _attachment([_clip_texts(b, min(limit, HEADER_MAX) if b.get("type") == "header"
                                           else limit) for b in blocks], severity, fallback)
        if fits(message, ALERT_BYTES) or limit < 500:
            break
        limit //= 2
    while len(message["blocks"]) > 1 and not fits(message, ALERT_BYTES):
        message["blocks"].pop()
    if not fits(message, ALERT_BYTES):
        message["blocks"] = [_section(message["fallback"])]
    return message


def fits(message: dict[str, Any], max_bytes: int = MAX_BYTES) -> bool:
    return (len(message["blocks"]) <= MAX_BLOCKS and len(template_json(message)) <= max_bytes
            and sum(len(t) for t in _texts(message["blocks"])) <= MAX_TEXT)


def template_json(message: dict[str, Any]) -> str:
    """The attachment as the file Apprise reads. ASCII only (Apprise opens it in the locale's
    encoding); and no `{{`, so article text can never look like one of Apprise's
    `{{app_body}}` tokens."""
    return json.dumps(message, ensure_ascii=True).replace("{{", "{\\u007b")


@dataclass(frozen=True)
class DigestItem:
    group: str                    # a rule id: each group starts with its heading
    group_heading: str            # mrkdwn
    severity: str
    blocks: list[dict[str, Any]]  # one alert's blocks


def digest(heading: str, items: list[DigestItem],
           tail: str | None) -> list[tuple[dict[str, Any], int]]:
    """Attachments for a digest, with how many items each holds: as few as Slack's limits
    allow, each starting with `heading` (plus "(1/3)" when there are several), each rule's
    stories under its heading (repeated, "continued", where a rule runs on into the next
    message)."""
    parts: list[tuple[list[dict[str, Any]], set[str], int]] = []
    current: list[dict[str, Any]] = []
    current_severities: set[str] = set()
    count = 0
    group: str | None = None
    # Measured with the longest part label a digest can get.
    probe = _section(f"*{mrkdwn(heading)} (99/99)*")

    def fits_with(extra: list[dict[str, Any]]) -> bool:
        return fits(_attachment([probe, *current, *extra], "critical", slack_escape(heading)))

    for item in items:
        extra = item.blocks if item.group == group else [_section(item.group_heading), *item.blocks]
        if current and not fits_with(extra):
            parts.append((current, current_severities, count))
            current, current_severities, count = [], set(), 0
            extra = [_section(f"{item.group_heading} (continued)"), *item.blocks]
        current += extra
        current_severities.add(item.severity)
        count += 1
        group = item.group
    if tail is not None:
        extra = [_context(slack_escape(tail))]
        if current and not fits_with(extra):
            parts.append((current, current_severities, count))
            current, current_severities, count = [], set(), 0
        current += extra
    if current or not parts:
        parts.append((current, current_severities, count))
    messages = []
    for number, (blocks, seen, held) in enumerate(parts, start=1):
        label = f"{heading} ({number}/{len(parts)})" if len(parts) > 1 else heading
        top = max(seen, key=lambda s: SEVERITY_ORDER.get(s, 0), default="low")
        messages.append((_attachment([_section(f"*{mrkdwn(label)}*"), *blocks], top,
                                     slack_escape(label)), held))
    return messages


def notice(heading: str, intro: str, lines: list[str], footer: str) -> dict[str, Any]:
    """An ops notice as one attachment: `heading` (plain text), newswatch's own `intro` and
    `footer` (fixed text, `code` spans allowed) and `lines`, already mrkdwn-escaped, as a
    bulleted list in as few sections as Slack's text limit allows."""
    blocks = [_section(f"*{mrkdwn(heading)}*")]
    if intro:
        blocks.append(_section(slack_escape(intro)))
    chunk: list[str] = []
    for line in (f"• {line}" for line in lines):
        if chunk and sum(len(c) + 1 for c in chunk) + len(line) > TEXT_MAX:
            blocks.append(_section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    if footer:
        blocks.append(_context(slack_escape(footer)))
    return attachment(blocks, "medium", slack_escape(heading))


def _attachment(blocks: list[dict[str, Any]], severity: str, fallback: str) -> dict[str, Any]:
    # `fallback` is what Slack shows in notifications and clients without Block Kit.
    return {"color": SEVERITY_COLORS.get(severity, SEVERITY_COLORS["low"]),
            "fallback": clip_mrkdwn(fallback, FALLBACK_MAX), "blocks": blocks}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(text, TEXT_MAX),
                                        "verbatim": True}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text, "verbatim": True}]}


def _clip_texts(value: Any, limit: int) -> Any:
    if isinstance(value, dict):
        clipped = {k: _clip_texts(v, limit) for k, v in value.items()}
        if isinstance(clipped.get("text"), str) and clipped.get("type") in ("mrkdwn",
                                                                             "plain_text"):
            clipped["text"] = clip_mrkdwn(clipped["text"], limit)
        return clipped
    if isinstance(value, list):
        return [_clip_texts(v, limit) for v in value]
    return value


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):
            yield value["text"]
        for v in value.values():
            yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)
