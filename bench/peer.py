"""newswatch beside newspaper4k, the library news-scraping projects usually start from.

1. Speed, in one run on the same local 2,000-article site (bench/news_site.py, served from
   another process): newswatch's whole pipeline (feeds, fetch, extract, store with story
   clustering, rules) over every page, then newspaper4k over every PEER_EVERY-th page of the
   same feeds: its own downloader (requests, with the HEAD request it sends before each GET to
   refuse binary content) and `Article.parse()`, on as many threads as newswatch has
   connections (10), links read from the feeds as newswatch reads them. Articles per second
   (wall) of each; newspaper4k does less (no storage, no rules), so the ratio flatters it.
2. Quality: body F1 of both on the shared extraction benchmark (eval/extraction_quality.py's
   scorer: bag of whitespace tokens per page, averaged over pages), newspaper4k's from
   `Article.download(input_html=...)` then `parse()` with its defaults.

newspaper4k runs with its NLP and image downloads off; its domain parser is pinned to the
suffix list it ships with, so nothing here reaches beyond loopback.
"""

from __future__ import annotations

import gzip
import importlib
import json
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx

from bench.news_site import CORPUS, LocalNewsSite
from bench.results import record
from bench.throughput import PAGES, _cold, _write_config
from core.settings import Settings
from eval.extraction_quality import CORPUS as EXTRACTION_CORPUS
from eval.extraction_quality import Score, mean_scores, prf
from scrapers.errors import NotAnArticle
from scrapers.extract import decode_html, extract_article

PEER_EVERY = 4
THREADS = 10


def _newspaper() -> Any:
    """newspaper4k, kept offline: tldextract (used for some of its URL checks) would fetch the
    public suffix list from the internet on first use; it gets the copy it ships with."""
    import tldextract
    import tldextract.tldextract as tld_module

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    for module in (tldextract, tld_module):
        module.__dict__["extract"] = offline
    with warnings.catch_warnings():   # "nltk is not installed": its NLP is not used here
        warnings.simplefilter("ignore")
        return importlib.import_module("newspaper")   # untyped: used through Any


def _config(newspaper: Any) -> Any:
    config = newspaper.Config()
    config.fetch_images = False       # image downloads: not what is compared
    config.memorize_articles = False
    config.request_timeout = 30
    return config


def _feed_links(feed_urls: dict[str, str]) -> list[str]:
    links = []
    for url in feed_urls.values():
        parsed = feedparser.parse(httpx.get(url, timeout=30).content)
        links += [entry.link for entry in parsed.entries]
    return links


def _peer_speed(site: LocalNewsSite) -> tuple[int, int, float, float]:
    """(articles with a body, pages tried, wall seconds, process CPU seconds)."""
    newspaper = _newspaper()
    config = _config(newspaper)

    def fetch(url: str) -> bool:
        article = newspaper.Article(url, config=config)
        article.download()
        article.parse()
        return bool(article.text.strip())

    newspaper.Article("http://127.0.0.1/warm", config=config).download(
        input_html="<html><body><p>warm</p></body></html>").parse()   # imports, outside
    cpu, wall = time.process_time(), time.perf_counter()
    links = _feed_links(site.feed_urls())[::PEER_EVERY]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        done = list(pool.map(fetch, links))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return sum(done), len(links), wall, cpu


def extraction_f1(corpus: Path = EXTRACTION_CORPUS) -> tuple[float, float, int]:
    """(newswatch F1, newspaper4k F1, pages) on the shared extraction benchmark."""
    newspaper = _newspaper()
    config = _config(newspaper)
    truth = json.loads((corpus / "ground-truth.json").read_text("utf-8"))
    ours: list[Score] = []
    theirs: list[Score] = []
    now = datetime.now(UTC)
    for item_id, item in sorted(truth.items()):
        html = decode_html(gzip.decompress((corpus / "html" / f"{item_id}.html.gz")
                                           .read_bytes()), "utf-8")
        try:
            body = extract_article(html, url=item["url"], source_id="eval", fetched_at=now).body
        except NotAnArticle:
            body = ""
        peer = newspaper.Article(item["url"], config=config)
        try:
            with warnings.catch_warnings():   # dateutil on time zone names it cannot place
                warnings.simplefilter("ignore")
                text = peer.download(input_html=html).parse().text
        except Exception:   # a page it cannot parse scores 0, as one newswatch refuses
            text = ""
        ours.append(prf(body, item["articleBody"]))
        theirs.append(prf(text, item["articleBody"]))
    return mean_scores(ours)[2], mean_scores(theirs)[2], len(ours)


def run() -> list[tuple[str, str]]:
    if not CORPUS.is_dir():
        return [("peer", f"skipped: no bbc-news corpus at {CORPUS}")]
    with LocalNewsSite(PAGES) as site, tempfile.TemporaryDirectory() as tmp:
        config = _write_config(Path(tmp) / "config", site.feed_urls())
        settings = Settings(config_dir=config, warehouse=Path(tmp) / "peer.duckdb",
                            fetch_retries=0, fetch_min_delay_seconds=0.0)
        stored, wall, cpu, _ = _cold(settings)
        parsed, tried, peer_wall, peer_cpu = _peer_speed(site)
    ours, theirs = stored / wall, parsed / peer_wall
    # On a machine shared with other work, wall time is partly waiting for a core: the CPU
    # time per article (client side, each in its own measure) is printed beside.
    cpu_ours, cpu_theirs = cpu / max(stored, 1), peer_cpu / max(parsed, 1)
    rows = [
        ("peer: newswatch, whole pipeline",
         f"{stored} articles in {wall:.1f} s: {ours:.0f} articles/s (wall), "
         f"{cpu_ours * 1000:.1f} ms CPU each"),
        (f"peer: newspaper4k download+parse ({tried} pages)",
         f"{parsed} with a body in {peer_wall:.1f} s: {theirs:.1f} articles/s (wall), "
         f"{cpu_theirs * 1000:.1f} ms CPU each"),
        ("peer: speed-up", f"x{ours / theirs:.1f} articles/s (goal >= 5); "
                           f"x{cpu_theirs / cpu_ours:.1f} in CPU time per article"),
    ]
    figures = {"articles_per_second": ours, "newspaper4k_speedup": ours / theirs,
               "newspaper4k_cpu_speedup": cpu_theirs / cpu_ours}
    if EXTRACTION_CORPUS.is_dir():
        f1_ours, f1_theirs, pages = extraction_f1()
        rows.append((f"peer: body F1, extraction benchmark ({pages} pages)",
                     f"newswatch {f1_ours:.3f}, newspaper4k {f1_theirs:.3f} (goal: higher)"))
        figures |= {"newswatch_f1": f1_ours, "newspaper4k_f1": f1_theirs}
    record(figures)
    return rows


if __name__ == "__main__":
    for name, figure in run():
        print(f"  {name:<45} {figure}", flush=True)
