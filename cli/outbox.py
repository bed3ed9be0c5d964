"""`newswatch outbox`: what waits to go out, and another go for failed deliveries."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cli.common import console
from cli.sql import OutputFormat, print_result

outbox_app = typer.Typer(help="Alerts waiting to go out, and giving failed ones another go.",
                         invoke_without_command=True)


@outbox_app.callback()
def outbox_list(ctx: typer.Context) -> None:
    """List alerts not (yet) delivered and lines waiting for a digest."""
    if ctx.invoked_subcommand is not None:
        return
    from core.settings import Settings
    from warehouse.queries import undelivered_alerts, waiting_digest_lines

    path = Settings().warehouse
    print_result(undelivered_alerts(path), OutputFormat.table, sys.stdout)
    print_result(waiting_digest_lines(path), OutputFormat.table, sys.stdout)


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
