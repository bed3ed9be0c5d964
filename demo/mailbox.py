"""A real SMTP server on loopback that keeps what it receives: the demo's inbox, no account."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: EmailMessage
    # When the message was accepted (end of DATA): what alert latency is measured to.
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return str(part.get_content())
        return ""


@dataclass
class _Handler:
    received: list[ReceivedMail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse_with: str | None = None   # e.g. "550 mailbox unavailable", to test a rejecting server

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        if self.refuse_with:
            return self.refuse_with
        content = envelope.content or b""   # set by the time DATA is handled
        raw = content if isinstance(content, bytes) else content.encode()
        message = message_from_bytes(raw, policy=policy.default)
        with self.lock:
            self.received.append(ReceivedMail(
                envelope.mail_from or "", list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class LoopbackMailbox:
    """`with LoopbackMailbox() as box:` starts an SMTP server on 127.0.0.1 on a free port."""

    def __init__(self) -> None:
        self._handler = _Handler()
        self.port = _free_port()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> LoopbackMailbox:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def apprise_url(self, to: str = "desk@newswatch.localhost",
                    sender: str = "alerts@newswatch.localhost") -> str:
        return f"mailto://127.0.0.1:{self.port}?from={sender}&to={to}&mode=insecure"

    @property
    def received(self) -> list[ReceivedMail]:
        with self._handler.lock:
            return list(self._handler.received)

    def refuse(self, reply: str | None) -> None:
        self._handler.refuse_with = reply


def _free_port() -> int:
    # aiosmtpd's Controller checks it is up by connecting to the port, so it needs a real one.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
