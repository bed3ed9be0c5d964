"""The source's own document (a feed or a listing page): fetched by conditional GET and
recorded in the discovery the same way whatever kind of source it is; and `source_get`, the
one way a source's requests are made."""

from __future__ import annotations

from scrapers.errors import ScrapeError
from scrapers.fetch import Fetcher, Response
from scrapers.models import Discovery, SourceConfig, Validators
from scrapers.records import error_record, ok_record
from scrapers.urls import headers_may_follow


async def source_get(source: SourceConfig, fetcher: Fetcher, url: str,
                     validators: Validators | None = None) -> Response:
    """GET `url` for `source`: its robots setting and address opt-in; its headers only when
    `url` is on the source's own origin (an article or sitemap elsewhere gets none)."""
    headers = source.headers if headers_may_follow(source.url, url) else {}
    return await fetcher.get(url, headers=headers, validators=validators,
                             robots=source.robots,
                             allow_private=source.allow_private_addresses)


async def fetch_source_document(source: SourceConfig, fetcher: Fetcher,
                                validators: Validators | None,
                                found: Discovery) -> Response | None:
    """The answer to read, or None when the request failed or nothing changed (304); either
    way the request is recorded in `found`."""
    try:
        response = await source_get(source, fetcher, source.url, validators)
    except ScrapeError as exc:
        document_failed(found, source, exc)
        return None
    if response.not_modified:
        found.fetches.append(ok_record(response, "feed", "not_modified", url=source.url))
        found.not_modified = True
        return None
    return response


def document_failed(found: Discovery, source: SourceConfig, exc: ScrapeError,
                    response: Response | None = None) -> None:
    found.fetches.append(error_record(source.url, "feed", exc, response))
    found.failed = True


def document_read(found: Discovery, source: SourceConfig, response: Response) -> None:
    """The document was read: record it and keep its validators for the next request."""
    found.fetches.append(ok_record(response, "feed", "ok", url=source.url))
    found.validators = response.validators
