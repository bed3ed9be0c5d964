"""A real HTTP server on 127.0.0.1 whose routes misbehave on purpose, for the fetcher's tests.

Each route is a callable `(request: HostileRequest) -> None` that writes the whole answer.
The helpers below build the usual ones: a status with headers, a sequence of answers for
retries, slow drips, gzip and brotli bodies, redirect loops, ETag validation, robots.txt and
endless bodies. The server counts every request per path, the body bytes it wrote per path and
the most requests it was handling at the same time.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

import brotli

from demo.routes import DemoApp

Route = Callable[["HostileRequest"], None]


@dataclass(frozen=True)
class SeenRequest:
    path: str           # path and query as requested
    headers: dict[str, str]   # lower-cased names
    at: float           # time.monotonic() when the request line was read


class HostileRequest:
    """What a route sees: the request, its number on that path, and ways to answer."""

    def __init__(self, handler: _Handler, hit: int) -> None:
        self._handler = handler
        self.hit = hit      # 1 for the first request to this path, 2 for the second, ...
        self.path = handler.path
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        self.raw_headers = handler.headers   # case-insensitive lookups

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, *,
             content_length: int | None = None) -> None:
        h = self._handler
        h.send_response(status)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        if status != 304:
            h.send_header("Content-Length",
                          str(len(body) if content_length is None else content_length))
        h.end_headers()
        if body and status != 304:
            self.write(body)
        h.wfile.flush()

    def start(self, status: int, headers: dict[str, str]) -> None:
        """Status line and headers only; write the body with `write`."""
        h = self._handler
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.flush()

    def write(self, data: bytes) -> None:
        self._handler.wfile.write(data)
        self._handler.wfile.flush()
        owner = self._handler.server.owner
        with owner._lock:
            owner.bytes_sent[urlsplit(self.path).path] += len(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, owner: HostileServer, host: str) -> None:
        super().__init__((host, 0), _Handler)
        self.owner = owner

    def handle_error(self, request: object, client_address: object) -> None:
        pass   # clients that hang up mid-answer are the point of these tests


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "Hostile/1.0"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        path = urlsplit(self.path).path
        with owner._lock:
            owner.hits[path] += 1
            hit = owner.hits[path]
            owner.log.append(SeenRequest(self.path, {k.lower(): v for k, v in
                                                     self.headers.items()}, time.monotonic()))
        route = owner.routes.get(path, owner.fallback)
        try:
            if route is None:
                HostileRequest(self, hit).send(404, b"no such route\n",
                                               {"Content-Type": "text/plain"})
            else:
                route(HostileRequest(self, hit))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class HostileServer:
    """Start with `with HostileServer() as server:`; add routes with `server.route(...)`.
    `host` may be another loopback address (127.0.0.2: a second, private, host)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.fallback: Route | None = None   # answers paths without a route of their own
        self.hits: Counter[str] = Counter()
        self.bytes_sent: Counter[str] = Counter()   # body bytes written (and accepted) per path
        self.log: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._inflight = 0
        self.max_inflight = 0
        self._httpd = _Server(self, host)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,),
                                        daemon=True, name="hostile-http")

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"   # an IPv4 address: str, never bytes

    def route(self, path: str, handler: Route) -> str:
        """Register `handler` at `path` and return the route's full URL."""
        self.routes[path] = handler
        return self.base_url + path

    def requests_to(self, path: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.log if urlsplit(r.path).path == path]

    def counting(self, handler: Route, hold: float) -> Route:
        """Wrap `handler`: count it as in flight for `hold` seconds before it answers.

        The count drops before the answer is written, so a client can only start its next
        request after this one has left the count: the maximum is exact, not racy.
        """
        def wrapped(req: HostileRequest) -> None:
            with self._lock:
                self._inflight += 1
                self.max_inflight = max(self.max_inflight, self._inflight)
            try:
                time.sleep(hold)
            finally:
                with self._lock:
                    self._inflight -= 1
            handler(req)
        return wrapped


# --- ready-made routes -------------------------------------------------------------------

def reply(status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None,
          content_type: str | None = "text/plain; charset=utf-8") -> Route:
    all_headers = {"Content-Type": content_type} if content_type else {}
    all_headers.update(headers or {})

    def route(req: HostileRequest) -> None:
        req.send(status, body, all_headers)
    return route


def sequence(*routes: Route) -> Route:
    """The n-th request gets the n-th route; the last one answers every request after."""
    def route(req: HostileRequest) -> None:
        routes[min(req.hit, len(routes)) - 1](req)
    return route


def drip(chunks: Iterable[bytes], interval: float, *, declared_length: int | None = None
         ) -> Route:
    """Headers at once, then one chunk every `interval` seconds (each alone beats a read
    timeout; only a limit on the whole answer stops it)."""
    parts = list(chunks)
    length = sum(len(p) for p in parts) if declared_length is None else declared_length

    def route(req: HostileRequest) -> None:
        req.start(200, {"Content-Type": "text/plain; charset=utf-8",
                        "Content-Length": str(length)})
        for part in parts:
            time.sleep(interval)
            req.write(part)
    return route


class Packed:
    """A route that serves a body compressed once at set-up; `compressed_size` is how many
    bytes go over the wire (what a test compares with what the client read)."""

    def __init__(self, packed: bytes, content_type: str, encoding: str) -> None:
        self.packed = packed
        self.compressed_size = len(packed)
        self.headers = {"Content-Type": content_type, "Content-Encoding": encoding}

    def __call__(self, req: HostileRequest) -> None:
        req.send(200, self.packed, self.headers)


def gzipped(raw: bytes, content_type: str = "text/plain; charset=utf-8") -> Packed:
    """`raw` compressed once at set-up, served with Content-Encoding: gzip."""
    return Packed(gzip.compress(raw, compresslevel=9), content_type, "gzip")


def demo_app(app: DemoApp) -> Route:
    """Serve the demo news web's own pages (demo.routes.DemoApp) through this server, so that
    every request to it is counted. Build the app with this server's base_url."""
    def route(req: HostileRequest) -> None:
        answer = app.handle("GET", req.path, req.raw_headers)
        req.send(answer.status, answer.body, answer.headers)
    return route


def redirect_to(location: str, status: int = 302) -> Route:
    return reply(status, b"", {"Location": location}, content_type=None)


def with_etag(etag: str, last_modified: str, body: bytes,
              content_type: str = "application/rss+xml") -> Route:
    """200 with validators, or 304 when the request carries a matching one."""
    def route(req: HostileRequest) -> None:
        validators = {"ETag": etag, "Last-Modified": last_modified}
        if req.headers.get("if-none-match") == etag or (
                "if-none-match" not in req.headers
                and req.headers.get("if-modified-since") == last_modified):
            req.send(304, b"", validators)
        else:
            req.send(200, body, {"Content-Type": content_type, **validators})
    return route


def brotlied(raw: bytes, content_type: str = "text/plain; charset=utf-8") -> Packed:
    """`raw` compressed once at set-up, served with Content-Encoding: br."""
    # quality 11 takes seconds on a large bomb
    return Packed(brotli.compress(raw, quality=5), content_type, "br")


def negotiated(raw: bytes, content_type: str = "text/plain; charset=utf-8") -> Route:
    """br if the client asks for it, else gzip, else deflate, else plain: as a server picks."""
    accepted_routes = [("br", brotlied(raw, content_type)), ("gzip", gzipped(raw, content_type))]

    def route(req: HostileRequest) -> None:
        accepted = {e.split(";")[0].strip() for e in
                    req.headers.get("accept-encoding", "").split(",")}
        for name, answer in accepted_routes:
            if name in accepted:
                answer(req)
                return
        req.send(200, raw, {"Content-Type": content_type})
    return route


def endless(total: int, chunk: int = 64 * 1024) -> Route:
    """Declares and writes `total` bytes in `chunk`s, for as long as the client reads them;
    `bytes_sent` tells how much was written before the client hung up."""
    piece = b"x" * chunk

    def route(req: HostileRequest) -> None:
        req.start(200, {"Content-Type": "text/plain", "Content-Length": str(total)})
        written = 0
        while written < total:
            req.write(piece[:total - written])
            written += len(piece)
    return route


def robots_txt(text: str) -> Route:
    return reply(200, text.encode("utf-8"), content_type="text/plain")
