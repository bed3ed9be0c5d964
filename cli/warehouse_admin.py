"""Looking after the warehouse file: `newswatch migrate`, `prune` and `export`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, literal
from cli.reading import LiveOption, read_target
from core.durations import DurationError, parse_duration
from core.settings import Settings


def migrate() -> None:
    """Create the warehouse or bring its schema up to date."""
    from warehouse.connection import writer
    from warehouse.migrate import applied_versions

    path = Settings().warehouse
    with writer(path) as con:
        versions = sorted(applied_versions(con))
    console.print(literal(f"{path}: schema at version {versions[-1] if versions else 0}"))


def parse_age(text: str) -> timedelta:
    try:
        return parse_duration(text, what="age", minimum=timedelta(hours=1))
    except DurationError as exc:
        raise typer.BadParameter(str(exc)) from None


def prune(
    older_than: Annotated[str, typer.Option(help="Age limit, e.g. 90d, 12w, 48h.")],
    dry_run: Annotated[bool, typer.Option(help="Count what would go; delete nothing.")] = False,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default: settings).")]
        = None,
) -> None:
    """Delete articles first seen before the age limit, except those a rule matched."""
    from warehouse.connection import writer
    from warehouse.maintenance import prune as prune_warehouse

    age = parse_age(older_than)
    with writer(warehouse or Settings().warehouse) as con:
        report = prune_warehouse(con, age, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    console.print(f"{verb} {report.articles} articles, {report.versions} old versions, "
                  f"{report.fetches} request-log rows, {report.stories} empty stories")


def export(
    folder: Annotated[Path, typer.Argument(help="Folder to write Parquet files into.")],
    format: Annotated[str, typer.Option("--format", help="Only parquet for now.")] = "parquet",
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default: settings).")]
        = None,
    live: LiveOption = False,
) -> None:
    """Export articles (partitioned by day), stories, matches and alerts as Parquet, from the
    read copy the last run published (--live: the warehouse itself)."""
    from warehouse.connection import reader
    from warehouse.maintenance import export_parquet

    if format != "parquet":
        raise typer.BadParameter("only --format parquet is supported")
    with reader(read_target(Settings(), warehouse, live).path) as con:
        written = export_parquet(con, folder)
    for name, path in written.items():
        console.print(literal(f"{name}: {path}"))
