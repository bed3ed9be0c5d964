"""What fault scenarios are made of: the Scenario record, a hostile site whose pages can
fail and heal, and the checks a scenario can add after its last run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tests.faults import hostile_web as web
from tests.faults.world import RunResult, World
from tests.scrapers.hostile_server import HostileRequest, Route, reply

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml"


@dataclass(frozen=True)
class Recorded:
    """What run 1 must leave behind: `kind` fetch (an error class in `fetches` and in the run
    summary), delivery (text in the outbox's last error and the summary's failures), config
    (text in the summary's config problems) or raised (text of the error the run stopped
    with)."""

    kind: str
    text: str


Setup = Callable[[World], object]    # what it returns is not used
FirstRun = Callable[[World, datetime], RunResult]


@dataclass(frozen=True)
class Scenario:
    name: str
    setup: Setup
    recorded: tuple[Recorded, ...] = ()
    heal: Setup | None = None          # given: a second run follows, after this
    first_run: FirstRun | None = None  # default: an ordinary run in this process
    stops: bool = False                # run 1 is meant to stop (killed, disk full)
    check: Callable[[World], list[str]] | None = None   # more checks after the last run


# --- building blocks ------------------------------------------------------------------------

def healing(world: World, bad: Route, good: Route) -> Route:
    """`bad` during run 1, `good` once the world heals."""
    def route(req: HostileRequest) -> None:
        (bad if world.phase == 1 else good)(req)
    return route


def page_route(world: World, n: int, *, mentions: str | None = None,
               canonical: bool = True) -> tuple[str, web.Page, Route]:
    p = web.page(n, mentions)
    url = f"{world.base}/a/{n}.html"
    body = web.article_html(p, canonical=url if canonical else None).encode("utf-8")
    return url, p, reply(200, body, content_type=HTML)


def site(world: World, pages: int = 2, *, fault: Route | None = None,
         heals: bool = True, mentions: str | None = None, **source: object) -> list[str]:
    """A hostile site whose feed lists `pages` good articles; with `fault`, page 1 answers
    that instead (in run 1 only, if `heals`). Expected in the end: every good page, and page
    1 too if it heals."""
    urls = []
    for n in range(1, pages + 1):
        url, p, good = page_route(world, n, mentions=mentions)
        route = good
        if n == 1 and fault is not None:
            route = healing(world, fault, good) if heals else fault
        world.hostile.route(f"/a/{n}.html", route)
        if n != 1 or fault is None or heals:
            world.expect(url, p)
        urls.append(url)
    items = [web.Item(u, f"Item {i}") for i, u in enumerate(urls, 1)]
    world.hostile.route("/feed.xml", reply(200, web.rss(items), content_type=RSS))
    world.add_source(f"{world.base}/feed.xml", **source)
    return urls


def feed_only(body: bytes | Route, content_type: str = RSS) -> Setup:
    """A source whose feed itself is the fault; nothing of it is expected."""
    def setup(world: World) -> None:
        route = body if callable(body) else reply(200, body, content_type=content_type)
        world.hostile.route("/feed.xml", route)
        world.add_source(f"{world.base}/feed.xml")
    return setup


def status(code: int, headers: dict[str, str] | None = None) -> Route:
    return reply(code, b"<h1>unavailable</h1>", headers, content_type=HTML)


def transient_page(fault: Callable[[World], Route]) -> Setup:
    def setup(world: World) -> None:
        site(world, fault=fault(world))
    return setup


def no_request_to(path: str) -> Callable[[World], list[str]]:
    def check(world: World) -> list[str]:
        hits = world.hostile.requests_to(path)
        return [f"{len(hits)} request(s) to {path}: an entity was resolved"] if hits else []
    return check


def no_text(fragment: str) -> Callable[[World], list[str]]:
    def check(world: World) -> list[str]:
        found = world.rows("SELECT count(*) FROM articles WHERE title LIKE ? OR body LIKE ?",
                           [f"%{fragment}%", f"%{fragment}%"])
        return [f"{found[0][0]} article(s) contain {fragment!r}"] if found and found[0][0] else []
    return check


def stored_title(expected: str, exact: bool = True) -> Callable[[World], list[str]]:
    """The page's title as stored: exactly, or (`exact=False`, when the charset must be
    guessed) readable: its ASCII words intact and no replacement characters."""
    def check(world: World) -> list[str]:
        titles = [t for (t,) in world.rows("SELECT title FROM articles WHERE source_id = "
                                           "'hostile'")]
        if exact:
            return [] if expected in titles else [f"title {expected!r} not stored: {titles}"]
        words = [w for w in expected.split() if w.isascii()]
        if any(set(words) <= set(t.split()) and "\ufffd" not in t for t in titles):
            return []
        return [f"title {expected!r} not stored readably: {titles}"]
    return check


def retry_waited(path: str, seconds: float) -> Callable[[World], list[str]]:
    def check(world: World) -> list[str]:
        hits = [r.at for r in world.hostile.requests_to(path)]
        if len(hits) < 2 or hits[1] - hits[0] < seconds * 0.9:
            return [f"Retry-After {seconds:g} s not honoured: requests at {hits}"]
        return []
    return check
