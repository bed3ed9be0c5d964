"""The fault table: one Scenario per fault. Adding a fault is a few lines at the bottom.

A scenario sets up its world (a hostile source next to the demo's healthy ones, a channel
that fails, a broken config file, ...), says what run 1 must record, and, when the fault can
heal, how: then a second run follows (past the delivery backoff) and whatever was retryable
must have arrived, exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.crash_points import FAIL_AT_ENV
from tests.faults import hostile_web as web
from tests.faults.world import SLACK_ENV, RunResult, World
from tests.scrapers.hostile_server import HostileRequest, Route, drip, redirect_to, reply

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


Setup = Callable[[World], None]
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
               canonical: bool = True, **html: object) -> tuple[str, web.Page, Route]:
    p = web.page(n, mentions)
    url = f"{world.base}/a/{n}.html"
    body = web.article_html(p, canonical=url if canonical else None, **html).encode("utf-8")
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


def disk_full(world: World, now: datetime) -> RunResult:
    """OSError(ENOSPC) raised inside the load's transaction, just before COMMIT
    (core/crash_points.fail_point), as a full disk would fail DuckDB's write."""
    os.environ[FAIL_AT_ENV] = "load_commit"
    try:
        return world.run(now)
    finally:
        del os.environ[FAIL_AT_ENV]


# --- the table --------------------------------------------------------------------------------

def _s(name: str, setup: Setup, *recorded: Recorded, **kw: object) -> Scenario:
    return Scenario(name, setup, tuple(recorded), **kw)  # type: ignore[arg-type]


def fetch(error_class: str) -> Recorded:
    return Recorded("fetch", error_class)


def healed(world: World) -> None:
    """Nothing more than the runner's own healing: routes in phase 2, channels back."""


def _connect_timeout(world: World) -> None:
    port = world.enter(web.unanswered_port())
    world.add_source(f"http://127.0.0.1:{port}/feed.xml")




def _quick_refusal(world: World) -> list[str]:
    rows = world.rows("SELECT message, elapsed_ms FROM fetches WHERE url LIKE '%/a/1.html'")
    return [] if rows and "nested" in rows[0][0] else [f"not refused for its depth: {rows}"]


def _broken_link(world: World) -> None:
    """A feed item whose link is no URL (port out of range) before two good ones."""
    urls = site(world)
    items = [web.Item(f"{world.base.rsplit(':', 1)[0]}:99999/a/9.html", "Bad port"),
             *(web.Item(u, "Good") for u in urls)]
    world.hostile.route("/feed.xml", reply(200, web.rss(items), content_type=RSS))


def _moved(world: World) -> None:
    """The feed moved to another host name (localhost for 127.0.0.1): followed, loaded."""
    urls = site(world)
    world.sources.clear()
    other = world.base.replace("127.0.0.1", "localhost")
    world.hostile.route("/old-feed.xml", redirect_to(f"{other}/feed.xml", 301))
    world.add_source(f"{world.base}/old-feed.xml")
    assert urls


def _robots_disallow(world: World) -> None:
    """robots.txt forbids page 1 to newswatch: it is never requested, the log says why, and
    page 2 loads. Nothing is lost: page 1 is not ours to take."""
    url1, _, good1 = page_route(world, 1)
    url2, p2, good2 = page_route(world, 2)
    world.hostile.route("/a/1.html", good1)
    world.hostile.route("/a/2.html", good2)
    world.expect(url2, p2)
    world.hostile.route("/robots.txt", reply(
        200, b"User-agent: *\nAllow: /\n\nUser-agent: newswatch\nDisallow: /a/1.html\n",
        content_type="text/plain"))
    items = [web.Item(url1, "Item 1"), web.Item(url2, "Item 2")]
    world.hostile.route("/feed.xml", reply(200, web.rss(items), content_type=RSS))
    world.add_source(f"{world.base}/feed.xml")


def _robots_respected(world: World) -> list[str]:
    problems = no_request_to("/a/1.html")(world)
    [(n,)] = world.rows("SELECT count(*) FROM fetches WHERE outcome = 'skipped' AND "
                        "error_class = 'robots' AND url LIKE '%/a/1.html'")
    return problems + ([] if n else ["no 'robots' skip recorded for /a/1.html"])


def _sitemap_includes_itself(world: World) -> None:
    """A sitemap index that lists itself beside a child sitemap of two pages."""
    index_url, child_url = f"{world.base}/sitemap.xml", f"{world.base}/sitemap-1.xml"
    urls = []
    for n in (1, 2):
        url, p, good = page_route(world, n)
        world.hostile.route(f"/a/{n}.html", good)
        world.expect(url, p)
        urls.append(url)
    lastmod = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    index = (f'<?xml version="1.0"?><sitemapindex {ns}>'
             + "".join(f"<sitemap><loc>{u}</loc><lastmod>{lastmod}</lastmod></sitemap>"
                       for u in (index_url, child_url)) + "</sitemapindex>")
    child = (f'<?xml version="1.0"?><urlset {ns}>'
             + "".join(f"<url><loc>{u}</loc><lastmod>{lastmod}</lastmod></url>" for u in urls)
             + "</urlset>")
    world.hostile.route("/sitemap.xml", reply(200, index.encode(), content_type="application/xml"))
    world.hostile.route("/sitemap-1.xml",
                        reply(200, child.encode(), content_type="application/xml"))
    world.add_source(index_url, kind="sitemap")


def _index_read_once(world: World) -> list[str]:
    hits = len(world.hostile.requests_to("/sitemap.xml"))
    return [] if hits <= len(world.runs) else [f"the index was read {hits} times"]


def _catastrophic_regex(world: World) -> None:
    """A rule file whose regex could backtrack for hours: refused at load, named in the run
    summary; every other rule keeps alerting."""
    world.extra_rule_files["greedy.yaml"] = (
        "rules:\n  - id: greedy\n    name: Greedy\n"
        "    match: {any: [{regex: '(a+)+$'}]}\n    channels: [desk-email]\n")


# The faults that still need a scenario; each will be a line in SCENARIOS.
NOT_YET_COVERED: tuple[str, ...] = ()

RETRY_AT = timedelta(seconds=65)   # past the default delivery backoff (60 s) after a failure


# --- the table: one line per fault ------------------------------------------------------

SCENARIOS: list[Scenario] = [
    _s("none (control)", lambda w: site(w)),
    _s("connect timeout", _connect_timeout, fetch("timeout")),
    _s("body drips slowly", transient_page(lambda w: drip([b"<p>x</p>"] * 40, 0.25)),
       fetch("timeout"), heal=healed),
    _s("429 with Retry-After", transient_page(lambda w: status(429, {"Retry-After": "1"})),
       fetch("server_error"), heal=healed, check=retry_waited("/a/1.html", 1.0)),
    _s("500", transient_page(lambda w: status(500)), fetch("server_error"), heal=healed),
    _s("502", transient_page(lambda w: status(502)), fetch("server_error"), heal=healed),
    _s("503", transient_page(lambda w: status(503)), fetch("server_error"), heal=healed),
    _s("connection reset mid-body",
       transient_page(lambda w: web.reset_mid_body(b"<p>" + b"words " * 3000 + b"</p>")),
       fetch("connect"), heal=healed),
    _s("truncated gzip",
       transient_page(lambda w: web.truncated_gzip(b"<p>" + b"words " * 3000 + b"</p>")),
       fetch("connect"), heal=healed),
    _s("gzip bomb", lambda w: site(w, fault=web.gzip_bomb(200_000_000), heals=False),
       fetch("too_large")),
    _s("50 MB page", lambda w: site(w, fault=web.endless(50_000_000), heals=False),
       fetch("too_large")),
    _s("missing charset", encoded_page("cp1252", None, None),
       check=stored_title(ACCENTED, exact=False)),
    _s("wrong charset", encoded_page("cp1252", "utf-8", "utf-8"),
       check=stored_title(ACCENTED, exact=False)),
    _s("invalid UTF-8", encoded_page("utf-8", "utf-8", "utf-8", spoil=b"\xff\xfe\xc3("),
       check=stored_title(ACCENTED)),
    _s("HTML nested 100,000 deep", deep_html(100_000), fetch("not_an_article"),
       check=_quick_refusal),
    _s("feed is really HTML", feed_only(b"<!doctype html><html><body><h1>Welcome</h1>"
                                        b"<p>Nothing to see</p></body></html>", HTML),
       fetch("not_a_feed")),
    _s("malformed XML", feed_only(b'<?xml version="1.0"?><rss version="2.0"><channel>'
                                  b"<title>Broken<title><item><link>http://127.0.0.1/a</"),
       fetch("malformed_feed")),
    _s("billion laughs", entity_feed(BILLION_LAUGHS), check=no_text("lollollol")),
    _s("external entity (XXE)", entity_feed(XXE),
       check=lambda w: no_request_to("/xxe-probe")(w) + no_text("root:")(w)
       + no_text("PROBED")(w)),
    _s("redirect loop", feed_only(lambda req: redirect_to("/feed.xml")(req)),
       fetch("redirect")),
    _s("redirect to another host", _moved),
    _s("feed item with a broken link", _broken_link),
    _s("feed of 10,000 items", items_feed(ten_thousand, max_articles=10)),
    _s("duplicate GUIDs", items_feed(duplicate_guids)),
    _s("missing dates", items_feed(undated), check=published_is(None)),
    # A publication date in 2100 is junk: stored as unknown, first_seen_at says when it came.
    _s("dates in the future", items_feed(future), check=published_is(None)),
    _s("same article under five URLs", items_feed(five_urls)),
    _s("warehouse locked by another process", lambda w: site(w), first_run=locked_warehouse),
    _s("disk full on write (ENOSPC)", lambda w: site(w), Recorded("raised", "No space left"),
       first_run=disk_full, stops=True, heal=healed),
    _s("SMTP down", smtp_down, Recorded("delivery", "Connection error"), heal=healed),
    _s("SMTP rejects (550)", smtp_refuses, Recorded("delivery", "Sending email"), heal=healed),
    _s("Slack 429", slack_says(429), Recorded("delivery", "429"), heal=healed),
    _s("Slack 500", slack_says(500), Recorded("delivery", "500"), heal=healed),
    _s("SIGKILL during load", lambda w: site(w), first_run=killed_during_load, stops=True,
       heal=healed),
    _s("SIGKILL during send", lambda w: None, first_run=killed_during_send, stops=True,
       heal=healed),
    _s("rule file with a typo", typo_rule, Recorded("config", "did you mean 'channels'")),
    _s("robots.txt disallow", _robots_disallow, check=_robots_respected),
    _s("sitemap index that includes itself", _sitemap_includes_itself, check=_index_read_once),
    _s("rule with a catastrophic regex", _catastrophic_regex,
       Recorded("config", "exponential time")),
    _s("secret missing from the environment", secret_missing,
       Recorded("delivery", "NEWSWATCH_SLACK_URL is not set"), heal=healed),
]
