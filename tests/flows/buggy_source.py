"""A bug in newswatch's own code for one source: `steps.scrape_one` raises for that source
only, so a test can show the others' results come back untouched."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from pipeline import steps
from scrapers.fetch import Fetcher
from scrapers.models import SourceConfig, SourceResult, Validators


def raise_for(source_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    scrape_one = steps.scrape_one

    async def buggy_for_one(source: SourceConfig, fetcher: Fetcher,
                            known_urls: Collection[str],
                            validators: Validators | None) -> SourceResult:
        if source.id == source_id:
            raise RuntimeError("a bug in this source's code")
        return await scrape_one(source, fetcher, known_urls, validators)
    monkeypatch.setattr(steps, "scrape_one", buggy_for_one)
