"""Many sources with nothing new: one small RSS feed per source, each answering a conditional
GET with 304, served from another process on loopback for the idle-run benchmark.

Sources are spread over a few loopback addresses (127.0.0.1, 127.0.0.2, ...): as many as the
fetcher's connection pool holds at its per-host concurrency (8 connections, 2 per host: 4
hosts), so requests neither queue on one host nor wait for a pooled connection.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path

import yaml

FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Idle desk</title>'
        b"<link>http://127.0.0.1/</link><description>Nothing new</description></channel></rss>")
ETAG = '"idle-1"'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if not self.path.startswith("/feed/"):
            self._reply(404, b"not found", "text/plain")
        elif self.headers.get("If-None-Match") == ETAG:
            self.send_response(304)
            self.send_header("ETag", ETAG)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._reply(200, FEED, "application/rss+xml", etag=ETAG)

    def _reply(self, status: int, body: bytes, kind: str, etag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


def _serve(hosts: int, reply: Connection) -> None:
    servers = [ThreadingHTTPServer((f"127.0.0.{i + 1}", 0), _Handler) for i in range(hosts)]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    reply.send([f"http://127.0.0.{i + 1}:{s.server_address[1]}" for i, s in enumerate(servers)])
    reply.recv()   # anything (or the pipe closing) ends the process


class IdleFeeds:
    """`with IdleFeeds(hosts) as feeds:` the base URLs of `hosts` loopback servers, each
    serving /feed/<anything> as an empty RSS feed with an ETag (304 when it matches)."""

    def __init__(self, hosts: int = 4) -> None:
        self.hosts = hosts
        self.bases: list[str] = []
        self.pid = 0   # the serving process, once started

    def __enter__(self) -> IdleFeeds:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(self.hosts, child), daemon=True)
        self._process.start()
        if not self._pipe.poll(60):
            self._process.kill()
            raise RuntimeError("the idle feed servers did not start within 60 s")
        self.bases = self._pipe.recv()
        self.pid = self._process.pid or 0
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self._pipe.send("stop")
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()

    def source_urls(self, count: int) -> list[str]:
        return [f"{self.bases[i % len(self.bases)]}/feed/{i}" for i in range(count)]


def write_idle_config(target: Path, urls: list[str], rules_from: Path,
                      channels_from: Path) -> Path:
    """A config folder with one source per URL and the project's rules and channels."""
    if target.exists():
        shutil.rmtree(target)
    (target / "rules").mkdir(parents=True)
    sources = [{"id": f"idle-{i:04d}", "url": url, "robots": False,
                "allow_private_addresses": True} for i, url in enumerate(urls)]
    (target / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}), "utf-8")
    shutil.copy(channels_from, target / "channels.yaml")
    for rule_file in sorted(rules_from.glob("*.y*ml")):
        shutil.copy(rule_file, target / "rules" / rule_file.name)
    entities = rules_from.parent / "entities.yaml"
    if entities.is_file():
        shutil.copy(entities, target / "entities.yaml")
    return target
