"""The fault table: one Scenario per fault. Adding a fault is a few lines at the bottom.
Building blocks are in blocks.py, setups for families of faults in fault_setups.py.

A scenario sets up its world (a hostile source next to the demo's healthy ones, a channel
that fails, a broken config file, ...), says what run 1 must record, and, when the fault can
heal, how: then a second run follows (past the delivery backoff) and whatever was retryable
must have arrived, exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tests.faults import hostile_web as web
from tests.faults.blocks import (
    HTML,
    RSS,
    FirstRun,
    Recorded,
    Scenario,
    Setup,
    feed_only,
    no_request_to,
    no_text,
    page_route,
    retry_waited,
    site,
    status,
    stored_title,
    transient_page,
)
from tests.faults.fault_setups import (
    ACCENTED,
    BILLION_LAUGHS,
    XXE,
    deep_html,
    deferred_then_caught_up,
    disk_full,
    duplicate_guids,
    encoded_page,
    entity_feed,
    five_urls,
    future,
    items_feed,
    killed_during_load,
    killed_during_send,
    locked_warehouse,
    published_is,
    secret_missing,
    session_holds_warehouse,
    slack_says,
    smtp_down,
    smtp_refuses,
    ten_thousand,
    typo_rule,
    undated,
)
from tests.faults.scenarios_isolation import ISOLATION
from tests.faults.scenarios_output import OUTPUT
from tests.faults.world import World
from tests.scrapers.hostile_server import drip, redirect_to, reply

# --- the table --------------------------------------------------------------------------------

def _s(name: str, setup: Setup, *recorded: Recorded, heal: Setup | None = None,
       first_run: FirstRun | None = None, stops: bool = False,
       check: Callable[[World], list[str]] | None = None) -> Scenario:
    return Scenario(name, setup, tuple(recorded), heal=heal, first_run=first_run, stops=stops,
                    check=check)


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
    """A rule file whose regex could backtrack for hours (\\b sends text with non-ASCII
    letters to Python's engine): refused at load, named in the run summary; every other rule
    keeps alerting."""
    world.extra_rule_files["greedy.yaml"] = (
        "rules:\n  - id: greedy\n    name: Greedy\n"
        "    match: {any: [{regex: '\\b(a+)+$'}]}\n    channels: [desk-email]\n")


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
    # A UTF-8 page whose header and meta say latin-1: read as declared, "Café" is "CafÃ©".
    _s("UTF-8 page declaring latin-1", encoded_page("utf-8", "iso-8859-1", "iso-8859-1"),
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
    _s("user session holds the warehouse for 2 runs", lambda w: site(w),
       first_run=session_holds_warehouse, heal=healed, check=deferred_then_caught_up),
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
    *ISOLATION,   # issue 14: isolation, private addresses, headers, mentions
    *OUTPUT,      # issue 14: regexes, YAML aliases, titles printed by the CLI
]
