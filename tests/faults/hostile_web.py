"""The hostile web of the fault suite: bad feeds and pages, a Slack stand-in, an SMTP server
that can refuse or die mid-message. Everything listens on 127.0.0.1 only.

The HTTP routes run on tests/scrapers/hostile_server.py's HostileServer; this module adds the
pages a monitor run reads (feeds and article pages written here) and the faults the fetcher
tests do not need: a port that never accepts, resets mid-body, endless or huge bodies.
"""

from __future__ import annotations

import gzip
import json
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from urllib.parse import urlsplit

import requests
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from requests.adapters import HTTPAdapter

from tests.scrapers.hostile_server import HostileRequest, Route

# --- pages and feeds -----------------------------------------------------------------------

_TEXT = ("harbour pilots counted the barges that waited outside the breakwater while the "
         "tide turned and the cranes on the east quay stood still for the third morning as "
         "dock workers met their employers to talk about night shifts safety rules and the "
         "price of diesel for the tugs that bring the larger ships into the narrow channel")
_WORDS = _TEXT.split()


@dataclass(frozen=True)
class Page:
    """One article of the hostile site: what its page says and how a rule sees it."""

    number: int
    title: str
    mentions: str | None = None    # a rule term in the body, so the article raises an alert
    published: str | None = "2026-11-21T09:00:00Z"   # in the page's metadata; None: no date

    def text(self) -> str:
        words = [_WORDS[(self.number * 7 + i) % len(_WORDS)] for i in range(90)]
        if self.mentions:
            words[10:10] = ["near", self.mentions]
        return " ".join(words).capitalize() + "."


def page(number: int, mentions: str | None = None,
         published: str | None = "2026-11-21T09:00:00Z") -> Page:
    return Page(number, f"Quay report number {number} from the hostile coast", mentions,
                published)


def article_html(p: Page, *, canonical: str | None = None, charset_meta: str | None = "utf-8",
                 title: str | None = None) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    link = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    date = (f'<meta property="article:published_time" content="{p.published}">'
            if p.published else "")
    heading = escape(title or p.title)
    return (f"<!doctype html><html lang=en><head>{meta}<title>{heading}</title>{link}{date}"
            f"</head><body><article><h1>{heading}</h1><p>{escape(p.text())}</p>"
            f"<p>{escape(p.text()[::-1].capitalize())}</p></article></body></html>")


@dataclass(frozen=True)
class Item:
    link: str
    title: str
    guid: str | None = None
    date: str | None = "Sat, 21 Nov 2026 09:00:00 GMT"


def rss(items: list[Item], *, title: str = "The Hostile Coast") -> bytes:
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
             f"<title>{escape(title)}</title><link>http://127.0.0.1/</link>"
             "<description>hostile</description>"]
    for it in items:
        guid = f"<guid>{escape(it.guid)}</guid>" if it.guid else ""
        date = f"<pubDate>{it.date}</pubDate>" if it.date else ""
        parts.append(f"<item><title>{escape(it.title)}</title><link>{escape(it.link)}</link>"
                     f"{guid}{date}</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


# --- routes the fetcher tests do not have ----------------------------------------------------

def reset_mid_body(body: bytes) -> Route:
    """Promise the whole body, send a third of it, then reset the connection (RST)."""
    def route(req: HostileRequest) -> None:
        req.start(200, {"Content-Type": "text/html; charset=utf-8",
                        "Content-Length": str(len(body))})
        req.write(body[: len(body) // 3])
        handler = req._handler   # the socket itself is the point of this fault
        sock: socket.socket = handler.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True
        handler.wfile.close()   # the file objects hold the descriptor open: close them all,
        handler.rfile.close()   # so that closing the socket with linger 0 sends a RST
        sock.close()
    return route


def endless(total: int, chunk: bytes = b"<p>" + b"x" * 65_530 + b"</p>") -> Route:
    """A `total`-byte page written in 64 kB pieces (never held whole in memory here)."""
    def route(req: HostileRequest) -> None:
        req.start(200, {"Content-Type": "text/html; charset=utf-8",
                        "Content-Length": str(total)})
        sent = 0
        while sent < total:
            piece = chunk[: total - sent]
            req.write(piece)
            sent += len(piece)
    return route


def gzip_bomb(inflated: int) -> Route:
    """`inflated` bytes of zeros, gzip-compressed a megabyte at a time (about a thousandth
    of the size on the wire; never held whole here, so the memory measured is the run's)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    parts = [packer.compress(zeros) for _ in range(inflated >> 20)]
    packed = b"".join(parts) + packer.flush()

    def route(req: HostileRequest) -> None:
        req.send(200, packed, {"Content-Type": "text/html", "Content-Encoding": "gzip"})
    return route


def truncated_gzip(raw: bytes) -> Route:
    """A gzip body cut short, with a Content-Length that matches what is sent: only the
    missing gzip trailer tells that the page is incomplete."""
    packed = gzip.compress(raw)
    cut = packed[: len(packed) * 2 // 3]

    def route(req: HostileRequest) -> None:
        req.send(200, cut, {"Content-Type": "text/html; charset=utf-8",
                            "Content-Encoding": "gzip"})
    return route


@contextmanager
def unanswered_port() -> Iterator[int]:
    """A port whose listen queue is full: a connection attempt hangs until its timeout, the
    way a host behind a firewall that drops packets behaves."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):   # fill the accept queue without ever accepting
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        fillers.append(s)
    time.sleep(0.05)
    try:
        yield port
    finally:
        for s in fillers:
            s.close()
        listener.close()


# --- Slack stand-in ----------------------------------------------------------------------------

SLACK_HOST = "hooks.slack.com"
# Discord's webhooks land on the same stand-in (under /api/webhooks/), told apart by path.
STAND_IN_HOSTS = frozenset({SLACK_HOST, "discord.com", "discordapp.com"})


class SlackStandIn:
    """A loopback HTTP server answering for hooks.slack.com: records each posted payload and
    answers `status` (200 "ok" by default; 429 with Retry-After, 500, ... when told)."""

    def __init__(self) -> None:
        self.payloads: list[tuple[str, dict[str, object]]] = []   # (path, JSON body)
        self.status = 200
        self.retry_after: str | None = None
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = owner.status
                if status == 200:
                    with owner._lock:
                        owner.payloads.append((self.path, json.loads(body or b"{}")))
                reply = b"ok" if status == 200 else b"rate_limited" if status == 429 else b"err"
                self.send_response(status)
                if status == 429 and owner.retry_after:
                    self.send_header("Retry-After", owner.retry_after)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    def __enter__(self) -> SlackStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def received(self, path_prefix: str = "/") -> list[dict[str, object]]:
        """The payloads posted to paths under `path_prefix` (one webhook's, or all)."""
        with self._lock:
            return [body for path, body in self.payloads if path.startswith(path_prefix)]


_REAL_SEND = HTTPAdapter.send
# How to undo the routing in place now (stopping its patch), if any.
_UNROUTE: list[Callable[[], None]] = []


def route_slack_to(base_url: str | None) -> None:
    """Send requests for hooks.slack.com to `base_url` instead (None: stop), below Apprise,
    in `requests`' transport adapter: Apprise's Slack plugin and its payloads run for real."""
    while _UNROUTE:
        _UNROUTE.pop()()
    if base_url is None:
        return

    def send(adapter: HTTPAdapter, request: requests.PreparedRequest, stream: bool = False,
             timeout: float | tuple[float | None, float | None] | None = None,
             verify: bool | str = True, cert: str | tuple[str, str] | None = None,
             proxies: dict[str, str] | None = None) -> requests.Response:
        parts = urlsplit(str(request.url))
        if parts.hostname in STAND_IN_HOSTS:
            request.url = base_url + parts.path + (f"?{parts.query}" if parts.query else "")
            verify = False
        return _REAL_SEND(adapter, request, stream, timeout, verify, cert, proxies)

    patch = mock.patch.object(HTTPAdapter, "send", send)
    patch.start()
    _UNROUTE.append(patch.stop)


# --- SMTP ---------------------------------------------------------------------------------------

@dataclass
class _SMTPHandler:
    received: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse_with: str | None = None
    # Called with the number of the message (1, 2, ...) before it is accepted; returning
    # False drops it unanswered (the sender was killed meanwhile).
    on_message: Callable[[int], bool] | None = None
    seen: int = 0

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        if self.refuse_with:
            return self.refuse_with
        self.seen += 1
        if self.on_message is not None and not self.on_message(self.seen):
            return "451 sender went away"
        content = envelope.content or b""   # set by the time DATA is handled
        raw = content if isinstance(content, bytes) else content.encode()
        with self.lock:
            self.received.append(message_from_bytes(raw, policy=policy.default))
        return "250 Message accepted for delivery"


class FaultMailbox:
    """An aiosmtpd server on 127.0.0.1 that can be down, refuse with a code, or watch a sender
    die mid-message. `down()` / `up()` stop and restart it on the same port."""

    def __init__(self) -> None:
        self.handler = _SMTPHandler()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self._controller: Controller | None = None

    def up(self) -> FaultMailbox:
        if self._controller is None:
            self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self._controller.start()
        return self

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def url(self) -> str:
        return (f"mailto://127.0.0.1:{self.port}?from=alerts@newswatch.localhost"
                "&to=desk@newswatch.localhost&mode=insecure")

    def received(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.received)


def html_part(message: EmailMessage) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return str(part.get_content())
    return ""
