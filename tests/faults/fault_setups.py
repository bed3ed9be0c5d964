"""Setups for families of faults (pages with encoding faults, hostile feeds, failing
channels, killed processes, a locked or full disk), used by the table in scenarios.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime

from core.crash_points import FAIL_AT_ENV
from tests.faults import hostile_web as web
from tests.faults.blocks import HTML, RSS, Setup, page_route
from tests.faults.world import SLACK_ENV, RunResult, World
from tests.scrapers.hostile_server import HostileRequest, reply
from tests.warehouse.sessions import held_open
from warehouse.connection import writer

# --- pages with encoding faults -------------------------------------------------------------

ACCENTED = "Café owners of Señora Núñez street"


def encoded_page(encoding: str, header: str | None, meta: str | None,
                 spoil: bytes = b"") -> Setup:
    def setup(world: World) -> None:
        p = web.page(1)
        url = f"{world.base}/a/1.html"
        html = web.article_html(p, canonical=url, charset_meta=meta, title=ACCENTED)
        body = html.encode(encoding)
        if spoil:   # stray bytes that are not valid in the page's encoding
            body = body.replace(b"<p>", b"<p>" + spoil, 1)
        ctype = f"text/html; charset={header}" if header else "text/html"
        world.hostile.route("/a/1.html", reply(200, body, content_type=ctype))
        world.hostile.route("/feed.xml", reply(200, web.rss([web.Item(url, "x")]),
                                               content_type=RSS))
        world.add_source(f"{world.base}/feed.xml")
        world.expect(url, p)
    return setup


def deep_html(depth: int) -> Setup:
    def setup(world: World) -> None:
        p = web.page(1)
        body = ("<html><body>" + "<div>" * depth + f"<h1>{p.title}</h1><p>{p.text()}</p>"
                + "</div>" * depth + "</body></html>").encode()
        url = f"{world.base}/a/1.html"
        world.hostile.route("/a/1.html", reply(200, body, content_type=HTML))
        world.hostile.route("/feed.xml", reply(200, web.rss([web.Item(url, "deep")]),
                                               content_type=RSS))
        world.add_source(f"{world.base}/feed.xml")
    return setup


# --- feeds ----------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><link>http://127.0.0.1/</link>
<item><title>&lol9;</title><link>LINK</link></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY file SYSTEM "file:///etc/passwd">
 <!ENTITY probe SYSTEM "BASE/xxe-probe">
]>
<rss version="2.0"><channel><title>x</title><link>http://127.0.0.1/</link>
<item><title>leak &file; &probe;</title><link>LINK</link></item></channel></rss>"""


def entity_feed(template: bytes) -> Setup:
    """A feed that tries entity tricks, with one good item: what it links may be loaded, the
    entities must never be expanded or fetched."""
    def setup(world: World) -> None:
        url, p, good = page_route(world, 1)
        world.hostile.route("/a/1.html", good)
        world.expect(url, p)
        body = template.replace(b"LINK", url.encode()).replace(b"BASE", world.base.encode())
        world.hostile.route("/feed.xml", reply(200, body, content_type=RSS))
        world.hostile.route("/xxe-probe", reply(200, b"PROBED-SECRET"))
        world.add_source(f"{world.base}/feed.xml")
    return setup


def items_feed(make: Callable[[World], tuple[list[web.Item], dict[str, web.Page]]],
               **source: object) -> Setup:
    """A feed of the given items; pages are served for every /a/N.html asked for."""
    def setup(world: World) -> None:
        items, expected = make(world)
        pages = {url: p for url, p in expected.items()}

        def any_page(req: HostileRequest) -> None:
            path = req.path.split("?")[0]
            if not path.startswith("/a/"):     # /robots.txt and the like: none here
                req.send(404, b"not found", {"Content-Type": "text/plain"})
                return
            n = int(path.rsplit("/", 1)[-1].split(".")[0])
            url = f"{world.base}/a/{n}.html"
            p = pages.get(url, web.page(n))
            canonical = url if url in pages and pages[url].mentions is None else None
            html = web.article_html(p, canonical=canonical)
            req.send(200, html.encode(), {"Content-Type": HTML})
        world.hostile.fallback = any_page
        world.hostile.route("/feed.xml", reply(200, web.rss(items), content_type=RSS))
        world.add_source(f"{world.base}/feed.xml", **source)
        for url, p in expected.items():
            world.expect(url, p)
    return setup


def ten_thousand(world: World) -> tuple[list[web.Item], dict[str, web.Page]]:
    items = [web.Item(f"{world.base}/a/{n}.html", f"Item {n}") for n in range(1, 10_001)]
    return items, {f"{world.base}/a/{n}.html": web.page(n) for n in range(1, 11)}


def duplicate_guids(world: World) -> tuple[list[web.Item], dict[str, web.Page]]:
    a, b = f"{world.base}/a/1.html", f"{world.base}/a/2.html"
    items = [web.Item(a, "One", guid="same"), web.Item(a, "One again", guid="same"),
             web.Item(b, "Two", guid="same")]
    return items, {a: web.page(1), b: web.page(2)}


def undated(world: World) -> tuple[list[web.Item], dict[str, web.Page]]:
    url = f"{world.base}/a/901.html"
    return [web.Item(url, "Undated", date=None)], {url: web.page(901, "Estmark", None)}


def future(world: World) -> tuple[list[web.Item], dict[str, web.Page]]:
    url = f"{world.base}/a/5.html"
    return ([web.Item(url, "From the future", date="Fri, 01 Jan 2100 00:00:00 GMT")],
            {url: web.page(5, "Corvania", "2100-01-01T00:00:00Z")})


def published_is(when: str | None) -> Callable[[World], list[str]]:
    """The hostile article's stored date, as given (None: none); first seen is always set."""
    def check(world: World) -> list[str]:
        rows = world.rows("SELECT strftime(published_at, '%Y-%m-%d'), first_seen_at FROM "
                          "articles WHERE source_id = 'hostile'")
        if rows and all(r[0] == when and r[1] is not None for r in rows):
            return []
        return [f"stored dates {rows}, wanted published {when} and a first-seen time"]
    return check


def five_urls(world: World) -> tuple[list[web.Item], dict[str, web.Page]]:
    """One article (no canonical link on its page) linked five ways by tracking junk."""
    url = f"{world.base}/a/7.html"
    links = [f"{url}?utm_source=feed", f"{url}?utm_medium=rss&utm_campaign=x",
             f"{url}?fbclid=abc123", f"{url}#comments", f"{url}?gclid=zz&utm_term=y"]
    return [web.Item(u, "Same article") for u in links], {url: web.page(7, "Estmark")}


# --- channels, processes, files ---------------------------------------------------------------

def smtp_down(world: World) -> None:
    world.mail.down()


def smtp_refuses(world: World) -> None:
    world.mail.handler.refuse_with = "550 5.1.1 mailbox unavailable"


def slack_says(code: int) -> Setup:
    def setup(world: World) -> None:
        world.slack.status, world.slack.retry_after = code, "1"
    return setup


def secret_missing(world: World) -> None:
    del world.env[SLACK_ENV]


def typo_rule(world: World) -> None:
    world.extra_rule_files["typo.yaml"] = (
        "rules:\n  - id: typo\n    name: Typo\n    match: {any: [harbour]}\n"
        "    chanels: [desk-email]\n")


def killed_during_load(world: World, now: datetime) -> RunResult:
    return world.finish_child(world.start_child(now, "during_load"))


def killed_during_send(world: World, now: datetime) -> RunResult:
    """Email only, so no other channel is mid-request at the kill. The SMTP server kills the
    run while the second message is in its DATA phase: the message is never accepted."""
    world.rule_channels = ("desk-email",)
    child = world.start_child(now, "never")

    def kill_on_second(n: int) -> bool:
        if n == 2:
            child.kill()
            child.wait()
            return False
        return True
    world.mail.handler.on_message = kill_on_second
    result = world.finish_child(child)
    world.mail.handler.on_message = None
    return result


def locked_warehouse(world: World, now: datetime) -> RunResult:
    """Another process holds the DuckDB file (a write connection) for 3 s as the run starts."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(3); con.close()", str(world.warehouse)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    result = world.run(now)
    holder.wait(timeout=30)
    if result.error is None and time.monotonic() - started < 2.5:
        result.error = "the run did not wait for the lock: was it held?"
    return result


def session_holds_warehouse(world: World, now: datetime) -> RunResult:
    """A user's read-only session (a duckdb shell, a notebook) holds the warehouse file across
    two runs; between them the hostile site publishes a third article, one a rule matches.
    Both runs must end deferred, keeping what they scraped; the run after loads it all."""
    with writer(world.warehouse):   # the file the session opens; no run has written it yet
        pass
    with held_open(world.warehouse):
        first = world.run(now)
        url, p, good = page_route(world, 3, mentions="Estmark")
        world.hostile.route("/a/3.html", good)
        world.expect(url, p)
        items = [web.Item(f"{world.base}/a/{n}.html", f"Item {n}") for n in (1, 2, 3)]
        world.hostile.route("/feed.xml", reply(200, web.rss(items), content_type=RSS))
        second = world.run(now)
    if first.error is None and second.error is None and not (
            first.summary and first.summary.deferred and second.summary
            and second.summary.deferred):
        second.error = "a run on the held warehouse did not defer"
    return second


def deferred_then_caught_up(world: World) -> list[str]:
    """The two held runs were deferred and recorded so; the next loaded both batches."""
    runs = [r.summary for r in world.runs]
    problems = [] if len(runs) == 3 and runs[2] and runs[2].batches_loaded == 2 else [
        "the run after the session closed did not load the two kept batches"]
    # The second held run skipped what the first kept: it fetched the new article alone.
    if runs[1] and "This run's 1 article(s)" not in (runs[1].deferred or ""):
        problems.append(f"the second held run fetched again: {runs[1].deferred}")
    rows = world.rows("SELECT status, count(*) FROM runs GROUP BY ALL ORDER BY ALL")
    if rows != [("completed", 1), ("deferred", 2)]:
        problems.append(f"runs recorded: {rows}")
    return problems


def disk_full(world: World, now: datetime) -> RunResult:
    """OSError(ENOSPC) raised inside the load's transaction, just before COMMIT
    (flows/crash_points.fail_point), as a full disk would fail DuckDB's write."""
    os.environ[FAIL_AT_ENV] = "load_commit"
    try:
        return world.run(now)
    finally:
        del os.environ[FAIL_AT_ENV]
