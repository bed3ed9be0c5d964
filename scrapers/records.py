"""FetchRecords from responses and errors: the request log's rows, built one way everywhere."""

from __future__ import annotations

from scrapers.errors import ScrapeError
from scrapers.fetch import Response
from scrapers.models import FetchKind, FetchOutcome, FetchRecord


def ok_record(response: Response, kind: FetchKind, outcome: FetchOutcome,
              url: str | None = None) -> FetchRecord:
    return FetchRecord(url=url or response.url, kind=kind, outcome=outcome,
                       status_code=response.status, bytes=len(response.body),
                       elapsed_ms=round(response.elapsed_ms, 1),
                       final_url=response.url if response.redirects else None,
                       redirects=len(response.redirects), attempts=response.attempts)


def error_record(url: str, kind: FetchKind, exc: ScrapeError,
                 response: Response | None = None) -> FetchRecord:
    return FetchRecord(
        url=url, kind=kind,
        outcome="skipped" if exc.skipped else "error",   # robots.txt: not asked, not failed
        status_code=response.status if response else None,
        bytes=len(response.body) if response else 0,
        error_class=exc.error_class, transient=exc.transient, message=exc.message[:500],
        attempts=exc.attempts,
    )
