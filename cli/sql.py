"""`newswatch sql`: the user's SQL against the read copy (`--live`: the warehouse itself),
read-only, as a table, CSV, JSON Lines or Parquet. The query runs in `warehouse.queries`;
this module only formats."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.common import EXIT_PROBLEMS, EXIT_USAGE, console, err, literal
from cli.reading import LiveOption, freshness_of, print_freshness, read_target
from core.settings import Settings

if TYPE_CHECKING:
    from warehouse.queries import QueryResult


# A spreadsheet reads a cell that starts with one of these as a formula (=HYPERLINK(...),
# +cmd|...): such text cells get a leading ' in CSV output, as OWASP advises.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def sql(
    query: Annotated[str | None, typer.Argument(
        help="SQL to run, e.g. \"SELECT * FROM v_articles\".")] = None,
    saved: Annotated[str | None, typer.Option(
        help="Run config/queries/NAME.sql instead of QUERY.")] = None,
    param: Annotated[list[str] | None, typer.Option(
        help="A $name parameter of the query, as name=value (repeatable).")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    out: Annotated[Path | None, typer.Option(help="File to write (required for parquet).")]
        = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default: settings).")]
        = None,
    live: LiveOption = False,
    raw_csv: Annotated[bool, typer.Option(
        "--raw-csv", help="CSV cells exactly as stored: no ' before text starting with "
                          "= + - @, tab or CR (which spreadsheets run as formulas).")] = False,
) -> None:
    """Run SQL against the read copy of the warehouse (read-only) and print or write the
    result. The copy is as of the last completed run; --live reads the warehouse itself."""
    from warehouse.errors import WarehouseError
    from warehouse.queries import copy_query, run_query

    settings = Settings()
    if (query is None) == (saved is None):
        raise typer.BadParameter("give either a QUERY or --saved NAME")
    if format is OutputFormat.parquet and out is None:
        raise typer.BadParameter("--format parquet needs --out FILE")
    text, params = _query_and_params(settings, query, saved, param or [])
    target = read_target(settings, warehouse, live)
    path, fresh = target.path, freshness_of(target)
    try:
        if format is OutputFormat.parquet:
            assert out is not None
            rows = copy_query(path, text, params, out, wait_seconds=settings.read_wait_seconds)
            err.print(f"wrote {rows} row(s) to {out}")
            print_freshness(fresh)
            return
        result = run_query(path, text, params, wait_seconds=settings.read_wait_seconds)
    except WarehouseError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_PROBLEMS) from exc
    stream = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        print_result(result, format, stream, raw_csv=raw_csv)
    finally:
        if out:
            stream.close()
    print_freshness(fresh)


def _query_and_params(settings: Settings, query: str | None, saved: str | None,
                      param: list[str]) -> tuple[str, dict[str, Any]]:
    """The query's text and its $name parameters. A saved query that does not exist or
    lacks a parameter is a usage error (exit 2)."""
    from warehouse.errors import WarehouseError
    from warehouse.saved_queries import load_saved_query, parse_params

    try:
        text = load_saved_query(settings.config_dir / "queries", saved) if saved else query
        assert text is not None
        return text, parse_params(param, text)
    except WarehouseError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE) from exc


def print_result(result: QueryResult, format: OutputFormat, stream: IO[str], *,
                 raw_csv: bool = False) -> None:
    """Rows as CSV, JSON Lines or a table (the row count goes to stderr with a table)."""
    if format is OutputFormat.csv:
        writer = csv.writer(stream)
        cell = (lambda v: v) if raw_csv else csv_cell
        writer.writerow([cell(c) for c in result.columns])
        writer.writerows([cell(v) for v in row] for row in result.rows)
    elif format is OutputFormat.json:
        for row in result.rows:
            stream.write(json.dumps(dict(zip(result.columns, row, strict=True)),
                                    default=str, ensure_ascii=False) + "\n")
    else:
        # Stored text is shown as it is: a title "[link=...]" or "[/r/news]" is not markup.
        table = Table(show_lines=False)
        for column in result.columns:
            table.add_column(literal(column))
        for row in result.rows:
            table.add_row(*(literal("" if v is None else str(v)) for v in row))
        # Wide tables stay readable when piped: rich would squeeze them into 80 columns.
        width = None if stream is sys.stdout and console.is_terminal else 200
        Console(file=stream, width=width).print(table)
        err.print(f"{len(result.rows)} row(s)", style="dim")


def csv_cell(value: Any) -> Any:
    """A text value a spreadsheet would run as a formula, with a ' before it; numbers, dates
    and other text as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value
