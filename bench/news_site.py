"""A local news site for throughput benchmarks: real article text (the shared corpus's BBC
News texts) in a realistic page template (navigation, cookie banner, JSON-LD, byline, related
links, footer, scripts), one RSS feed per section, served from another process on loopback.

Each section is served on its own loopback address (127.0.0.1, 127.0.0.2, ...) so the fetcher's
per-host limits apply per section as they would per site. Feeds answer conditional GETs (ETag)
with 304, as a well-behaved site does.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import multiprocessing
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "bbc-news"
SECTIONS = ("business", "entertainment", "politics", "sport", "tech")
EPOCH = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
AUTHORS = ("Ana Ruiz", "Tom Bell", "Li Wei", "Omar Haddad", "Lena Voigt", "Esther Nwosu")


@dataclass(frozen=True)
class Story:
    section: str
    slug: str
    title: str
    paragraphs: tuple[str, ...]
    published_at: datetime
    author: str


def load_stories(limit: int) -> list[Story]:
    """The first `limit` BBC texts, round-robin over sections so every feed gets a share."""
    if not CORPUS.is_dir():
        raise FileNotFoundError(f"the bbc-news corpus is needed for this benchmark: {CORPUS}")
    by_section: dict[str, list[dict]] = {s: [] for s in SECTIONS}
    with gzip.open(CORPUS / "bbc-fulltext.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            by_section[row["category"]].append(row)
    stories: list[Story] = []
    index = 0
    while len(stories) < limit and any(by_section.values()):
        section = SECTIONS[index % len(SECTIONS)]
        if by_section[section]:
            row = by_section[section].pop(0)
            paragraphs = tuple(p.strip() for p in row["text"].split("\n\n")[1:] if p.strip())
            stories.append(Story(section, f"{row['id'].replace('/', '-')}", row["title"],
                                 paragraphs, EPOCH - timedelta(minutes=7 * len(stories)),
                                 AUTHORS[len(stories) % len(AUTHORS)]))
        index += 1
    # More pages than the corpus has texts (2,225): its texts again, at new addresses and
    # with their paragraphs in another order, as a site republishing its archive would.
    originals, round_number = list(stories), 1
    while len(stories) < limit and originals:
        round_number += 1
        for story in originals[: limit - len(stories)]:
            turned = story.paragraphs[round_number - 1:] + story.paragraphs[:round_number - 1]
            stories.append(Story(story.section, f"{story.slug}-r{round_number}", story.title,
                                 turned, EPOCH - timedelta(minutes=7 * len(stories)),
                                 story.author))
    return stories


def _related(stories: list[Story], story: Story, base: str) -> str:
    picks = [s for s in stories if s.section == story.section and s is not story][:12]
    return "".join(f'<li><a href="{base}/{s.section}/{s.slug}">{html.escape(s.title)}</a></li>'
                   for s in picks)


# Page furniture as heavy as a light real news page (real pages in the shared corpus: median
# 115-244 KB, a quarter under 68-127 KB): a style sheet inline, a mega-menu, icon sprites, a
# hydration script, related-story cards, ad slots and a long footer. Built once.
_STYLE = "<style>" + "".join(
    f".c{i}{{margin:{i % 7}px {i % 5}px;padding:{i % 3}px;color:#{i * 2654435761 % 0xFFFFFF:06x};"
    f"font:{12 + i % 6}px/1.{i % 9} sans-serif}}" for i in range(260)) + "</style>"
_ICONS = "".join(
    f'<svg class="icon icon-{i}" viewBox="0 0 24 24" aria-hidden="true"><path d="M{i % 9} 2'
    f'l{i % 7} 3v{i % 5}h{i % 11}l-{i % 4} 7zM3 {i % 13}h18v2H3z"/><circle cx="{i % 24}" '
    f'cy="{(i * 7) % 24}" r="2"/></svg>' for i in range(40))
_MENU = "".join(
    f'<li class="menu-section"><a href="/{s}">{s.title()}</a><ul class="submenu">' + "".join(
        f'<li><a class="c{j}" href="/{s}/topic-{j}">{s.title()} topic {j}</a></li>'
        for j in range(24)) + "</ul></li>" for s in SECTIONS)
_FOOTER = "".join(f'<li><a href="/page/{i}">Footer link number {i}</a></li>' for i in range(70))
_ADS = "".join(f'<div class="ad-slot" id="ad-{i}" data-size="300x250" data-pos="{i}">'
               '<div class="ad-label">Advertisement</div><div class="ad-inner"></div></div>'
               for i in range(8))


def _cards(stories: list[Story], base: str) -> str:
    return "".join(
        f'<div class="card c{i}"><a href="{base}/{s.section}/{s.slug}"><img src="/img/{s.slug}'
        f'.jpg" alt="" width="320" height="180" loading="lazy"><h3>{html.escape(s.title)}</h3>'
        f'</a><p class="teaser">{html.escape(s.paragraphs[0][:160])}</p>'
        f'<span class="meta">{s.section.title()} · {s.published_at:%d %b}</span></div>'
        for i, s in enumerate(stories))


def _hydration(stories: list[Story], story: Story) -> str:
    state = {"page": {"id": story.slug, "section": story.section, "ads": list(range(40))},
             "related": [{"id": s.slug, "title": s.title, "teaser": s.paragraphs[0][:400],
                          "published": s.published_at.isoformat()} for s in stories]}
    return f"<script>window.__STATE__ = {json.dumps(state)};</script>"


def article_page(story: Story, base: str, related: str, neighbours: list[Story]) -> bytes:
    title = html.escape(story.title)
    cards, hydration = _cards(neighbours, base), _hydration(neighbours, story)
    url = f"{base}/{story.section}/{story.slug}"
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                     "headline": story.title, "datePublished": story.published_at.isoformat(),
                     "author": {"@type": "Person", "name": story.author},
                     "articleSection": story.section.title(), "mainEntityOfPage": url})
    nav = "".join(f'<li><a href="{base}/{s}">{s.title()}</a></li>' for s in SECTIONS)
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)
    scripts = "".join(f"<script>window.dataLayer=window.dataLayer||[];dataLayer.push({{"
                      f"'slot':{i},'section':'{story.section}'}});</script>" for i in range(6))
    page = f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>{title} | The Loopback Post</title>
<link rel="canonical" href="{url}">
<meta property="og:type" content="article"><meta property="og:title" content="{title}">
<meta property="og:url" content="{url}">
<meta property="article:published_time" content="{story.published_at.isoformat()}">
<meta name="description" content="{html.escape(story.paragraphs[0][:150])}">
<script type="application/ld+json">{ld}</script>
<link rel="stylesheet" href="/static/site.css">{scripts}{_STYLE}{hydration}</head>
<body><div class="cookie-banner"><p>We use cookies to improve your experience. Accept all or
manage choices.</p><button>Accept all</button><button>Manage choices</button></div>
<header class="masthead"><a class="logo" href="{base}/">The Loopback Post</a>
<nav><ul>{nav}</ul><ul class="mega-menu">{_MENU}</ul></nav><div class="icons">{_ICONS}</div>
<form class="search"><input name="q"></form></header>{_ADS}
<main><article class="story"><p class="kicker">{story.section.title()}</p><h1>{title}</h1>
<p class="byline">By {story.author}, Staff Reporter</p>
<time datetime="{story.published_at.isoformat()}">{story.published_at:%d %B %Y}</time>
<div class="story-body">{paragraphs}</div>
<div class="share"><a href="#">Share on social</a> <a href="#">Email this story</a></div>
</article><aside class="related"><h2>Most read</h2><ol>{related}</ol></aside>
<section class="more"><h2>More stories</h2><div class="cards">{cards}</div></section>
<section class="newsletter"><h2>Get the morning briefing</h2><p>Sign up for our newsletter
and get the day's top stories in your inbox.</p><input name="email"></section></main>
<footer><ul class="footer-links">{_FOOTER}</ul><ul><li><a href="/about">About us</a></li>
<li><a href="/privacy">Privacy</a></li>
<li><a href="/terms">Terms of use</a></li><li><a href="/contact">Contact</a></li></ul>
<p>All rights reserved. The Loopback Post.</p></footer></body></html>"""
    return page.encode("utf-8")


def feed(section: str, stories: list[Story], base: str) -> bytes:
    items = "".join(
        f"<item><title>{html.escape(s.title)}</title>"
        f"<link>{base}/{s.section}/{s.slug}?utm_source=rss</link>"
        f"<guid>{base}/{s.section}/{s.slug}</guid>"
        f"<pubDate>{s.published_at:%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
        f"<description>{html.escape(s.paragraphs[0][:200])}</description></item>"
        for s in stories)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>The Loopback Post: {section}</title><link>{base}/{section}</link>"
            f"{items}</channel></rss>").encode()


def build_site(count: int, port: int) -> dict[str, dict[str, bytes]]:
    """{host: {path: body}} for `count` articles over the sections."""
    stories = load_stories(count)
    site: dict[str, dict[str, bytes]] = {}
    for number, section in enumerate(SECTIONS, start=1):
        host = f"127.0.0.{number}"
        base = f"http://{host}:{port}"
        mine = [s for s in stories if s.section == section]
        pages = {f"/{s.section}/{s.slug}": article_page(s, base, _related(stories, s, base),
                                                        mine[i + 1:i + 13] or mine[:12])
                 for i, s in enumerate(mine)}
        pages[f"/{section}/feed.xml"] = feed(section, mine, base)
        pages["/robots.txt"] = b"User-agent: *\nAllow: /\n"
        site[host] = pages
    return site


def _serve(count: int, port: int, ready: multiprocessing.synchronize.Event,
           stop: multiprocessing.synchronize.Event) -> None:
    site = build_site(count, port)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_HEAD(self) -> None:   # newspaper4k asks before each GET (bench/peer.py)
            self.do_GET(send=False)

        def do_GET(self, send: bool = True) -> None:
            host = self.server.server_address[0]
            page = site.get(str(host), {}).get(self.path.split("?", 1)[0])
            if page is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = '"' + hashlib.blake2b(page, digest_size=8).hexdigest() + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            kind = "application/rss+xml" if self.path.endswith(".xml") else "text/html"
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.send_header("ETag", etag)
            self.end_headers()
            if send:
                self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            return

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass   # a client closing a kept-alive connection is no news

    servers = [Server((host, port), Handler) for host in site]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.set()
    stop.wait()
    for server in servers:
        server.shutdown()


class LocalNewsSite:
    """`with LocalNewsSite(2000) as site:` serves the site from a child process, so the
    benchmark's process CPU time is the pipeline's alone."""

    def __init__(self, count: int, port: int = 0) -> None:
        self.count = count
        self.port = port or _free_port()
        self._ctx = multiprocessing.get_context("spawn")
        self._ready = self._ctx.Event()
        self._stop = self._ctx.Event()
        self._process = self._ctx.Process(target=_serve, daemon=True,
                                          args=(count, self.port, self._ready, self._stop))

    def feed_urls(self) -> dict[str, str]:
        return {section: f"http://127.0.0.{n}:{self.port}/{section}/feed.xml"
                for n, section in enumerate(SECTIONS, start=1)}

    def __enter__(self) -> LocalNewsSite:
        self._process.start()
        if not self._ready.wait(120):
            self._process.kill()
            raise RuntimeError("the local news site did not start within 120 s")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
