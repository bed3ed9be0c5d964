"""The `newswatch` command line: the Typer app and its command groups, one module each.

Every command imports what it uses inside the command: Prefect for the flows, DuckDB, the
extractor, the rule engine, pydantic-settings... Importing this module loads only Typer and
Rich, so `--help` and `sql` answer in a fraction of a second and each command pays only for its
own libraries (tests/cli/test_startup_imports.py holds each to its list; `make bench` times
them).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from cli import channels, checks, outbox, runs, sql, warehouse_admin
from cli.calendar import calendar_command
from cli.common import EXIT_PROBLEMS, EXIT_USAGE, err, literal
from cli.dates import dates
from cli.extract import extract_command
from cli.feedback import feedback
from cli.report import report
from cli.rules import match_command, register_rules_commands
from cli.rules_eval import rules_eval
from cli.rules_schema import rules_app
from cli.sources import sources_app

if TYPE_CHECKING:
    from typer._click import Context  # the click that Typer carries and calls with

# Set before any command imports Prefect (none of the imports above does): its embedded
# server takes 9-18 s to start on small machines, near its 20 s default, and its telemetry
# would try to reach the internet on every start.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


class _Commands(TyperGroup):
    """Any command: a warehouse that is missing, locked or unreadable is a clear message and
    exit code 1, a NEWSWATCH_* setting that does not parse one with exit code 2, never a
    traceback."""

    def invoke(self, ctx: Context) -> Any:
        from warehouse.errors import WarehouseError

        try:
            return super().invoke(ctx)
        except WarehouseError as exc:
            err.print(literal(f"error: {exc}"))
            raise typer.Exit(EXIT_PROBLEMS) from exc
        except Exception as exc:
            if type(exc).__name__ != "ValidationError" or getattr(exc, "title", "") != "Settings":
                raise
            err.print(f"error: a NEWSWATCH_* environment variable is not valid (the settings "
                      f"are in docs/configuration.md): {exc}", markup=False, highlight=False)
            raise typer.Exit(EXIT_USAGE) from exc


app = typer.Typer(
    help="Watch news sites, store articles in DuckDB, alert on YAML rules.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, cls=_Commands,
)

# The order here is the order `newswatch --help` lists them in.
app.command("demo")(runs.demo)
app.command("run")(runs.run)
app.command("serve")(runs.serve)
app.command("sql")(sql.sql)
app.command("check")(checks.check)
app.command("config")(checks.show_config)
app.command("digest")(runs.digest)
app.command("deploy")(runs.deploy)
app.command("load-staged")(runs.load_staged)
app.command("migrate")(warehouse_admin.migrate)
app.command("prune")(warehouse_admin.prune)
app.command("export")(warehouse_admin.export)
app.command("dates")(dates)
app.command("extract")(extract_command)
app.command("report")(report)
app.command("calendar")(calendar_command)
app.command("match")(match_command)
app.command("feedback")(feedback)
app.add_typer(outbox.outbox_app, name="outbox")
app.add_typer(channels.channels_app, name="channels")
app.add_typer(sources_app, name="sources")
register_rules_commands(rules_app)
rules_app.command("eval")(rules_eval)
app.add_typer(rules_app, name="rules")

if __name__ == "__main__":
    app()
