"""Chat services stood in for on 127.0.0.1: Apprise's own Slack, Discord, Telegram, Teams
(Power Automate workflow) and Mattermost plugins run for real and post over real HTTP to a
local server that records each request and answers as the service does.

Mattermost and Teams take a host in their Apprise URL, so they are pointed at the local server
by URL (Teams over TLS, with a certificate made for the test and `verify=no`). Slack, Discord
and Telegram only ever post to their own cloud: the fixture moves their endpoint attribute to
the local server, which is all that is patched.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import ssl
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from alerts.channels import Channel
from alerts.notify import send
from alerts.ops import send_to_ops
from alerts.render import render, render_digest
from alerts.source_notices import render_notices
from core.settings import Settings
from pipeline.config import Config
from tests.alerts import hostile_strings as corpus

SLACK_TOKENS = ("T0NEWSWAT", "B0ALERTS1", "s3cretW3bh00kT0ken42xyz")
DISCORD_ID, DISCORD_TOKEN = "123456789012345678", "s3cretD1sc0rdT0ken"
TELEGRAM_BOT, TELEGRAM_CHAT = "123456789:AAHs3cretTeleg4amT0ken", "-1001234567890"
MATTERMOST_TOKEN = "s3cretM4ttermostT0ken"
TEAMS_WORKFLOW, TEAMS_SIGNATURE = "f0a1b2c3d4e5", "s3cretTe4msSignature"
SERVICES = ("slack", "discord", "telegram", "teams", "mattermost")


@dataclass(frozen=True)
class Request:
    method: str
    path: str                 # with its query
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class ServiceServer:
    """A loopback HTTP (or HTTPS) server: every POST is recorded and answered 200 with a body
    each of the services above accepts."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.requests: list[Request] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append(Request("POST", self.path, dict(self.headers), body))
                # A Slack webhook answers "ok"; the others JSON (Telegram's with "ok": true).
                reply = (b"ok" if self.path.startswith("/services/")
                         else b'{"ok": true, "result": {"message_id": 1}, "id": "1"}')
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:   # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if context is not None:
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        scheme = "https" if context else "http"
        self.base_url = f"{scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    def __enter__(self) -> ServiceServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def tls_context(folder: Path) -> ssl.SSLContext:
    """A server context with a certificate for 127.0.0.1 made now (valid for a day)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


@dataclass
class Services:
    """The local stand-ins, each service's Apprise URL, and where each posts."""

    web: ServiceServer
    tls: ServiceServer

    def url(self, service: str) -> str:
        return {
            "slack": "slack://{}/{}/{}".format(*SLACK_TOKENS),
            "discord": f"discord://{DISCORD_ID}/{DISCORD_TOKEN}",
            "telegram": f"tgram://{TELEGRAM_BOT}/{TELEGRAM_CHAT}",
            "mattermost": f"mmost://127.0.0.1:{self.web.port}/{MATTERMOST_TOKEN}",
            "teams": (f"workflow://127.0.0.1:{self.tls.port}/{TEAMS_WORKFLOW}/"
                      f"{TEAMS_SIGNATURE}?verify=no"),
        }[service]

    def posted(self, service: str) -> list[Request]:
        """The requests this service's stand-in received."""
        if service == "teams":
            return list(self.tls.requests)
        prefix = {"slack": "/services/", "discord": "/api/webhooks/", "telegram": "/bot",
                  "mattermost": "/hooks/"}[service]
        return [r for r in self.web.requests if r.path.startswith(prefix)]

    def payloads(self, service: str) -> list[Any]:
        return [r.json for r in self.posted(service)]


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Services]:
    with (ServiceServer() as web, ServiceServer(tls_context(tmp_path)) as tls,
          warnings.catch_warnings()):
        # The Teams stand-in's certificate is made for the test: not verifying it is the point.
        warnings.filterwarnings("ignore", message="Unverified HTTPS request")
        monkeypatch.setattr("apprise.plugins.slack.NotifySlack.webhook_url",
                            f"{web.base_url}/services")
        monkeypatch.setattr("apprise.plugins.discord.NotifyDiscord.notify_url",
                            f"{web.base_url}/api/webhooks")
        monkeypatch.setattr("apprise.plugins.telegram.NotifyTelegram.notify_url",
                            f"{web.base_url}/bot")
        yield Services(web, tls)


KINDS = ("alert", "digest", "notice")


def deliver(url: str, kind: str, fmt: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Send the corpus's alert, digest or ops notice to `url`, rendered for a channel of format
    `fmt`: alerts and digests as delivery sends them, the notice through the ops channels'
    own path (`send_to_ops`, the URL read from the environment)."""
    if kind == "alert":
        send(url, render(corpus.ALERT, fmt))
    elif kind == "digest":
        for part in render_digest(corpus.DIGEST, fmt):
            send(url, part)
    else:
        monkeypatch.setenv("TEST_OPS_CHANNEL_URL", url)
        ops = Channel.model_validate({"name": "ops", "url": {"$env": "TEST_OPS_CHANNEL_URL"},
                                      "format": fmt, "ops": True})
        settings = Settings(warehouse=folder / "wh.duckdb", config_dir=folder)
        sent, failures = asyncio.run(send_to_ops(
            settings, Config(channels={"ops": ops}),
            lambda channel: [render_notices(corpus.NOTICES, channel.format)]))
        assert (sent, failures) == (1, [])
