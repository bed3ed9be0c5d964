"""`newswatch extract`: one page (file or URL) or a batch of saved pages to Article JSON.

For checking what newswatch makes of a site before adding it, and for re-extracting saved
pages in bulk. Extraction is `scrapers.extract.extract_article`, the same as in a run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, printable
from core.settings import Settings
from pipeline.fetching import fetch_policy
from scrapers.errors import ScrapeError
from scrapers.extract import decode_html, extract_article
from scrapers.fetch import Fetcher
from scrapers.models import Article


def extract_command(
    target: Annotated[str | None, typer.Argument(
        help="A saved page (.html or .html.gz) or an http(s) URL to fetch.")] = None,
    url: Annotated[str | None, typer.Option(
        help="The page's address, for a saved page: resolves relative links and the "
             "canonical URL (default: the file's file:// URI).")] = None,
    batch: Annotated[Path | None, typer.Option(
        help='A JSON Lines file of {"path": ..., "url": ...} (or {"url": ...} to fetch; '
             "relative paths are relative to the file); prints one JSON line per page.")]
        = None,
    body_selector: Annotated[str | None, typer.Option(
        help="CSS selector of the article text, as a source's body_selector.")] = None,
    source_id: Annotated[str, typer.Option(help="Source id to put in the output.")] = "cli",
) -> None:
    """Print the Article newswatch extracts from a page, as JSON."""
    if (target is None) == (batch is None):
        _usage("give a page (PATH or URL) or --batch FILE.jsonl, not both and not neither")
    if batch is not None:
        if not batch.is_file():
            _usage(f"--batch {batch}: no such file")
        raise typer.Exit(asyncio.run(_run_batch(batch, body_selector, source_id)))
    assert target is not None
    try:
        article = asyncio.run(_one(target, url, body_selector, source_id, None))
    except FileNotFoundError:
        _usage(f"{target}: no such file (give a saved .html or .html.gz page, or an "
               "http(s) URL)")
    except ScrapeError as exc:
        typer.echo(printable(f"{target}: {exc.error_class}: {exc.message}"), err=True)
        raise typer.Exit(EXIT_PROBLEMS) from exc
    typer.echo(json.dumps(article_json(article), ensure_ascii=False, indent=2))


def article_json(article: Article) -> dict[str, Any]:
    """The Article's fields as JSON values (datetimes in ISO 8601 UTC, tuples as lists), with
    `url` the page's address as given and `canonical_url` the one the page declares (the
    Article's own `url`, its identity in the warehouse)."""
    out: dict[str, Any] = {"url": article.discovered_url, "canonical_url": article.url}
    for f in dataclasses.fields(article):
        value = getattr(article, f.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out.setdefault(f.name, value)
    return out


async def _one(target: str, url: str | None, selector: str | None, source_id: str,
               fetcher: Fetcher | None) -> Article:
    now = datetime.now(UTC)
    if target.startswith(("http://", "https://")):
        if fetcher is None:
            async with Fetcher(fetch_policy(Settings())) as own:
                return await _fetched(own, target, selector, source_id, now)
        return await _fetched(fetcher, target, selector, source_id, now)
    path = Path(target)
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ScrapeError(f"not a readable gzip file: {exc}", url=target) from exc
    return extract_article(decode_html(raw, None), url=url or path.resolve().as_uri(),
                           source_id=source_id, fetched_at=now, body_selector=selector)


async def _fetched(fetcher: Fetcher, target: str, selector: str | None, source_id: str,
                   now: datetime) -> Article:
    response = await fetcher.get(target)
    return extract_article(decode_html(response.body, response.encoding), url=response.url,
                           source_id=source_id, fetched_at=now, body_selector=selector)


async def _run_batch(batch: Path, selector: str | None, source_id: str) -> int:
    """One line out per line in; a bad line or page is an `error` line, never a stop."""
    problems = 0
    async with Fetcher(fetch_policy(Settings())) as fetcher:
        for number, line in _lines(batch):
            record: dict[str, Any]
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not (item.get("path") or item.get("url")):
                    raise ValueError('expected an object with "path" (and "url") or "url"')
            except ValueError as exc:
                record = {"line": number, "error": f"bad batch line: {exc}"}
            else:
                record = {"line": number, "path": item.get("path")}
                path = item.get("path")
                if path and not Path(path).is_absolute():
                    path = str(batch.parent / path)     # relative to the batch file
                try:
                    article = await _one(path or item["url"], item.get("url"),
                                         item.get("body_selector") or selector, source_id,
                                         fetcher)
                except ScrapeError as exc:
                    record |= {"error": exc.message, "error_class": exc.error_class}
                except (OSError, ValueError) as exc:
                    record |= {"error": f"{type(exc).__name__}: {exc}",
                               "error_class": "unreadable"}
                else:
                    record |= article_json(article)
            problems += "error" in record
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    return EXIT_PROBLEMS if problems else EXIT_OK


def _lines(batch: Path) -> Iterator[tuple[int, str]]:
    with batch.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def _usage(message: str) -> None:
    typer.echo(f"newswatch extract: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)
