"""`newswatch sources ...`: check sources.yaml, and try each source once without storing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.common import literal
from core.settings import Settings
from pipeline.fetching import fetch_policy

if TYPE_CHECKING:
    from scrapers.models import SourceConfig
    from scrapers.probe import Probe

sources_app = typer.Typer(help="Check the sources in sources.yaml.", no_args_is_help=True)


@sources_app.command("check")
def sources_check(
    fetch: Annotated[bool, typer.Option(
        "--fetch", help="Also try each enabled source once (nothing is stored).")] = False,
    source: Annotated[list[str] | None, typer.Option(
        help="Only this source id (repeatable; with --fetch).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per source.")] = 20.0,
    concurrency: Annotated[int, typer.Option(help="Sources tried at the same time.")] = 8,
) -> None:
    """Validate sources.yaml, listing every problem as file:line:column.

    With --fetch, also try each enabled source once (nothing is stored).
    Per source: entries, newest date, sample titles, or the error and what to do.
    Exit codes: 0 all good, 1 a source failed, 2 sources.yaml has problems.
    """
    from cli.common import EXIT_PROBLEMS, EXIT_USAGE, console, err
    from pipeline.config import load_config

    settings = Settings()
    config = load_config(settings.config_dir)
    problems = [p for p in config.problems if Path(p.file).name == "sources.yaml"]
    for problem in problems:
        err.print(literal(str(problem)))
    kinds = sorted({s.kind for s in config.sources})
    console.print(literal(f"{len(config.sources)} sources valid in "
                          f"{settings.config_dir / 'sources.yaml'}"
                          + (f" ({', '.join(kinds)})" if kinds else "")))
    if fetch:
        chosen = [s for s in config.sources if s.enabled and (not source or s.id in source)]
        unknown = sorted(set(source or ()) - {s.id for s in config.sources})
        for name in unknown:
            err.print(literal(f"no source {name!r} in sources.yaml"))
        probes = asyncio.run(_probe_all(chosen, settings, timeout, max(1, concurrency)))
        for probe in probes:
            _show(probe, console, err)
        failed = sum(1 for p in probes if not p.ok)
        console.print(f"{len(probes) - failed} of {len(probes)} sources answered", highlight=False)
        if problems or unknown:
            raise typer.Exit(EXIT_USAGE)
        if failed:
            raise typer.Exit(EXIT_PROBLEMS)
    if problems:
        raise typer.Exit(EXIT_USAGE)


async def _probe_all(sources: list[SourceConfig], settings: Settings, timeout: float,
                     concurrency: int) -> list[Probe]:
    from scrapers.fetch import Fetcher
    from scrapers.probe import probe_source

    slots = asyncio.Semaphore(concurrency)

    async def one(source: SourceConfig) -> Probe:
        async with slots:
            return await probe_source(source, fetcher, timeout=timeout)

    async with Fetcher(fetch_policy(settings)) as fetcher:
        return list(await asyncio.gather(*(one(s) for s in sources)))


def _show(probe: Probe, out: Console, err: Console) -> None:
    status = f"HTTP {probe.status}" if probe.status else "no answer"
    head = f"{probe.source_id} ({probe.kind}, {probe.url})"
    if probe.ok:
        newest = probe.newest.strftime("%Y-%m-%d %H:%M UTC") if probe.newest else "undated"
        skipped = []
        if probe.skipped_old:
            skipped.append(f"{probe.skipped_old} older than max_age")
        if probe.skipped_filtered:
            skipped.append(f"{probe.skipped_filtered} excluded by include/exclude")
        line = (f"ok    {head}: {status}, {probe.entries} entries"
                + (f" (+ {', '.join(skipped)})" if skipped else "")
                + f", newest {newest}, {probe.seconds:.2f} s")
        out.print(literal(line))
        for title in probe.samples:
            out.print(literal(f"        - {title}"))
    else:
        err.print(literal(f"FAIL  {head}: {status}, {probe.error} ({probe.seconds:.2f} s)"))
        err.print(literal(f"        what to do: {probe.hint}"))
    for note in probe.notes:
        out.print(literal(f"        note: {note}"))
