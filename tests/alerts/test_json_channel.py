"""Apprise's generic `json://` service, delivered for real to an HTTP server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from alerts.notify import send
from alerts.render import render, render_digest
from core.errors import DeliveryError
from core.records import AlertView

ZWJ = "\u200d"
ALERT = AlertView(
    alert_id="a1b2c3", rule_id="ceasefire", rule_name="Ceasefire", severity="high",
    title="Ceasefire talks <to open> as Corvania & Estmark step back @here",
    url="https://harbour-times.example/world/ceasefire-talks?id=7&page=2",
    source_name="The Harbour Times", published_at=datetime(2026, 11, 20, 9, 40, tzinfo=UTC),
    sentence="Negotiators said they would open talks on a ceasefire in the disputed region.",
    terms=("ceasefire",), other_sources=("Northern Ledger",),
)


@dataclass
class Hook:
    """What the loopback server received: (path, headers, parsed JSON body) per request."""

    port: int
    received: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)  # parsed JSON
    status: int = 200


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((self.path, dict(self.headers), json.loads(body)))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:   # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_a_text_alert_arrives_as_apprise_json(hook: Hook) -> None:
    send(f"json://127.0.0.1:{hook.port}/hooks/newswatch", render(ALERT, "text", "Europe/Paris"))

    [(path, headers, payload)] = hook.received
    assert path == "/hooks/newswatch"
    assert headers["Content-Type"] == "application/json"
    assert payload == {
        "version": "1.0",
        "title": f"[newswatch] Ceasefire: Ceasefire talks <to open> as Corvania & Estmark step "
                 f"back @{ZWJ}here",
        "message": "\n".join([
            f"Ceasefire talks <to open> as Corvania & Estmark step back @{ZWJ}here",
            "https://harbour-times.example/world/ceasefire-talks?id=7&page=2",
            "The Harbour Times · 20 Nov 2026 10:40 CET",
            '"Negotiators said they would open talks on a ceasefire in the disputed region."',
            "Also carried by: Northern Ledger",
            "HIGH · Ceasefire (matched: ceasefire)",
            "Alert a1b2c3 · rate it: newswatch feedback a1b2c3 relevant|irrelevant",
        ]),
        "attachments": [],
        "type": "info",
    }


def test_a_markdown_alert_arrives_escaped(hook: Hook) -> None:
    send(f"json://127.0.0.1:{hook.port}/", render(ALERT, "markdown"))
    message = hook.received[0][2]["message"]
    assert message.splitlines()[0] == (
        rf"**[Ceasefire talks \<to open\> as Corvania & Estmark step back @{ZWJ}here]"
        "(https://harbour-times.example/world/ceasefire-talks?id=7&page=2)**")


def test_slack_blocks_are_for_slack_only(hook: Hook) -> None:
    # A slack-format message sent to another service is its markdown body.
    send(f"json://127.0.0.1:{hook.port}/", render(ALERT, "slack"))
    assert hook.received[0][2]["message"] == render(ALERT, "markdown").body


def test_a_digest_arrives_as_one_message(hook: Hook) -> None:
    alerts = [ALERT, replace(ALERT, alert_id="a2", title="Second story", sentence=None)]
    [digest] = render_digest(alerts, "text", heading="Evening digest")
    send(f"json://127.0.0.1:{hook.port}/", digest)
    payload = hook.received[0][2]
    assert payload["title"] == "[newswatch] Evening digest: 2 stories"
    assert payload["message"].splitlines()[:2] == [
        "== Ceasefire (high) ==", ""]


def test_a_server_error_raises_delivery_error_with_the_status(hook: Hook) -> None:
    hook.status = 503
    with pytest.raises(DeliveryError) as caught:
        send(f"json://127.0.0.1:{hook.port}/s3cret-hook-t0ken", render(ALERT, "text"))
    assert "503" in str(caught.value)
    assert "s3cret-hook-t0ken" not in str(caught.value)
