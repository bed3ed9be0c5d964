"""The scrape step every runner shares isolates each source: whatever one source's scrape
raises (a bug, a Prefect task's timeout) is recorded against that source, and the others'
results come back as they were."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.settings import Settings
from pipeline import progress, steps
from pipeline.summary import summarize_load
from scrapers.fetch import Fetcher
from scrapers.models import KnownUrls, SourceConfig, SourceResult, Validators
from warehouse.articles import LoadReport

SOURCES = [SourceConfig(id=name, url=f"https://{name}.example/feed")
           for name in ("first", "broken", "slow", "last")]


async def _scrape(source: SourceConfig, fetcher: Fetcher, known: KnownUrls,
                  validators: Validators | None) -> SourceResult:
    if source.id == "broken":
        raise ZeroDivisionError("division by zero in a parser")
    if source.id == "slow":
        raise TimeoutError("Task run exceeded timeout of 900.0 second(s)")
    return SourceResult(source_id=source.id, entries_seen=3)


def test_one_source_raising_does_not_take_the_others(tmp_path: Path) -> None:
    settings = Settings(config_dir=tmp_path, warehouse=tmp_path / "wh.duckdb")
    events: list[tuple[str, int]] = []
    with progress.listening(lambda event, amount: events.append((event, amount))):
        results = asyncio.run(steps.scrape_all(settings, SOURCES, {}, scrape=_scrape))
    assert [r.source_id for r in results] == ["first", "broken", "slow", "last"]
    assert [r.entries_seen for r in results] == [3, 0, 0, 3]
    assert events == [("source", 0)] * 4   # every source reported done, the failed ones too
    for result, kind in ((results[1], "ZeroDivisionError"), (results[2], "TimeoutError")):
        [record] = result.fetches
        assert (record.url, record.kind, record.error_class) == (
            f"https://{result.source_id}.example/feed", "feed", "internal_error")
        assert kind in (record.message or "")

    summary = summarize_load("run", results, LoadReport())
    errors = {s.source_id: s.errors for s in summary.sources}
    assert errors["first"] == [] and errors["last"] == []
    assert errors["broken"][0].startswith("internal_error: unexpected ZeroDivisionError")
    assert summary.errors == 2


def test_groups_keep_the_order_and_a_group_failing_whole_fails_only_its_sources(
        tmp_path: Path) -> None:
    settings = Settings(config_dir=tmp_path, warehouse=tmp_path / "wh.duckdb")
    sources = [SourceConfig(id=f"s{i}", url=f"https://s{i}.example/feed") for i in range(7)]
    seen: list[list[str]] = []

    async def group(chosen: list[SourceConfig], fetcher: Fetcher,
                    states: steps.SourceStates) -> list[SourceResult]:
        seen.append([s.id for s in chosen])
        if "s1" in seen[-1]:
            raise RuntimeError("the group's task could not run")
        return await steps.scrape_group(chosen, fetcher, states, _scrape)

    results = asyncio.run(steps.scrape_all(settings, sources, {}, group=group, groups=3))
    assert sorted(seen) == [["s0", "s3", "s6"], ["s1", "s4"], ["s2", "s5"]]
    assert [r.source_id for r in results] == [s.id for s in sources]
    failed = {r.source_id for r in results if r.fetches}
    assert failed == {"s1", "s4"}
    assert all(r.entries_seen == 3 for r in results if r.source_id not in failed)
    assert all(r.fetches[0].error_class == "internal_error" for r in results if r.fetches)
    # Fewer sources than groups: one group per source, none empty.
    seen.clear()
    asyncio.run(steps.scrape_all(settings, sources[2:4], {}, group=group, groups=3))
    assert sorted(seen) == [["s2"], ["s3"]]


def test_a_source_over_its_timeout_is_its_own_failure(tmp_path: Path) -> None:
    async def stuck(source: SourceConfig, fetcher: Fetcher, known: KnownUrls,
                    validators: Validators | None) -> SourceResult:
        if source.id == "slow":
            await asyncio.sleep(30)
        return SourceResult(source_id=source.id, entries_seen=1)

    async def run() -> list[SourceResult]:
        async with Fetcher() as fetcher:
            return await steps.scrape_group(SOURCES, fetcher, {}, stuck, timeout=0.2)

    results = asyncio.run(run())
    assert [r.entries_seen for r in results] == [1, 1, 0, 1]
    assert results[2].fetches[0].error_class == "internal_error"
    assert "TimeoutError" in (results[2].fetches[0].message or "")
