"""Fault scenarios of issue 14: one hostile source must not stop the healthy ones' alerts, reach
private addresses, carry a source's secrets to other hosts, or ping a channel.

Each runs beside the demo's healthy sources like every scenario; the table's "healthy alert
delivered" column is the point of most of them. scenarios.py appends ISOLATION to its table.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import scrapers.pipeline as scrape_module
from tests.faults import hostile_web as web
from tests.faults.blocks import (
    HTML,
    RSS,
    Recorded,
    Scenario,
    Setup,
    feed_only,
    page_route,
    site,
)
from tests.faults.world import World
from tests.scrapers.hostile_server import HostileRequest, redirect_to, reply

BLOCKED = "blocked_address"
METADATA = "http://169.254.169.254/latest/meta-data"
# What a hostile headline or a remote server's reason phrase tries on a chat channel.
MENTIONS = "<!channel> @everyone <@&123> <@!456> [x](https://evil.example)"
# Live on a channel if they reach it as is: the mentions anywhere; a link in each syntax
# (Slack's mrkdwn links only <url|text>; Discord reads markdown).
PINGS = ("<!channel>", "@everyone", "<@&123>", "<@!456>")
LIVE = {"slack": (*PINGS, "<https://evil.example"),
        "markdown": (*PINGS, "](https://evil.example)")}
DISCORD_ENV, OPS_ENV = "NEWSWATCH_DISCORD_URL", "NEWSWATCH_OPS_SLACK_URL"
OPS_PATH = "/services/T0OPSFLT1/"


def _s(name: str, setup: Setup, *recorded: Recorded, **kw: Any) -> Scenario:
    return Scenario(name, setup, tuple(recorded), **kw)


def fetch(error_class: str) -> Recorded:
    return Recorded("fetch", error_class)


def no_private_opt_in(setup: Setup) -> Setup:
    """`setup` without the suite's run-wide opt-in: only 127.0.0.1/32 (the demo and hostile
    sites) may be reached, so 127.0.0.2 and 169.254.169.254 must be refused."""
    def wrapped(world: World) -> None:
        world.settings_overrides.update(allow_private_addresses=False,
                                        allowed_networks="127.0.0.1/32")
        setup(world)
    return wrapped


def _link_to(bad: str) -> Setup:
    """A feed whose first item links to `bad`, before two good articles."""
    def setup(world: World) -> None:
        urls = site(world)
        items = [web.Item(bad, "Elsewhere"), *(web.Item(u, "Good") for u in urls)]
        world.hostile.route("/feed.xml", reply(200, web.rss(items), content_type=RSS))
    return setup


def _page_redirects_to(location: str) -> Setup:
    """Page 1 answers `301 Location: location`; page 2 is good (the issue's first finding)."""
    def setup(world: World) -> None:
        site(world, fault=redirect_to(location, 301), heals=False)
    return setup


def _malformed_listing(world: World) -> None:
    """A listing page whose links include a broken IPv6 host and a port of 99999."""
    links = ["http://[oops/", "http://news.example:99999/b", "javascript:void(0)"]
    for n in (1, 2):
        url, p, good = page_route(world, n)
        world.hostile.route(f"/a/{n}.html", good)
        world.expect(url, p)
        links.append(url)
    body = "".join(f'<h3><a href="{u}">Story</a></h3>' for u in links)
    world.hostile.route("/list.html", reply(
        200, f"<html><body>{body}</body></html>".encode(), content_type=HTML))
    world.add_source(f"{world.base}/list.html", kind="listing", selectors={"links": "h3 a"})


def _sitemap(world: World, children: list[str], locs: list[str] | None = None) -> None:
    """A sitemap index of `children` (and /sitemap-1.xml: two good pages, after `locs`)."""
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    lastmod = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    urls = list(locs or [])
    for n in (1, 2):
        url, p, good = page_route(world, n)
        world.hostile.route(f"/a/{n}.html", good)
        world.expect(url, p)
        urls.append(url)
    children = [*children, f"{world.base}/sitemap-1.xml"]
    index = (f'<?xml version="1.0"?><sitemapindex {ns}>' + "".join(
        f"<sitemap><loc>{c}</loc><lastmod>{lastmod}</lastmod></sitemap>" for c in children)
        + "</sitemapindex>")
    child = (f'<?xml version="1.0"?><urlset {ns}>' + "".join(
        f"<url><loc>{u}</loc><lastmod>{lastmod}</lastmod></url>" for u in urls) + "</urlset>")
    xml = "application/xml"
    world.hostile.route("/sitemap.xml", reply(200, index.encode(), content_type=xml))
    world.hostile.route("/sitemap-1.xml", reply(200, child.encode(), content_type=xml))
    world.add_source(f"{world.base}/sitemap.xml", kind="sitemap")


def _nested_json_feed(depth: int) -> bytes:
    return (b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"url": "/a", '
            b'"title": ' + b"[" * depth + b"]" * depth + b"}]}")


# --- a source's headers ------------------------------------------------------------------------

KEY = "fault-suite-api-key"


def _headers_cross_origin(world: World) -> None:
    """The source's feed (sent with its API key) moves to another origin (localhost): the
    feed is read there, without the key; its articles, back on the source's origin, load."""
    urls = site(world)
    world.sources.clear()
    other = world.base.replace("127.0.0.1", "localhost")
    items = [web.Item(u, f"Item {i}") for i, u in enumerate(urls, 1)]
    world.hostile.route("/moved.xml", reply(200, web.rss(items), content_type=RSS))
    world.hostile.route("/start.xml", redirect_to(f"{other}/moved.xml", 301))
    world.add_source(f"{world.base}/start.xml", headers={"X-Api-Key": KEY})


def _key_stayed_home(world: World) -> list[str]:
    sent = [r.headers.get("x-api-key") for r in world.hostile.requests_to("/start.xml")]
    moved = [r.headers.get("x-api-key") for r in world.hostile.requests_to("/moved.xml")]
    problems = [] if sent and all(k == KEY for k in sent) else [
        f"the source's own origin did not get its key: {sent}"]
    if not moved or any(moved):
        problems.append(f"the other origin was sent {moved} (wanted requests, no key)")
    return problems


# --- mentions on chat channels ---------------------------------------------------------------

def _hostile_headline(world: World) -> None:
    """An article about Corvania whose headline carries mention and link strings, alerted to
    Slack (the suite's desk-slack) and to Discord (a rule of its own)."""
    p = web.Page(1, f"Corvania {MENTIONS}", "Corvania")
    url = f"{world.base}/a/1.html"
    world.hostile.route("/a/1.html", reply(
        200, web.article_html(p, canonical=url).encode(), content_type=HTML))
    world.hostile.route("/feed.xml", reply(200, web.rss([web.Item(url, p.title)]),
                                           content_type=RSS))
    world.add_source(f"{world.base}/feed.xml")
    world.expect(url, p)
    world.env[DISCORD_ENV] = "discord://4174174174/f4ultSu1teD1scordT0ken42"
    world.extra_channels.append({"name": "desk-discord", "url": {"$env": DISCORD_ENV},
                                 "format": "markdown"})
    world.extra_rule_files["discord.yaml"] = (
        "rules:\n  - id: discord-desk\n    name: Corvania on Discord\n"
        "    match: {any: [Corvania]}\n    channels: [desk-discord]\n")


def _defused(paths: dict[str, tuple[str, str]], needle: str) -> Any:
    """Each receiver (label -> webhook path, channel format) got the hostile text (`needle`)
    and nothing of it live."""
    def check(world: World) -> list[str]:
        problems = []
        for label, (prefix, fmt) in paths.items():
            texts = [json.dumps(p, ensure_ascii=False) for p in world.slack.received(prefix)]
            if not any(needle in t for t in texts):
                problems.append(f"no {label} message carries the hostile text")
            live = sorted({s for t in texts for s in LIVE[fmt] if s in t})
            if live:
                problems.append(f"{label} got live {live}")
        return problems
    return check


def _ops_reason(world: World) -> None:
    """A feed answering 503 with a reason phrase of mentions and a link; the source fails
    at once (failure_runs 1), so the ops channel is told, quoting the server's message."""
    def route(req: HostileRequest) -> None:
        handler = req._handler   # the reason phrase itself is the fault
        handler.send_response(503, f"Feed moved: sign in {MENTIONS}")
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    world.hostile.route("/feed.xml", route)
    world.add_source(f"{world.base}/feed.xml")
    world.settings_overrides["source_failure_runs"] = 1
    world.env[OPS_ENV] = "slack://T0OPSFLT1/B0OPSFLT1/0psSu1teW3bh00kT0ken42"
    world.extra_channels.append({"name": "ops-slack", "url": {"$env": OPS_ENV},
                                 "format": "slack", "ops": True})


# --- newswatch's own code failing for one source --------------------------------------------

def _bug_in_one_source(world: World) -> None:
    """The feed discoverer raises KeyError for the hostile source only (a bug in newswatch,
    not in the site): recorded as internal_error against it; the demo sources run on."""
    site(world, heals=False)
    world.pages.clear()
    discover = scrape_module.DISCOVERERS["feed"]

    async def broken_for_hostile(source: Any, *args: Any) -> Any:
        if source.id == "hostile":
            raise KeyError("no such field: 'pubDate'")
        return await discover(source, *args)
    world.enter(mock.patch.dict(scrape_module.DISCOVERERS, {"feed": broken_for_hostile}))


ISOLATION: list[Scenario] = [
    _s("article redirects to mailto:", _page_redirects_to("mailto:x"), fetch("redirect")),
    _s("article redirects to javascript:", _page_redirects_to("javascript:alert(1)"),
       fetch("redirect")),
    _s("article redirects to data:", _page_redirects_to("data:text/html,<b>x</b>"),
       fetch("redirect")),
    _s("feed redirects to mailto:", feed_only(redirect_to("mailto:x", 301)), fetch("redirect")),
    _s("feed redirects to garbage (http://[oops/)", feed_only(redirect_to("http://[oops/", 301)),
       fetch("bad_url")),
    _s("malformed listing links ([oops, port 99999)", _malformed_listing),
    _s("malformed sitemap locations",
       lambda w: _sitemap(w, ["http://[oops/child.xml"],
                          ["http://[oops/", "http://news.example:99999/b", "http://:80/"])),
    _s("JSON Feed nested 100,000 deep",
       feed_only(_nested_json_feed(100_000), "application/feed+json"), fetch("too_deep")),
    _s("redirect to 127.0.0.2 (no opt-in)", no_private_opt_in(
        lambda w: feed_only(redirect_to(w.base.replace("127.0.0.1", "127.0.0.2")
                                        + "/feed.xml", 301))(w)), fetch(BLOCKED)),
    _s("redirect to 169.254.169.254 (no opt-in)",
       no_private_opt_in(feed_only(redirect_to(f"{METADATA}/", 301))), fetch(BLOCKED)),
    _s("feed link to 127.0.0.2 (no opt-in)", no_private_opt_in(
        lambda w: _link_to(w.base.replace("127.0.0.1", "127.0.0.2") + "/a/9.html")(w)),
       fetch(BLOCKED)),
    _s("feed link to 169.254.169.254 (no opt-in)",
       no_private_opt_in(_link_to(f"{METADATA}/a.html")), fetch(BLOCKED)),
    _s("sitemap child on 169.254.169.254 (no opt-in)",
       no_private_opt_in(lambda w: _sitemap(w, [f"{METADATA}/sitemap.xml"])), fetch(BLOCKED)),
    _s("source headers on a cross-origin redirect", _headers_cross_origin,
       check=_key_stayed_home),
    _s("mention strings in a headline (Slack, Discord)", _hostile_headline,
       check=_defused({"Slack": ("/services/T0FAULTS1/", "slack"),
                       "Discord": ("/api/webhooks/", "markdown")}, "everyone")),
    _s("mention strings in a server's error (ops notice)", _ops_reason, fetch("server_error"),
       check=_defused({"ops Slack": (OPS_PATH, "slack")}, "everyone")),
    _s("bug in newswatch for one source", _bug_in_one_source, fetch("internal_error")),
]
