"""The `newswatch` command line."""

from __future__ import annotations

import os

# Prefect's embedded server takes 9-18 s to start on small machines, near its 20 s default.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# Telemetry would try to reach the internet from the embedded server on every start.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import asyncio
import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.settings import Settings

app = typer.Typer(
    help="Watch news sites, store articles in DuckDB, alert on YAML rules.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# Exit codes scripts can rely on.
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def demo(
    workdir: Annotated[Path, typer.Option(help="Where the demo's config and warehouse go.")] =
        Path("data/demo"),
) -> None:
    """Run the pipeline twice against the built-in demo news sites (no internet needed)."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.demo_run import demo_counts, run_demo

    def show_mail(mail: Any) -> None:
        console.rule(f"[bold]Email to {', '.join(mail.recipients)}")
        console.print(f"[bold]Subject:[/bold] {escape(mail.subject)}", highlight=False)
        console.print(mail.part("text/plain").strip(), markup=False, highlight=False)
        console.rule()

    summaries, received = run_demo(workdir, lambda m: console.print(m, highlight=False), show_mail)
    warehouse = workdir / "newswatch.duckdb"
    counts = demo_counts(warehouse)
    console.print()
    console.print("[bold]Summary[/bold]")
    console.print(f"  sources:          {counts['sources']}")
    console.print(f"  articles stored:  {counts['articles']} in {counts['stories']} stories")
    console.print(f"  matches:          {counts['matches']}")
    console.print(f"  alerts sent:      {sum(s.alerts_sent for s in summaries)} "
                  f"({received} emails received)")
    console.print(f"  warehouse:        {warehouse}")
    console.print("  try:  .venv/bin/newswatch sql --warehouse "
                  f"{warehouse} \"SELECT rule_id, title, sentence FROM v_matches\"",
                  highlight=False, markup=False)
    problems = sum(s.errors for s in summaries)
    if problems:
        err.print(f"{problems} problem(s) during the demo runs; see above")
        raise typer.Exit(EXIT_PROBLEMS)


@app.command()
def run(
    source: Annotated[list[str] | None, typer.Option(help="Only this source id (repeatable).")]
        = None,
) -> None:
    """Run the monitor flow once now: scrape, load, evaluate rules, send alerts."""
    from flows.monitor import monitor_flow

    summary = asyncio.run(monitor_flow(settings=Settings(), source_ids=source,
                                       run_label="manual"))
    for s in summary.sources:
        state = "304 not modified" if s.not_modified else f"{s.entries} entries"
        console.print(f"{s.source_id}: {state}, {s.new_articles} new, "
                      f"{s.skipped_known} known, {len(s.errors)} errors", highlight=False)
        for e in s.errors:
            err.print(f"  {e}", markup=False, highlight=False)
    for problem in summary.config_problems:
        err.print(f"config: {problem}", markup=False, highlight=False)
    console.print(f"{summary.articles_new} new articles, {summary.matches} matches, "
                  f"{summary.alerts_sent} alerts sent")
    if summary.errors or summary.config_problems:
        raise typer.Exit(EXIT_PROBLEMS)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run, e.g. \"SELECT * FROM v_articles\".")],
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default: settings).")]
        = None,
) -> None:
    """Run SQL against the warehouse (read-only) and print the result."""
    from warehouse.errors import WarehouseError
    from warehouse.queries import run_query

    path = warehouse or Settings().warehouse
    try:
        result = run_query(path, query)
    except WarehouseError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_PROBLEMS) from exc
    if format is OutputFormat.csv:
        out = csv.writer(sys.stdout)
        out.writerow(result.columns)
        out.writerows(result.rows)
    elif format is OutputFormat.json:
        for row in result.rows:
            sys.stdout.write(json.dumps(dict(zip(result.columns, row, strict=True)),
                                        default=str, ensure_ascii=False) + "\n")
    else:
        table = Table(*result.columns, show_lines=False)
        for row in result.rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        console.print(table)
        console.print(f"{len(result.rows)} row(s)", style="dim")


@app.command()
def check() -> None:
    """Validate config/: sources, rules and channels. Every problem is listed at once."""
    from flows.config import load_config

    settings = Settings()
    config = load_config(settings.config_dir)
    console.print(f"{len(config.sources)} sources, {len(config.rules)} rules, "
                  f"{len(config.channels)} channels valid in {settings.config_dir}")
    missing = sorted({name for c in config.channels.values() for name in c.secret_names()
                      if not os.environ.get(name)})
    for name in missing:
        err.print(f"warning: environment variable {name} is not set (needed to send alerts)")
    for problem in config.problems:
        err.print(str(problem), markup=False, highlight=False)
    if config.problems:
        raise typer.Exit(EXIT_USAGE)


@app.command()
def migrate() -> None:
    """Create the warehouse or bring its schema up to date."""
    from warehouse.connection import writer
    from warehouse.migrate import applied_versions

    path = Settings().warehouse
    with writer(path) as con:
        versions = sorted(applied_versions(con))
    console.print(f"{path}: schema at version {versions[-1] if versions else 0}")


if __name__ == "__main__":
    app()
