"""One local HTTP server for all demo outlets, run from a daemon thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from demo.articles import DemoArticle
from demo.catalog import article_path, feed_path, front_path
from demo.clock import DemoClock, as_utc
from demo.routes import ERROR_FEED_PATH, GARBAGE_FEED_PATH, DemoApp, Response
from demo.sites import PROFILES

_MAX_DISCARDED_BODY = 1 << 20


@dataclass(frozen=True)
class DemoSite:
    slug: str
    name: str
    feed_kind: str  # "rss" or "atom"
    front_url: str
    feed_url: str


class _DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address: tuple[str, int], app: DemoApp | None = None) -> None:
        super().__init__(address, _DemoHandler)
        self.app = app

    def handle_error(self, request: object, client_address: object) -> None:
        # The default prints a traceback to stderr; a dropped client is not news.
        pass


class _DemoHandler(BaseHTTPRequestHandler):
    server: _DemoHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "DemoNews/1.0"
    timeout = 30  # idle keep-alive connections are closed rather than held forever

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch(send_body=False)

    def do_POST(self) -> None:
        self._discard_body()
        self._dispatch()

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test and demo output clean

    def _discard_body(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if 0 < length <= _MAX_DISCARDED_BODY:
            self.rfile.read(length)
        elif length:
            self.close_connection = True

    def _dispatch(self, send_body: bool = True) -> None:
        app = self.server.app
        try:
            if app is None:
                raise RuntimeError("server has no app")
            response = app.handle(self.command, self.path, self.headers)
        except Exception:  # a bad request must never kill the server thread
            response = Response(
                500, b"Internal Server Error\n", {"Content-Type": "text/plain; charset=utf-8"}
            )
        try:
            self._write(response, send_body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _write(self, response: Response, send_body: bool) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        has_body = response.status != 304  # a 304 never carries a body, not even an empty one
        if has_body:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if has_body and send_body and response.body:
            self.wfile.write(response.body)


class DemoNewsServer:
    """The fictional news web on 127.0.0.1. Use as a context manager or call start()/stop()."""

    def __init__(
        self, clock: DemoClock | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.clock = clock if clock is not None else DemoClock()
        self._host = host
        self._port = port
        self._httpd: _DemoHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    def start(self) -> DemoNewsServer:
        if self._httpd is not None:
            return self
        httpd = _DemoHTTPServer((self._host, self._port))
        host, port = httpd.server_address[:2]
        url_host = "127.0.0.1" if host in ("", "0.0.0.0") else str(host)
        self._base_url = f"http://{url_host}:{port}"
        httpd.app = DemoApp(self.clock, self._base_url)
        self._httpd = httpd
        # A short poll interval makes stop() quick; tests start and stop many servers.
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"demo-news-{port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        self._httpd, self._thread = None, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> DemoNewsServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Like http://127.0.0.1:PORT, without a trailing slash; only valid after start()."""
        if self._base_url is None:
            raise RuntimeError("DemoNewsServer.start() has not been called")
        return self._base_url

    def publish(self, article: DemoArticle, at: datetime | None = None) -> str:
        """Publish `article` on its site at `at` (default: its own `published_at`): from then
        on, by this server's clock, it is on the site's front page, section and feed. Returns
        its URL. Only after start()."""
        app = self._httpd.app if self._httpd is not None else None
        if app is None:
            raise RuntimeError("DemoNewsServer.start() has not been called")
        if at is not None:
            article = replace(article, published_at=as_utc(at))
        app.publish(article)
        return self.base_url + article_path(article)

    @property
    def garbage_feed_url(self) -> str:
        return self.base_url + GARBAGE_FEED_PATH

    @property
    def error_feed_url(self) -> str:
        return self.base_url + ERROR_FEED_PATH

    def sites(self) -> list[DemoSite]:
        base = self.base_url
        return [
            DemoSite(
                slug=profile.slug,
                name=profile.name,
                feed_kind=profile.feed_kind,
                front_url=base + front_path(profile.slug),
                feed_url=base + feed_path(profile.slug),
            )
            for profile in PROFILES
        ]
