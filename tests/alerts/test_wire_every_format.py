"""Every service, every channel format, every kind of message: the hostile corpus never
arrives live. Each request is read in the syntax its service reads it in (Slack mrkdwn,
Telegram's HTML or Markdown, CommonMark for the rest) and searched for a live mention, a link
or image to the corpus's targets, an escape sequence or a bidi or zero-width character.

The exact payloads are in test_wire_markdown_services.py and test_wire_slack_telegram.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alerts.notify import send
from alerts.render import Rendered
from tests.alerts.hostile_strings import LIVE, Z
from tests.alerts.service_http import KINDS, SERVICES, Services, deliver, services

__all__ = ["services"]   # the fixture


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def syntax(service: str, payload: dict[str, Any]) -> str:
    if service == "slack":
        return "slack"
    return "html" if payload.get("parse_mode") == "HTML" else "markdown"


@pytest.mark.parametrize("fmt", ["email", "slack", "markdown", "text"])
@pytest.mark.parametrize("service", SERVICES)
def test_nothing_in_the_corpus_arrives_live(services: Services, service: str, fmt: str,
                                            tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for kind in KINDS:
        deliver(services.url(service), kind, fmt, tmp_path, monkeypatch)
    payloads = services.payloads(service)
    assert len(payloads) == len(KINDS)
    for kind, payload in zip(KINDS, payloads, strict=True):
        texts = list(strings(payload))
        live = [found for text in texts for found in LIVE[syntax(service, payload)].findall(text)]
        assert live == [], (kind, live)
        # Still readable: the mentions are there, defused, not deleted.
        assert any(f"@{Z}channel" in text for text in texts), kind


@pytest.mark.parametrize("service", ["discord", "mattermost"])
def test_plain_text_is_escaped_for_services_that_render_markdown_anyway(
        services: Services, service: str) -> None:
    # Apprise hands Discord a text body as it is, and Mattermost has no text format: both
    # render it as markdown. A text message must arrive as escaped markdown.
    send(services.url(service), Rendered("Subject [x](https://evil.example)",
                                         "Line [click](https://evil.example) *b* <@&1>", "text"))
    [payload] = services.payloads(service)
    arrived = payload["content" if service == "discord" else "text"]
    assert arrived == (r"Subject \[x\]\(https://evil.example\)" "\r\n"
                       r"Line \[click\]\(https://evil.example\) \*b\* \<@&1\>")


@pytest.mark.parametrize("service", ["discord", "mattermost"])
def test_html_is_turned_into_escaped_markdown_for_them_too(services: Services,
                                                           service: str) -> None:
    send(services.url(service), Rendered(
        "Subject", "<p>A &lt;b&gt; [click](https://evil.example)</p><p>Two</p>", "html"))
    [payload] = services.payloads(service)
    body = payload["content" if service == "discord" else "text"].split("\r\n", 1)[1]
    assert body == r"A \<b\> \[click\]\(https://evil.example\)" "\nTwo"


def test_a_subject_is_plain_where_the_service_shows_it_as_text(services: Services) -> None:
    # A Slack attachment title is plain text (Apprise turns < > & into entities).
    send(services.url("slack"), Rendered("Talks [x](y) *b* & <z>", "Body", "markdown"))
    [payload] = services.payloads("slack")
    assert payload["attachments"][0]["title"] == "Talks [x](y) *b* &amp; &lt;z&gt;"


@pytest.mark.parametrize(("fmt", "expected"), [
    ("markdown", r"*\[x\](tg://user?id=42) \*b\**"),
    ("text", "<b>[x](tg://user?id=42) *b*</b>"),
    ("html", '<b>&lt;a href="tg://user?id=42"&gt;x&lt;/a&gt;</b>'),
])
def test_telegram_reads_the_subject_in_the_bodys_format(services: Services, fmt: str,
                                                        expected: str) -> None:
    # Telegram has no title field: Apprise puts it at the top of the body and converts it
    # with the body, so it is escaped as the body is.
    subject = {"html": '<a href="tg://user?id=42">x</a>'}.get(fmt, "[x](tg://user?id=42) *b*")
    send(services.url("telegram"), Rendered(subject, "Body", fmt))
    [payload] = services.payloads("telegram")
    assert payload["text"].split("\n")[0].rstrip("\r") == expected
