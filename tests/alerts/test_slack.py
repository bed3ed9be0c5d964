"""Slack: the exact JSON Apprise posts, caught at the HTTP transport (requests' adapter), so
Apprise's Slack plugin, its template handling and our blocks all run for real."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from alerts.notify import send
from alerts.render import Rendered, TemplateError, render, render_digest
from alerts.render_slack import MAX_BLOCKS, MAX_BYTES, MAX_TEXT, TEXT_MAX, template_json
from core.errors import DeliveryError
from core.records import AlertView, EventDate

TOKEN_A, TOKEN_B, TOKEN_C = "T0NEWSWAT", "B0ALERTS1", "s3cretW3bh00kT0ken42xyz"
WEBHOOK = f"slack://{TOKEN_A}/{TOKEN_B}/{TOKEN_C}"
BOT_TOKEN = "xoxb-1234-5678-s3cretB0tT0ken"
ZWJ = "\u200d"

ALERT = AlertView(
    alert_id="a1b2c3",
    rule_id="ceasefire",
    rule_name="Ceasefire",
    severity="high",
    title="Ceasefire talks to open as Corvania & Estmark step back",
    url="https://harbour-times.example/world/ceasefire-talks?id=7&page=2",
    source_name="The Harbour Times",
    published_at=datetime(2026, 11, 20, 9, 40, tzinfo=UTC),
    sentence="Negotiators said they would open talks on a ceasefire in the disputed region.",
    terms=("ceasefire",),
    other_sources=("Northern Ledger", "Valley Courier"),
)

HEAD = ("*<https://harbour-times.example/world/ceasefire-talks?id=7&amp;page=2|Ceasefire talks "
        "to open as Corvania &amp; Estmark step back>*\n"
        "The Harbour Times · 20 Nov 2026 10:40 CET\n"
        "Also carried by: Northern Ledger, Valley Courier")
QUOTE = "> Negotiators said they would open talks on a *ceasefire* in the disputed region."
META = "*HIGH* · Ceasefire · matched: ceasefire"


def section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def context(text: str, alert_ref: str | None = None) -> dict[str, object]:
    """A context block; an alert's also carries its id and the command that rates it."""
    elements = [{"type": "mrkdwn", "text": text, "verbatim": True}]
    if alert_ref is not None:
        elements.append({"type": "mrkdwn", "verbatim": True, "text": f"Alert `{alert_ref}` · "
                         f"rate it: `newswatch feedback {alert_ref} relevant|irrelevant`"})
    return {"type": "context", "elements": elements}


class SlackHTTP:
    """Stands in for Slack's servers below `requests`: records each PreparedRequest and
    answers with a real `requests.Response` (200 "ok" unless told otherwise)."""

    def __init__(self) -> None:
        self.requests: list[requests.PreparedRequest] = []
        self._replies: list[tuple[int, bytes]] = []

    def reply(self, status: int, body: bytes = b"ok") -> None:
        self._replies.append((status, body))

    def send(self, adapter: HTTPAdapter, request: requests.PreparedRequest,
             **kwargs: object) -> requests.Response:
        self.requests.append(request)
        status, body = self._replies.pop(0) if self._replies else (200, b"ok")
        response = requests.Response()
        response.status_code, response._content = status, body
        response.url, response.request, response.encoding = str(request.url), request, "utf-8"
        return response

    @property
    def payloads(self) -> list[dict[str, Any]]:      # parsed JSON, as json.loads types it
        return [json.loads(_body(r)) for r in self.requests]


def _slack(message: Rendered) -> dict[str, Any]:
    assert message.slack is not None, "a message rendered for Slack carries its payload"
    return message.slack


def _body(request: requests.PreparedRequest) -> bytes | str:
    body = request.body or b""
    assert isinstance(body, bytes | str), f"a streamed request body: {body!r}"
    return body


@pytest.fixture
def slack_http(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackHTTP]:
    fake = SlackHTTP()

    def send(adapter: HTTPAdapter, request: requests.PreparedRequest,
             **kwargs: object) -> requests.Response:
        return fake.send(adapter, request, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", send)
    yield fake


def test_a_webhook_gets_block_kit_with_the_headline_linked(slack_http: SlackHTTP) -> None:
    send(WEBHOOK, render(ALERT, "slack", "Europe/Paris"))

    [request] = slack_http.requests
    assert request.method == "POST"
    assert request.url == f"https://hooks.slack.com/services/{TOKEN_A}/{TOKEN_B}/{TOKEN_C}"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert slack_http.payloads == [{"attachments": [{
        "color": "#e8912d",
        "fallback": "HIGH · Ceasefire: Ceasefire talks to open as Corvania &amp; Estmark step back",
        "blocks": [section(HEAD), section(QUOTE), context(META, "a1b2c3")],
    }]}]


def test_slack_rendering_keeps_a_markdown_body_for_other_services() -> None:
    out = render(ALERT, "slack", "Europe/Paris")
    assert (out.title, out.body_format) == (
        "[newswatch] Ceasefire: Ceasefire talks to open as Corvania & Estmark step back",
        "markdown")
    assert out.body == render(ALERT, "markdown", "Europe/Paris").body


def test_event_date_and_no_sentence(slack_http: SlackHTTP) -> None:
    when = EventDate("2026-12-03", "on 3 December", "Talks open on 3 December.",
                     start=date(2026, 12, 3), end=date(2026, 12, 3))
    alert = replace(ALERT, sentence=None, other_sources=(), event_date=when)
    send(WEBHOOK, render(alert, "slack", "UTC"))
    assert slack_http.payloads[0]["attachments"][0]["blocks"] == [
        section("*<https://harbour-times.example/world/ceasefire-talks?id=7&amp;page=2|Ceasefire "
                "talks to open as Corvania &amp; Estmark step back>*\n"
                "The Harbour Times · 20 Nov 2026 09:40 UTC"),
        context("*HIGH* · Ceasefire · event date: Thu 03 Dec 2026 · matched: ceasefire",
                "a1b2c3"),
    ]


def test_the_webhook_url_slack_shows_works_too(slack_http: SlackHTTP) -> None:
    url = f"https://hooks.slack.com/services/{TOKEN_A}/{TOKEN_B}/{TOKEN_C}"
    send(url, render(ALERT, "slack", "Europe/Paris"))
    assert slack_http.requests[0].url == url
    assert slack_http.payloads[0]["attachments"][0]["blocks"][0] == section(HEAD)


def test_a_bot_token_posts_the_blocks_to_the_named_channel(slack_http: SlackHTTP) -> None:
    slack_http.reply(200, b'{"ok": true, "channel": "C0NEWS", "ts": "1795742834.000100"}')
    send(f"slack://{BOT_TOKEN}/#news", render(ALERT, "slack", "Europe/Paris"))

    [request] = slack_http.requests
    assert request.url == "https://slack.com/api/chat.postMessage"
    assert request.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert slack_http.payloads == [{"channel": "#news", "attachments": [{
        "color": "#e8912d",
        "fallback": "HIGH · Ceasefire: Ceasefire talks to open as Corvania &amp; Estmark step back",
        "blocks": [section(HEAD), section(QUOTE), context(META, "a1b2c3")],
    }]}]


@pytest.mark.parametrize(("status", "reason"), [
    (429, "Failed to send to Slack: error=429."),
    (500, "Failed to send to Slack: Internal server error., error=500."),
    (404, "Failed to send to Slack: Page not found., error=404."),
])
def test_a_refusing_slack_raises_delivery_error_with_the_status_and_no_token(
        slack_http: SlackHTTP, status: int, reason: str) -> None:
    slack_http.reply(status, b"rate_limited" if status == 429 else b"server_error")
    with pytest.raises(DeliveryError) as caught:
        send(WEBHOOK, render(ALERT, "slack"), secrets=["NEWSWATCH_SLACK_URL"])
    assert str(caught.value) == reason
    assert len(slack_http.requests) == 1   # Apprise does not retry; the outbox does


def test_a_bot_error_never_shows_the_token(slack_http: SlackHTTP) -> None:
    slack_http.reply(200, b'{"ok": false, "error": "invalid_blocks"}')
    with pytest.raises(DeliveryError) as caught:
        send(f"slack://{BOT_TOKEN}/#news", render(ALERT, "slack"))
    assert str(caught.value) == "Failed to send to Slack: error=200."
    for secret in (BOT_TOKEN, "s3cretB0tT0ken"):
        assert secret not in str(caught.value)


def test_tokens_in_a_reason_are_scrubbed(slack_http: SlackHTTP, monkeypatch: pytest.MonkeyPatch,
                                         ) -> None:
    def refuse(*args: object, **kwargs: object) -> requests.Response:
        raise requests.ConnectionError(f"cannot reach hooks.slack.com/services/{TOKEN_A}/"
                                       f"{TOKEN_B}/{TOKEN_C}")
    monkeypatch.setattr(HTTPAdapter, "send", refuse)
    with pytest.raises(DeliveryError) as caught:
        send(WEBHOOK, render(ALERT, "slack"))
    assert str(caught.value) == "A Connection error occurred posting to Slack."
    for token in (TOKEN_A, TOKEN_B, TOKEN_C):
        assert token not in str(caught.value)


def test_a_url_with_its_own_apprise_template_keeps_it(slack_http: SlackHTTP,
                                                       tmp_path: Path) -> None:
    own = tmp_path / "own.json"
    own.write_text('{"blocks": [{"type": "section", "text": {"type": "mrkdwn", '
                   '"text": "{{app_title}}"}}]}')
    send(f"{WEBHOOK}?template={own}", render(ALERT, "slack"))
    assert slack_http.payloads == [{"attachments": [{"blocks": [section_plain(
        "[newswatch] Ceasefire: Ceasefire talks to open as Corvania & Estmark step back")]}]}]


def section_plain(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_apprise_tokens_in_article_text_are_not_expanded(slack_http: SlackHTTP) -> None:
    # Apprise fills `{{name}}` in a Slack template from the URL's `:name=value` tokens (and its
    # own app_* ones); a headline must not be able to pull a value in.
    alert = replace(ALERT, title="Leak of {{desk}} and {{ desk }} and {{{desk}}}",
                    sentence=None, other_sources=())
    send(f"{WEBHOOK}?:desk=s3cretDeskValue", render(alert, "slack"))
    head = slack_http.payloads[0]["attachments"][0]["blocks"][0]["text"]["text"]
    assert head.startswith("*<https://harbour-times.example/world/ceasefire-talks?id=7&amp;"
                           "page=2|Leak of {{desk}} and {{ desk }} and {{{desk}}}>*\n")
    assert "s3cretDeskValue" not in str(slack_http.requests[0].body)


def test_a_huge_alert_is_shortened_to_fit(slack_http: SlackHTTP) -> None:
    word = "W" * 10_000
    alert = replace(ALERT, title=word, sentence=f"A ceasefire {word}", source_name=word,
                    other_sources=(word,) * 30, terms=("ceasefire",))
    send(WEBHOOK, render(alert, "slack"))
    [payload] = slack_http.payloads
    blocks = payload["attachments"][0]["blocks"]
    short = "W" * 199 + "…"
    assert blocks[0]["text"]["text"] == clip(
        f"*<https://harbour-times.example/world/ceasefire-talks?id=7&amp;page=2|{'W' * 299}…>*\n"
        f"{short} · 20 Nov 2026 09:40 UTC\nAlso carried by: " + ", ".join([short] * 30))
    assert blocks[1]["text"]["text"] == "> A *ceasefire* " + "W" * (399 - 12) + "…"
    assert all(len(t) <= TEXT_MAX for t in texts(blocks))
    assert len(template_json(payload["attachments"][0])) <= MAX_BYTES


def clip(text: str) -> str:
    return text if len(text) <= TEXT_MAX else text[:TEXT_MAX - 1] + "…"


def texts(blocks: object) -> list[str]:
    if isinstance(blocks, dict):
        own = [blocks["text"]] if isinstance(blocks.get("text"), str) else []
        return own + [t for v in blocks.values() for t in texts(v)]
    if isinstance(blocks, list):
        return [t for v in blocks for t in texts(v)]
    return []


def many_alerts(count: int) -> list[AlertView]:
    rules = [("ceasefire", "Ceasefire", "high"), ("floods", "Floods", "critical"),
             ("ports", "Port strikes", "low")]
    alerts = []
    for n in range(count):
        rule_id, name, severity = rules[n % 3]
        alerts.append(replace(
            ALERT, alert_id=f"a{n:03}", rule_id=rule_id, rule_name=name, severity=severity,
            title=f"Story {n:03}: " + "a long headline word " * 12,
            url=f"https://news.example/{n:03}", published_at=ALERT.published_at
            and ALERT.published_at + timedelta(minutes=n),
            sentence="The ceasefire " + "held and " * 40 + "ended.", other_sources=()))
    return alerts


def test_a_big_digest_is_split_under_slacks_limits(slack_http: SlackHTTP) -> None:
    alerts = many_alerts(60)
    parts = render_digest(alerts, "slack", "UTC", heading="Morning digest", max_items=50)

    assert [p.title for p in parts] == [
        f"[newswatch] Morning digest: 60 stories ({n}/4)" for n in range(1, 5)]
    for number, part in enumerate(parts, start=1):
        assert part.slack is not None
        blocks = part.slack["blocks"]
        assert blocks[0] == section(f"*Morning digest: 60 stories ({number}/4)*")
        assert len(blocks) <= MAX_BLOCKS
        assert len(template_json(part.slack)) <= MAX_BYTES
        assert sum(len(t) for t in texts(blocks)) <= MAX_TEXT
        send(WEBHOOK, part)
    # Each message went out as rendered, in order.
    assert slack_http.payloads == [{"attachments": [p.slack]} for p in parts]

    # Every story shown once, most severe rule first; a rule cut by a message break goes on
    # under its heading, marked "continued".
    all_blocks = [b for p in parts for b in _slack(p)["blocks"]]
    headings = [b["text"]["text"] for b in all_blocks
                if b["type"] == "section" and b["text"]["text"].startswith("*")
                and "|" not in b["text"]["text"] and "digest" not in b["text"]["text"]]
    assert headings == ["*Floods* · CRITICAL", "*Floods* · CRITICAL (continued)",
                        "*Ceasefire* · HIGH", "*Ceasefire* · HIGH (continued)",
                        "*Port strikes* · LOW", "*Port strikes* · LOW (continued)"]
    links = [b["text"]["text"].split("|")[0] for b in all_blocks
             if b["type"] == "section" and b["text"]["text"].startswith("*<")]
    assert len(links) == len(set(links)) == 50
    assert _slack(parts[-1])["blocks"][-1] == context(
        "… and 10 more; see v_alerts in the warehouse.")
    # The most severe story in a message sets its colour.
    assert [_slack(p)["color"] for p in parts] == [
        "#d40e0d", "#d40e0d", "#e8912d", "#9e9e9e"]


def test_a_digest_of_long_non_latin_stories_is_split_by_size(slack_http: SlackHTTP) -> None:
    # Arabic text is escaped as \uXXXX in the JSON Apprise reads: size binds before blocks.
    alerts = [replace(ALERT, alert_id=f"a{n}", title=f"{n} " + "وقف إطلاق النار " * 30,
                      sentence="قال المفاوضون إنهم سيبدأون محادثات " * 20, url=f"https://x.example/{n}")
              for n in range(30)]
    parts = render_digest(alerts, "slack")
    assert len(parts) == 5
    for part in parts:
        assert part.slack is not None
        assert len(part.slack["blocks"]) < MAX_BLOCKS
        assert 25_000 < len(template_json(part.slack)) <= MAX_BYTES or part is parts[-1]
        send(WEBHOOK, part)
    assert slack_http.payloads == [{"attachments": [p.slack]} for p in parts]


def test_the_fallback_body_of_a_digest_part_lists_the_same_stories() -> None:
    parts = render_digest(many_alerts(60), "slack", max_items=50)
    bodies = "\n".join(p.body for p in parts)
    assert bodies.count("**[Story") == 50
    first = parts[0].body.split("\n\n")
    assert first[0] == "## Floods \\(critical\\)"


def test_a_small_digest_is_one_message_without_a_part_number() -> None:
    [part] = render_digest(many_alerts(2), "slack", heading="Digest")
    assert part.title == "[newswatch] Digest: 2 stories"
    assert part.slack is not None and part.slack["blocks"][0] == section("*Digest: 2 stories*")
    assert part.slack["fallback"] == "Digest: 2 stories"


def test_a_rules_own_slack_template(slack_http: SlackHTTP, tmp_path: Path) -> None:
    template = tmp_path / "ceasefire.slack.j2"
    template.write_text(
        '{#- headline as a header, the link in a button -#}\n'
        '[{"type": "header", "text": {"type": "plain_text", "text": {{ title | tojson }}}},\n'
        ' {"type": "section", "text": {"type": "mrkdwn", "text": {{ sentence | tojson }}},\n'
        '  "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Read"},\n'
        '                "url": {{ url | tojson }}}}]\n')
    alert = replace(ALERT, title="Corvania <!here> & Estmark " + "x" * 200)
    send(WEBHOOK, render(alert, "slack", template=template))
    blocks = slack_http.payloads[0]["attachments"][0]["blocks"]
    assert blocks == [
        {"type": "header", "text": {"type": "plain_text", "text": clip_to(
            f"Corvania &lt;{ZWJ}!here&gt; &amp; Estmark " + "x" * 200, 150)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": QUOTE[2:]},
         "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Read"},
                       "url": "https://harbour-times.example/world/ceasefire-talks?id=7&"
                              "page=2"}},
    ]


def clip_to(text: str, limit: int) -> str:
    return text[:limit - 1] + "…"


def test_a_broken_slack_template_is_reported_with_its_path(tmp_path: Path) -> None:
    template = tmp_path / "broken.slack.j2"
    template.write_text('[{"type": "section", "text": {{ title | tojson }}},]\n')
    with pytest.raises(TemplateError, match=r"broken\.slack\.j2: not valid JSON"):
        render(ALERT, "slack", template=template)
    template.write_text('{"type": "section"}')
    with pytest.raises(TemplateError, match="must be a JSON list of Block Kit blocks"):
        render(ALERT, "slack", template=template)


def test_markdown_to_a_slack_url_uses_apprises_own_message(slack_http: SlackHTTP) -> None:
    # A channel set to markdown (not slack) still reaches Slack safely, as Apprise's legacy
    # attachment: no Block Kit, but nothing in the article can ping or link.
    alert = replace(ALERT, title="<!channel> <@U123> <http://evil.example|click me>")
    send(WEBHOOK, render(alert, "markdown"))
    text = slack_http.payloads[0]["attachments"][0]["text"]
    assert text.splitlines()[0] == (
        "*<https://harbour-times.example/world/ceasefire-talks?id=7&amp;page=2|"
        f"&lt;{ZWJ}!channel&gt; &lt;{ZWJ}@{ZWJ}U123&gt; &lt;http://evil.example\\|click me&gt;>*")


def test_a_plain_rendered_message_needs_no_blocks(slack_http: SlackHTTP) -> None:
    send(WEBHOOK, Rendered("Hello", "Plain words & <b>", "text"))
    text = slack_http.payloads[0]["attachments"][0]["text"]
    assert text == "Plain words &amp; &lt;b&gt;"
