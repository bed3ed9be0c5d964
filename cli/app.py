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
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from cli.common import EXIT_PROBLEMS, EXIT_USAGE, console, err
from core.durations import DurationError, parse_duration
from core.settings import Settings


class _Commands(TyperGroup):
    """Any command: a warehouse that is missing, locked or unreadable is a clear message and
    exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from warehouse.errors import WarehouseError

        try:
            return super().invoke(ctx)
        except WarehouseError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(EXIT_PROBLEMS) from exc


app = typer.Typer(
    help="Watch news sites, store articles in DuckDB, alert on YAML rules.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, cls=_Commands,
)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


@app.command()
def demo(
    workdir: Annotated[Path, typer.Option(help="Where the demo's config and warehouse go.")] =
        Path("data/demo"),
) -> None:
    """Run the pipeline twice against the built-in demo news sites (no internet needed)."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from cli.demo import demo_counts, demo_last_day, run_demo

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
    console.print(f"  alerts sent:      {sum(s.alerts_sent for s in summaries)}; "
                  f"emails received: {received} (the alerts and the daily digest)")
    console.print(f"  warehouse:        {warehouse}")
    console.print("  try:  .venv/bin/newswatch sql --warehouse "
                  f"{warehouse} \"SELECT rule_id, title, sentence FROM v_matches\"",
                  highlight=False, markup=False)
    console.print(f"  and:  .venv/bin/newswatch report --warehouse {warehouse} --until "
                  f"{demo_last_day().isoformat()} --days 10 --out {workdir / 'report.html'}",
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
    """Run the monitor flow once now: scrape, load, evaluate rules, send alerts.

    Exit code 0: all went well; 1: a source or a delivery failed; 2: the configuration has
    problems (the valid sources, rules and channels still ran)."""
    from flows.monitor import monitor_flow
    from pipeline.config import load_config
    from pipeline.progress import RunDisplay

    settings = Settings()
    config = load_config(settings.config_dir)
    enabled = [s.id for s in config.sources if s.enabled]
    unknown = sorted(set(source or []) - {s.id for s in config.sources})
    if unknown:
        err.print(f"no source {', '.join(unknown)} in {settings.config_dir / 'sources.yaml'}; "
                  f"sources: {', '.join(s.id for s in config.sources) or 'none'}",
                  markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE)
    total = len([i for i in enabled if source is None or i in source])
    with RunDisplay(err, total).showing():
        summary = asyncio.run(monitor_flow(settings=settings, source_ids=source,
                                           run_label="manual"))
    for s in summary.sources:
        state = "304 not modified" if s.not_modified else f"{s.entries} entries"
        console.print(f"{s.source_id}: {state}, {s.new_articles} new, "
                      f"{s.skipped_known} known, {len(s.errors)} errors", highlight=False)
        for e in s.errors:
            err.print(f"  {e}", markup=False, highlight=False)
    for failure in summary.delivery_failures:
        err.print(f"delivery: {failure}", markup=False, highlight=False)
    for problem in summary.config_problems:
        err.print(f"config: {problem}", markup=False, highlight=False)
    console.print(f"{summary.articles_new} new articles, {summary.matches} matches, "
                  f"{summary.alerts_sent} alerts sent, {summary.digests_sent} digests sent, "
                  f"{summary.alerts_held} held by quiet hours, {summary.realerts} re-alerts")
    if summary.config_problems:
        raise typer.Exit(EXIT_USAGE)
    if summary.errors:
        raise typer.Exit(EXIT_PROBLEMS)


@app.command()
def serve(
    limit: Annotated[int | None, typer.Option(
        help="Most runs at once (default: Prefect's runner limit).")] = None,
) -> None:
    """Run every schedule from this process until stopped: one monitor deployment per
    schedule of sources (their `interval` or `cron`), the digests and daily maintenance.
    Uses the Prefect server at PREFECT_API_URL, or starts a local one."""
    from flows.serve import serve as serve_all

    serve_all(Settings(), limit=limit,
              echo=lambda m: console.print(m, markup=False, highlight=False))


@app.command()
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
) -> None:
    """Run SQL against the warehouse (read-only) and print or write the result."""
    from warehouse.errors import WarehouseError
    from warehouse.queries import copy_query, run_query
    from warehouse.saved_queries import load_saved_query, parse_params

    settings = Settings()
    path = warehouse or settings.warehouse
    if (query is None) == (saved is None):
        raise typer.BadParameter("give either a QUERY or --saved NAME")
    if format is OutputFormat.parquet and out is None:
        raise typer.BadParameter("--format parquet needs --out FILE")
    try:   # a saved query that does not exist or lacks a parameter: a usage error
        text = load_saved_query(settings.config_dir / "queries", saved) if saved else query
        assert text is not None
        params = parse_params(param or [], text)
    except WarehouseError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE) from exc
    try:
        if format is OutputFormat.parquet:
            assert out is not None
            rows = copy_query(path, text, params, out, wait_seconds=settings.read_wait_seconds)
            err.print(f"wrote {rows} row(s) to {out}")
            return
        result = run_query(path, text, params, wait_seconds=settings.read_wait_seconds)
    except WarehouseError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_PROBLEMS) from exc
    stream = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        _print_result(result, format, stream)
    finally:
        if out:
            stream.close()


def _print_result(result: Any, format: OutputFormat, stream: Any) -> None:
    if format is OutputFormat.csv:
        writer = csv.writer(stream)
        writer.writerow(result.columns)
        writer.writerows(result.rows)
    elif format is OutputFormat.json:
        for row in result.rows:
            stream.write(json.dumps(dict(zip(result.columns, row, strict=True)),
                                    default=str, ensure_ascii=False) + "\n")
    else:
        table = Table(*result.columns, show_lines=False)
        for row in result.rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        # Wide tables stay readable when piped: rich would squeeze them into 80 columns.
        width = None if stream is sys.stdout and console.is_terminal else 200
        Console(file=stream, width=width).print(table)
        err.print(f"{len(result.rows)} row(s)", style="dim")


@app.command()
def check() -> None:
    """Validate config/: sources, rules and channels. Every problem is listed at once."""
    from alerts import delivery as alerting
    from alerts.render import TemplateError, check_template
    from pipeline.config import load_config

    settings = Settings()
    config = load_config(settings.config_dir)
    console.print(f"{len(config.sources)} sources, {len(config.rules)} rules, "
                  f"{len(config.channels)} channels valid in {settings.config_dir}")
    missing = sorted({name for c in config.channels.values() for name in c.secret_names()
                      if not os.environ.get(name)})
    for name in missing:
        err.print(f"warning: environment variable {name} is not set (needed to send alerts)")
    problems = [str(p) for p in config.problems]
    problems += alerting.settings_problems(settings, config)
    for rule in config.rules:
        for fmt, relative in (rule.template or {}).items():
            try:
                check_template(settings.config_dir / relative, fmt)
            except TemplateError as exc:
                problems.append(f"rule {rule.id}: template for {fmt}: {exc}")
    for problem in problems:
        err.print(problem, markup=False, highlight=False)
    if problems:
        raise typer.Exit(EXIT_USAGE)


@app.command("config")
def show_config() -> None:
    """Print the effective settings and which secrets are set (values are never shown)."""
    from pipeline.config import load_config

    settings = Settings()
    table = Table("setting", "value", "environment variable")
    for name, value in settings.model_dump().items():
        table.add_row(name, str(value), f"NEWSWATCH_{name.upper()}")
    console.print(table)
    config = load_config(settings.config_dir)
    for channel in config.channels.values():
        for variable in channel.secret_names():
            state = "set" if os.environ.get(variable) else "NOT SET"
            console.print(f"channel {channel.name}: {variable} is {state}", highlight=False)


@app.command()
def digest(
    channel: Annotated[list[str] | None, typer.Option(help="Only this channel (repeatable).")]
        = None,
    force: Annotated[bool, typer.Option(help="Send everything waiting, due or not.")] = False,
) -> None:
    """Send the digests that are due now (the monitor run also does this at its end)."""
    from flows.digest import digest_flow

    report = asyncio.run(digest_flow(settings=Settings(), run_label="manual", force=force,
                                     channels=channel))
    console.print(f"{report.sent} digest(s) sent with {report.lines} line(s)")
    for failure in report.failures:
        err.print(f"not sent (kept for the next attempt): {failure}", markup=False,
                  highlight=False)
    if report.failures:
        raise typer.Exit(EXIT_PROBLEMS)


outbox_app = typer.Typer(help="Alerts waiting to go out, and giving failed ones another go.",
                         invoke_without_command=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.callback()
def outbox_list(ctx: typer.Context) -> None:
    """List alerts not (yet) delivered and lines waiting for a digest."""
    if ctx.invoked_subcommand is not None:
        return
    from warehouse.queries import run_query

    path = Settings().warehouse
    waiting = run_query(path, """
        SELECT channel, status, attempts, next_attempt_at, rule_id, title, last_error
        FROM v_alerts WHERE status <> 'sent' ORDER BY created_at""")
    _print_result(waiting, OutputFormat.table, sys.stdout)
    lines = run_query(path, "SELECT channel, stream, reason, count(*) AS lines "
                            "FROM v_digest_items WHERE sent_at IS NULL GROUP BY ALL ORDER BY ALL")
    _print_result(lines, OutputFormat.table, sys.stdout)


@outbox_app.command("retry")
def outbox_retry(
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
) -> None:
    """Give failed deliveries a fresh set of attempts (after fixing the channel)."""
    from warehouse import outbox
    from warehouse.connection import writer

    with writer(Settings().warehouse) as con:
        count = outbox.retry_failed(con, channel=channel)
    console.print(f"{count} failed deliveries queued again; they go out on the next run")


@app.command()
def deploy(
    partitions: Annotated[int, typer.Option(help="Scrape deployments sharing the sources.")] = 2,
    pool: Annotated[str, typer.Option(help="Prefect work pool (type process).")] =
        "newswatch-pool",
    scrape_cron: Annotated[str | None, typer.Option(help="Schedule of the scrape runs.")] = None,
    load_cron: Annotated[str | None, typer.Option(help="Schedule of the loader.")] = None,
    loader_queue: Annotated[str | None, typer.Option(
        help="Work queue for the loader (a worker on the warehouse's machine).")] = None,
) -> None:
    """Deploy scraping over a work pool and the single loader (see docs/scaling.md)."""
    from flows.deploy import deploy as deploy_flows

    deployed = deploy_flows(partitions=partitions, work_pool=pool, scrape_cron=scrape_cron,
                            load_cron=load_cron, loader_queue=loader_queue)
    for name in (*deployed.scrapers, deployed.loader):
        console.print(f"deployed {name}", highlight=False)


@app.command("load-staged")
def load_staged() -> None:
    """Load the scrape batches waiting in the staging folder, then evaluate and alert."""
    from flows.scale import load_staged_flow

    summary = asyncio.run(load_staged_flow(settings=Settings(), run_label="manual"))
    console.print(f"{summary.articles_new} new articles, {summary.matches} matches, "
                  f"{summary.alerts_sent} alerts sent")
    for problem in summary.config_problems:
        err.print(f"config: {problem}", markup=False, highlight=False)
    if summary.config_problems:
        raise typer.Exit(EXIT_USAGE)
    if summary.errors:
        raise typer.Exit(EXIT_PROBLEMS)


channels_app = typer.Typer(help="Check channels and send test messages.", no_args_is_help=True)
app.add_typer(channels_app, name="channels")


@channels_app.command("check")
def channels_check() -> None:
    """Validate channels.yaml and check every channel's secret is set in the environment."""
    from pipeline.config import load_config

    settings = Settings()
    config = load_config(settings.config_dir)
    problems = [p for p in config.problems
                if Path(p.file).name == "channels.yaml" or p.field.endswith(".channels")]
    for problem in problems:
        err.print(str(problem), markup=False, highlight=False)
    failed = bool(problems)
    for channel in config.channels.values():
        missing = [v for v in channel.secret_names() if not os.environ.get(v)]
        if missing:
            failed = True
            err.print(f"{channel.name}: environment variable {', '.join(missing)} is not set; "
                      "set it where newswatch runs (see .env.example)", highlight=False)
        else:
            console.print(f"{channel.name}: ok ({channel.format})", highlight=False)
    if failed:
        raise typer.Exit(EXIT_USAGE)


@channels_app.command("test")
def channels_test(name: Annotated[str, typer.Argument(help="Channel name.")]) -> None:
    """Send a test alert to one channel now."""
    from datetime import UTC, datetime

    from alerts.notify import send
    from alerts.render import render
    from core.errors import DeliveryError, MissingSecret
    from core.records import AlertView
    from pipeline.config import load_config

    config = load_config(Settings().config_dir)
    channel = config.channels.get(name)
    if channel is None:
        err.print(f"no channel {name!r}; channels: {', '.join(sorted(config.channels)) or 'none'}")
        raise typer.Exit(EXIT_USAGE)
    sample = AlertView(
        alert_id="test", rule_id="test", rule_name="newswatch test message", severity="low",
        title="Test alert: if you can read this, the channel works",
        url="https://example.org/newswatch-test", source_name="newswatch",
        published_at=datetime.now(UTC), sentence="This is a test message sent by "
        "`newswatch channels test`; no rule matched anything.", terms=("test message",))
    try:
        send(channel.resolve_url(os.environ), render(sample, channel.format, channel.timezone),
             secrets=channel.secret_names())
    except (MissingSecret, DeliveryError) as exc:
        err.print(f"{name}: not sent: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_PROBLEMS) from exc
    console.print(f"{name}: test message sent")


@app.command()
def migrate() -> None:
    """Create the warehouse or bring its schema up to date."""
    from warehouse.connection import writer
    from warehouse.migrate import applied_versions

    path = Settings().warehouse
    with writer(path) as con:
        versions = sorted(applied_versions(con))
    console.print(f"{path}: schema at version {versions[-1] if versions else 0}")


def _parse_age(text: str) -> timedelta:
    try:
        return parse_duration(text, what="age", minimum=timedelta(hours=1))
    except DurationError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def prune(
    older_than: Annotated[str, typer.Option(help="Age limit, e.g. 90d, 12w, 48h.")],
    dry_run: Annotated[bool, typer.Option(help="Count what would go; delete nothing.")] = False,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default: settings).")]
        = None,
) -> None:
    """Delete articles first seen before the age limit, except those a rule matched."""
    from warehouse.connection import writer
    from warehouse.maintenance import prune as prune_warehouse

    age = _parse_age(older_than)
    with writer(warehouse or Settings().warehouse) as con:
        report = prune_warehouse(con, age, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    console.print(f"{verb} {report.articles} articles, {report.versions} old versions, "
                  f"{report.fetches} request-log rows, {report.stories} empty stories")


@app.command()
def export(
    folder: Annotated[Path, typer.Argument(help="Folder to write Parquet files into.")],
    format: Annotated[str, typer.Option("--format", help="Only parquet for now.")] = "parquet",
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default: settings).")]
        = None,
) -> None:
    """Export articles (partitioned by day), stories, matches and alerts as Parquet."""
    from warehouse.connection import reader
    from warehouse.maintenance import export_parquet

    if format != "parquet":
        raise typer.BadParameter("only --format parquet is supported")
    with reader(warehouse or Settings().warehouse) as con:
        written = export_parquet(con, folder)
    for name, path in written.items():
        console.print(f"{name}: {path}")


# Commands kept in their own modules.
from cli import dates as cli_dates  # noqa: E402
from cli import report as cli_report  # noqa: E402
from cli.extract import extract_command  # noqa: E402
from cli.rules import match_command, register_rules_commands  # noqa: E402
from cli.rules_schema import rules_app  # noqa: E402
from cli.sources import sources_app  # noqa: E402

app.command()(cli_dates.dates)
app.command("extract")(extract_command)
cli_report.register(app)
app.add_typer(sources_app, name="sources")
register_rules_commands(rules_app)
app.add_typer(rules_app, name="rules")
app.command("match")(match_command)

if __name__ == "__main__":
    app()
