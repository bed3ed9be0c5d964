"""Commands that run flows: `demo`, `run`, `serve`, `digest`, `deploy` and `load-staged`.

Each imports its flow inside the command: Prefect takes seconds to import, and the commands
that do not run flows must not pay for it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from cli.common import EXIT_DEFERRED, EXIT_PROBLEMS, EXIT_USAGE, console, err, literal

if TYPE_CHECKING:
    from flows.monitor import RunSummary


def demo(
    workdir: Annotated[Path, typer.Option(help="Where the demo's config and warehouse go.")] =
        Path("data/demo"),
) -> None:
    """Run the pipeline twice against the built-in demo news sites (no internet needed)."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from cli.demo import demo_counts, demo_last_day, run_demo

    def show_mail(mail: Any) -> None:
        console.rule(literal(f"Email to {', '.join(mail.recipients)}", style="bold"))
        console.print(Text.assemble(("Subject: ", "bold"), literal(mail.subject)))
        console.print(literal(mail.part("text/plain").strip()))
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
    console.print(literal("  try:  .venv/bin/newswatch sql --warehouse "
                          f"{warehouse} \"SELECT rule_id, title, sentence FROM v_matches\""))
    console.print(literal(f"  and:  .venv/bin/newswatch report --warehouse {warehouse} --until "
                          f"{demo_last_day().isoformat()} --days 10 "
                          f"--out {workdir / 'report.html'}"))
    console.print(literal(f"  and:  .venv/bin/newswatch calendar --warehouse {warehouse} "
                          f"--since {demo_last_day().isoformat()} "
                          f"--out {workdir / 'events.ics'}"))
    problems = sum(s.errors for s in summaries)
    if problems:
        err.print(f"{problems} problem(s) during the demo runs; see above")
        raise typer.Exit(EXIT_PROBLEMS)


def run(
    source: Annotated[list[str] | None, typer.Option(help="Only this source id (repeatable).")]
        = None,
) -> None:
    """Run the monitor flow once now: scrape, load, evaluate rules, send alerts.

    Exit code 0: all went well; 1: a source or a delivery failed; 2: the configuration has
    problems (the valid sources, rules and channels still ran); 3: deferred, the warehouse
    was held open by another process (what was scraped is kept; the next run loads it)."""
    import asyncio

    from core.settings import Settings
    from flows.monitor import monitor_flow
    from pipeline.config import load_config
    from pipeline.progress import RunDisplay

    settings = Settings()
    config = load_config(settings.config_dir)
    enabled = [s.id for s in config.sources if s.enabled]
    unknown = sorted(set(source or []) - {s.id for s in config.sources})
    if unknown:
        err.print(literal(f"no source {', '.join(unknown)} in "
                          f"{settings.config_dir / 'sources.yaml'}; "
                          f"sources: {', '.join(s.id for s in config.sources) or 'none'}"))
        raise typer.Exit(EXIT_USAGE)
    total = len([i for i in enabled if source is None or i in source])
    with RunDisplay(err, total).showing():
        summary = asyncio.run(monitor_flow(settings=settings, source_ids=source,
                                           run_label="manual"))
    _print_run(summary)
    if summary.config_problems:
        raise typer.Exit(EXIT_USAGE)
    if summary.deferred:
        raise typer.Exit(EXIT_DEFERRED)
    if summary.errors:
        raise typer.Exit(EXIT_PROBLEMS)


def _print_run(summary: RunSummary) -> None:
    for s in summary.sources:
        state = "304 not modified" if s.not_modified else f"{s.entries} entries"
        console.print(literal(f"{s.source_id}: {state}, {s.new_articles} new, "
                              f"{s.skipped_known} known, {len(s.errors)} errors"))
        for e in s.errors:
            err.print(literal(f"  {e}"))
    for failure in summary.delivery_failures:
        err.print(literal(f"delivery: {failure}"))
    for problem in summary.config_problems:
        err.print(literal(f"config: {problem}"))
    if summary.batches_loaded:
        console.print(f"loaded {summary.batches_loaded} batch(es) kept by earlier runs "
                      "(or scrape workers) for the warehouse lock", highlight=False)
    console.print(f"{summary.articles_new} new articles, {summary.matches} matches, "
                  f"{summary.alerts_sent} alerts sent, {summary.digests_sent} digests sent, "
                  f"{summary.alerts_held} held by quiet hours, {summary.realerts} re-alerts")
    if summary.deferred:
        err.print(summary.deferred, markup=False, highlight=False)


def serve(
    limit: Annotated[int | None, typer.Option(
        help="Most runs at once (default: Prefect's runner limit).")] = None,
) -> None:
    """Run every schedule from this process until stopped: one monitor deployment per
    schedule of sources (their `interval` or `cron`), the digests and daily maintenance.
    Uses the Prefect server at PREFECT_API_URL, or starts a local one."""
    from core.settings import Settings
    from flows.serve import serve as serve_all

    serve_all(Settings(), limit=limit,
              echo=lambda m: console.print(literal(m)))


def digest(
    channel: Annotated[list[str] | None, typer.Option(help="Only this channel (repeatable).")]
        = None,
    force: Annotated[bool, typer.Option(help="Send everything waiting, due or not.")] = False,
) -> None:
    """Send the digests that are due now (the monitor run also does this at its end)."""
    import asyncio

    from core.settings import Settings
    from flows.digest import digest_flow

    report = asyncio.run(digest_flow(settings=Settings(), run_label="manual", force=force,
                                     channels=channel))
    console.print(f"{report.sent} digest(s) sent with {report.lines} line(s)")
    for failure in report.failures:
        err.print(literal(f"not sent (kept for the next attempt): {failure}"))
    if report.failures:
        raise typer.Exit(EXIT_PROBLEMS)


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
        console.print(literal(f"deployed {name}"))


def load_staged() -> None:
    """Load the scrape batches waiting in the staging folder, then evaluate and alert."""
    import asyncio

    from core.settings import Settings
    from flows.scale import load_staged_flow

    summary = asyncio.run(load_staged_flow(settings=Settings(), run_label="manual"))
    _print_run(summary)   # per source of the batches loaded, as `newswatch run` prints
    if summary.config_problems:
        raise typer.Exit(EXIT_USAGE)
    if summary.errors:
        raise typer.Exit(EXIT_PROBLEMS)
