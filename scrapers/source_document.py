"""The source's own document (a feed or a listing page): fetched by conditional GET and
recorded in the discovery the same way whatever kind of source it is."""

from __future__ import annotations

from scrapers.errors import ScrapeError
from scrapers.fetch import Fetcher, Response
from scrapers.models import Discovery, SourceConfig, Validators
from scrapers.records import error_record, ok_record


async def fetch_source_document(source: SourceConfig, fetcher: Fetcher,
                                validators: Validators | None,
                                found: Discovery) -> Response | None:
    """The answer to read, or None when the request failed or nothing changed (304); either
    way the request is recorded in `found`."""
    try:
        response = await fetcher.get(source.url, headers=source.headers, validators=validators,
                                     robots=source.robots)
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
