"""A generated hostile web: a local server answers with generated statuses, `Location` values
of every scheme and shape, malformed URLs in feeds, sitemaps and listing pages, documents
nested to exhaust parsers (XML, JSON, HTML), odd headers and bodies. `scrape_source` runs
feed, sitemap and listing sources against it: it never raises, and every failure is a record
with an error class and a message.

Bounded: a fixed number of derandomized examples per source kind, small timeouts and a
deadline per example. No address outside 127.0.0.1 is ever connected to: the private and
link-local addresses among the links are literal ones, refused before connecting.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrapers.fetch import Fetcher, FetchPolicy
from scrapers.models import SourceConfig, SourceResult
from scrapers.pipeline import scrape_source

from .hostile_server import HostileRequest, HostileServer

EXAMPLES = 20
HOSTILE = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=15), derandomize=True,
                   database=None, suppress_health_check=[HealthCheck.too_slow,
                                                         HealthCheck.data_too_large])
POLICY = FetchPolicy(connect_timeout=0.5, read_timeout=0.5, total_timeout=1.5, retries=0,
                     max_redirects=3, max_bytes=300_000, min_delay=0.0, max_retry_after=1.0,
                     per_host_concurrency=4, allowed_networks=("127.0.0.1/32",))
PAGES = [f"/p{n}" for n in range(5)]
BASE = "{base}"   # replaced by the server's address when the answer is sent

# Every scheme and shape a Location or a link may take, good and bad.
FIXED_URLS = [
    "mailto:x", "javascript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd",
    "ftp://files.example/a", "http://[oops/", "http://[::1", "http://news.example:99999/a",
    "http://news.example:-1/a", "http://:80/", "http:///nohost", "//", "///", "", " ", "#top",
    "?q=1", "..", "/%zz", "http://exa mple.example/", "http://a\x00b.example/",
    "http://127.0.0.2:9/secret", "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/", "http://[::ffff:127.0.0.2]:9/", "http://[fe80::1%25eth0]/",
    "https://0.0.0.0/", "http://224.0.0.1/", "http://100.64.0.1/", "HTTP://" + BASE[7:] + "/p1",
    "http://" + "a" * 300 + ".example/", "http://news.example/" + "%" * 50,
    "http://ü.example/ä", "http://xn--/", "http://news.example\\@evil.example/",
]
SELF = [BASE + page for page in PAGES] + PAGES + [p.lstrip("/") for p in PAGES] + [
    BASE + "/src", BASE + "/robots.txt", "/p0?x=" + "y" * 3000]
URLS = st.one_of(st.sampled_from(FIXED_URLS), st.sampled_from(SELF),
                 st.builds(lambda scheme, rest: scheme + rest,
                           st.sampled_from(["http://", "https://", "http:", "//", "/", ""]),
                           st.text(st.characters(codec="utf-8", exclude_characters="\r\n"),
                                   max_size=24)))
# Redirects lead to the hostile shapes more often than links do: every one must be a record.
LOCATIONS = st.one_of(st.sampled_from(FIXED_URLS), URLS)
STATUSES = [200] * 6 + [301, 302, 307, 204, 206, 301, 302, 303, 307, 308, 300, 304, 400,
                        401, 403, 404, 410, 418, 429, 500, 502, 503, 599, 999]
TYPES = ["text/html; charset=utf-8", "application/rss+xml", "application/atom+xml",
         "application/xml", "application/feed+json", "text/plain", "image/png",
         "text/html; charset=x-unknown", "application/json; charset=utf-16", ""]
ARTICLE = ("<html><head><title>Pilots count barges</title>{head}</head><body><article>"
           "<h1>Pilots count barges</h1><p>" + "The harbour pilots counted barges. " * 15
           + "</p>{body}</article></body></html>")


def deep(kind: str, n: int) -> str:
    return {"xml": "<x>" * n + "</x>" * n, "json": "[" * n + "]" * n,
            "html": "<div>" * n + "</div>" * n,
            "laughs": ('<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
                       + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
                                 for p, c in zip("abcdefgh", "bcdefghi", strict=True))
                       + "]>")}[kind]


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    length: str = "true"        # or "short", "long": a Content-Length that lies


@st.composite
def answers(draw: st.DrawFn, body: bytes, clean: int = 1) -> Answer:
    """A generated answer; `clean` in 4 of them are a plain 200 with the body as it is (so
    that a source's document is read often enough for its links to be followed)."""
    if draw(st.integers(0, 3)) < clean:
        return Answer(200, {}, body)
    status = draw(st.sampled_from(STATUSES))
    headers: dict[str, str] = {}
    if 300 <= status < 400 or draw(st.integers(0, 9)) == 0:
        headers["Location"] = draw(LOCATIONS)
    kind = draw(st.sampled_from(TYPES))
    if kind:
        headers["Content-Type"] = kind
    encoding = draw(st.sampled_from(["", "", "", "gzip", "gzip!", "br", "deflate", "x-what"]))
    if encoding == "gzip":
        body = gzip.compress(body)
    if encoding:
        headers["Content-Encoding"] = encoding.rstrip("!")   # "gzip!": says gzip, is not
    odd = draw(st.sampled_from([None, ("Retry-After", "-1"), ("Retry-After", "99999999999"),
                                ("Retry-After", "Wed, 99 Foo"), ("ETag", "\x01"),
                                ("Last-Modified", "yesterday"), ("Content-Type", "a/b/c;;=")]))
    if odd:
        headers[odd[0]] = odd[1]
    length = draw(st.sampled_from(["true"] * 8 + ["short", "long"]))
    return Answer(status, headers, body, length)


@st.composite
def pages(draw: st.DrawFn) -> bytes:
    """What an article link finds: an article, or something built to break the extractor."""
    choice = draw(st.sampled_from(["article", "deep_html", "deep_ld", "garbage", "empty",
                                   "canonical", "big"]))
    n = draw(st.sampled_from([50, 2_000, 30_000]))
    link = draw(URLS)
    text = {"article": ARTICLE.format(head="", body=""),
            "deep_html": ARTICLE.format(head="", body=deep("html", n)),
            "deep_ld": ARTICLE.format(head='<script type="application/ld+json">'
                                      + deep("json", n) + "</script>", body=""),
            "canonical": ARTICLE.format(head=f'<link rel="canonical" href="{link}">'
                                        f'<meta property="og:url" content="{link}">', body=""),
            "big": "<p>" + "x" * 400_000 + "</p>", "empty": "", "garbage": ""}[choice]
    if choice == "garbage":
        return draw(st.binary(max_size=200))
    return text.encode("utf-8", errors="surrogatepass")


@st.composite
def documents(draw: st.DrawFn, kind: str) -> bytes:
    """The source's own document for `kind`, linking to generated URLs and to the site's
    pages (each with a generated answer), sometimes broken."""
    links = draw(st.permutations([BASE + page for page in PAGES]
                                 + draw(st.lists(URLS, min_size=1, max_size=4))))
    shape = draw(st.sampled_from(["plain"] * 5 + ["deep", "laughs", "garbage"]))
    n = draw(st.sampled_from([300, 5_000, 60_000]))
    inner = {"deep": deep("json" if kind == "json" else "xml" if kind != "listing" else "html",
                          n), "laughs": "", "plain": "", "garbage": ""}[shape]
    if shape == "garbage":
        return draw(st.binary(max_size=300))
    escape = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;"})
    safe = [link.translate(escape) for link in links]
    if kind == "json":
        title = inner or '"t"'
        items = ",".join(f'{{"url": {json.dumps(link)}, "title": {title}}}' for link in links)
        feed = f'{{"version": "https://jsonfeed.org/version/1.1", "items": [{items}]}}'
        return feed.encode("utf-8")
    prolog = deep("laughs", 0) if shape == "laughs" else ""
    body = {
        "rss": prolog + '<rss version="2.0"><channel><title>c</title>' + "".join(
            f"<item><title>t{'&i;' if prolog else ''}</title><link>{s}</link>{inner}</item>"
            for s in safe) + "</channel></rss>",
        "sitemap": prolog + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{s}</loc>{inner}</url>" for s in safe) + "</urlset>",
        "index": prolog + '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<sitemap><loc>{s}</loc>{inner}</sitemap>" for s in safe)
        + "</sitemapindex>",
        "listing": f"<html><body>{inner}" + "".join(
            f'<h3><a href="{s}">t</a></h3>' for s in safe) + "</body></html>",
    }[kind]
    data = body.encode("utf-8", errors="surrogatepass")
    return gzip.compress(data) if kind != "listing" and draw(st.integers(0, 5)) == 0 else data


@st.composite
def webs(draw: st.DrawFn, kinds: list[str]) -> dict[str, Answer]:
    """Every path of the generated site: the source document, five pages, robots.txt."""
    web = {"/src": draw(answers(draw(documents(draw(st.sampled_from(kinds)))), clean=3))}
    for page in PAGES:
        web[page] = draw(answers(draw(st.one_of(pages(), documents("sitemap")))))
    robots = draw(st.sampled_from([b"", b"User-agent: *\nDisallow: /p1\n",
                                   b"User-agent: newswatch\nCrawl-delay: 0\n"]))
    web["/robots.txt"] = draw(answers(robots, clean=3))
    return web


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


def serve(server: HostileServer, web: dict[str, Answer]) -> None:
    base = server.base_url

    def route(req: HostileRequest) -> None:
        answer = web.get(urlsplit(req.path).path, Answer(404))
        headers = {k: v.replace(BASE, base) for k, v in answer.headers.items()}
        body = answer.body.replace(BASE.encode(), base.encode())
        declared = {"true": None, "short": max(0, len(body) - 7),
                    "long": len(body) + 100}[answer.length]
        req.send(answer.status, body, headers, content_length=declared)
    server.routes = {}
    server.fallback = route


def scrape(source: SourceConfig) -> SourceResult:
    async def run() -> SourceResult:
        async with Fetcher(POLICY) as fetcher:
            return await scrape_source(source, fetcher)
    return asyncio.run(run())


SEEN: Counter[str] = Counter()   # error classes met, for the coverage check at the end


def check(result: SourceResult) -> None:
    """Nothing raised; the document was recorded; every failure has a class and a message,
    and a class of its own: `internal_error` (the last line of defence) would mean that a
    site's answer reached code that does not expect it."""
    assert result.fetches, "no record at all"
    assert result.fetches[0].kind == "feed"
    for record in result.fetches:
        assert record.outcome in ("ok", "not_modified", "error", "skipped")
        if record.outcome in ("error", "skipped"):
            assert record.error_class and record.message, record
            assert record.error_class != "internal_error", record.message
        SEEN[record.error_class or record.outcome] += 1


SOURCES: dict[str, tuple[list[str], dict[str, object]]] = {
    "feed": (["rss", "json"], {}),
    "sitemap": (["sitemap", "index"], {"kind": "sitemap", "max_age": "3650d",
                                       "max_depth": 2, "max_entries": 40}),
    "listing": (["listing"], {"kind": "listing", "selectors": {"links": "h3 a, a"}}),
}


def generated_runs(server: HostileServer, kind: str) -> Callable[[], None]:
    """The property for one kind of source, as hypothesis runs it."""
    documents_of, options = SOURCES[kind]

    @HOSTILE
    @given(web=webs(documents_of))
    def run(web: dict[str, Answer]) -> None:
        serve(server, web)
        check(scrape(SourceConfig.model_validate({
            "id": f"gen-{kind}", "url": server.base_url + "/src", "max_articles": 8,
            **options})))
    return run


def test_no_generated_web_makes_a_source_raise(server: HostileServer) -> None:
    started = time.perf_counter()
    everything: Counter[str] = Counter()
    for kind in SOURCES:
        SEEN.clear()
        generated_runs(server, kind)()
        failures = set(SEEN) - {"ok", "not_modified"}
        assert "ok" in SEEN and len(failures) >= 5, (kind, SEEN)
        everything.update(SEEN)
    assert time.perf_counter() - started < 50
    # The generator reached the failures it is for, not only the happy path.
    assert {"bad_url", "blocked_address", "redirect", "http_status", "server_error",
            "connect", "robots_unavailable", "not_an_article"} <= set(everything), everything
