"""`newswatch outbox`: what waits to go out, and another go for failed deliveries."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import console, err
from cli.reading import LiveOption, freshness_of, print_freshness, read_target
from cli.sql import OutputFormat, print_result

if TYPE_CHECKING:
    from core.settings import Settings

outbox_app = typer.Typer(help="Alerts waiting to go out, and giving failed ones another go.",
                         invoke_without_command=True)


@outbox_app.callback()
def outbox_list(ctx: typer.Context, live: LiveOption = False) -> None:
    """List alerts not (yet) delivered, lines waiting for a digest, and scraped batches
    waiting for the warehouse lock (runs that found it held open)."""
    if ctx.invoked_subcommand is not None:
        return
    from core.settings import Settings
    from warehouse.queries import undelivered_alerts, waiting_digest_lines

    settings = Settings()
    target = read_target(settings, None, live)
    fresh = freshness_of(target)
    print_result(undelivered_alerts(target.path), OutputFormat.table, sys.stdout)
    print_result(waiting_digest_lines(target.path), OutputFormat.table, sys.stdout)
    print_freshness(fresh)
    _waiting_batches(settings)


def _waiting_batches(settings: Settings) -> None:
    """What runs that found the warehouse locked kept in the staging folder: their alerts
    are not in the outbox yet."""
    from warehouse.staging import deferred_runs
    from warehouse.staging_store import staging_store

    store = staging_store(settings)
    waiting = deferred_runs(store, settings.warehouse)
    if not waiting:
        return
    articles = sum(run.articles for run in waiting)
    oldest = f"{waiting[0].deferred_at:%Y-%m-%d %H:%M} UTC"
    console.print(f"{len(waiting)} scraped batch(es) wait for the warehouse lock "
                  f"({articles} article(s), the oldest from {oldest}, in "
                  f"{store.url}): the next run that gets the lock loads them, "
                  "evaluates the rules and sends their alerts.", markup=False, highlight=False)
    err.print(f"last reason: {waiting[-1].reason}", markup=False, highlight=False)


@outbox_app.command("retry")
def outbox_retry(
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
) -> None:
    """Give failed deliveries a fresh set of attempts (after fixing the channel)."""
    from core.settings import Settings
    from warehouse import outbox
    from warehouse.connection import writer

    with writer(Settings().warehouse) as con:
        count = outbox.retry_failed(con, channel=channel)
    console.print(f"{count} failed deliveries queued again; they go out on the next run")
