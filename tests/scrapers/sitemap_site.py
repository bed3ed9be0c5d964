"""Writing sitemaps, news sitemaps and simple article pages for the tests (synthetic, written
for these tests in the sitemaps.org and Google News sitemap schemas)."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape

from .hostile_server import HostileRequest, Route

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


@dataclass(frozen=True)
class Url:
    loc: str
    lastmod: datetime | None = None
    news_title: str | None = None
    published: datetime | None = None
    keywords: str | None = None


def urlset(urls: Iterable[Url]) -> bytes:
    rows = []
    for u in urls:
        parts = [f"<loc>{escape(u.loc)}</loc>"]
        if u.lastmod:
            parts.append(f"<lastmod>{u.lastmod.isoformat()}</lastmod>")
        if u.news_title or u.published:
            news = ["<news:publication><news:name>The Test Gazette</news:name>"
                    "<news:language>en</news:language></news:publication>"]
            if u.published:
                news.append(f"<news:publication_date>{u.published.isoformat()}"
                            "</news:publication_date>")
            if u.news_title:
                news.append(f"<news:title>{escape(u.news_title)}</news:title>")
            if u.keywords:
                news.append(f"<news:keywords>{escape(u.keywords)}</news:keywords>")
            parts.append("<news:news>" + "".join(news) + "</news:news>")
        rows.append("<url>" + "".join(parts) + "</url>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}" '
            f'xmlns:news="{NEWS_NS}">\n' + "\n".join(rows) + "\n</urlset>\n").encode()


def sitemap_index(children: Iterable[tuple[str, datetime | None]]) -> bytes:
    rows = "\n".join(
        f"<sitemap><loc>{escape(loc)}</loc>"
        + (f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else "") + "</sitemap>"
        for loc, lastmod in children)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n'
            f"{rows}\n</sitemapindex>\n").encode()


def xml(body: bytes, content_type: str = "application/xml") -> Route:
    def route(req: HostileRequest) -> None:
        req.send(200, body, {"Content-Type": content_type})
    return route


def gz_file(body: bytes) -> Route:
    """A .xml.gz file as servers send one: gzip bytes as the body, no Content-Encoding."""
    packed = gzip.compress(body)

    def route(req: HostileRequest) -> None:
        req.send(200, packed, {"Content-Type": "application/x-gzip"})
    return route


def article_page(title: str, paragraphs: list[str], *, published: datetime | None = None,
                 extra_head: str = "", extra_body: str = "") -> bytes:
    date = (f'<meta property="article:published_time" content="{published.isoformat()}">'
            if published else "")
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<meta property="og:title" content="{escape(title)}">{date}{extra_head}</head>
<body><nav><a href="/">Home</a> <a href="/world/">World</a></nav>
<article><h1 class="headline">{escape(title)}</h1>
<div class="story">{body}</div>{extra_body}</article>
<footer><p>The Test Gazette, a paper that exists only in these tests.</p></footer>
</body></html>""".encode()


def html(body: bytes) -> Route:
    def route(req: HostileRequest) -> None:
        req.send(200, body, {"Content-Type": "text/html; charset=utf-8"})
    return route


def words(topic: str, count: int = 60) -> list[str]:
    """Paragraphs of plain filler about `topic`, long enough to count as an article body."""
    sentence = (f"The council met on Tuesday to discuss {topic}, and members asked officials "
                "for a written answer before the next meeting of the committee.")
    per = max(1, count // len(sentence.split()))
    return [" ".join([sentence] * per) for _ in range(3)]
