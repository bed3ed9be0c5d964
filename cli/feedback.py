"""`newswatch feedback ID relevant|irrelevant`: rate an alert, from the id the alert shows.

Ratings go to `alert_feedback` in the warehouse; `v_rule_quality` shows precision per rule per
week, and `newswatch rules eval RULES --from-feedback` tests a rule change against them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import EXIT_PROBLEMS, EXIT_USAGE, console, err

if TYPE_CHECKING:
    pass


class Rating(StrEnum):
    relevant = "relevant"
    irrelevant = "irrelevant"


def feedback(
    alert: Annotated[str, typer.Argument(metavar="ID",
                                         help="The alert id shown in the alert (or more of it).")],
    rating: Annotated[Rating, typer.Argument(help="relevant or irrelevant.")],
    note: Annotated[str | None, typer.Option(help="Why, in a few words.")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default: settings).")]
        = None,
) -> None:
    """Rate an alert relevant or irrelevant. Rating again replaces the earlier rating."""
    from core.settings import Settings
    from warehouse.connection import transaction, writer
    from warehouse.feedback import UnknownAlert, check_alert_ref, record_feedback, short_id

    try:
        check_alert_ref(alert)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE) from exc
    path = warehouse or Settings().warehouse
    if not path.exists():
        err.print(f"error: no warehouse at {path}: rate alerts where they are stored (set "
                  "NEWSWATCH_WAREHOUSE or give --warehouse)", markup=False, highlight=False)
        raise typer.Exit(EXIT_PROBLEMS)
    try:
        with writer(path) as con, transaction(con):
            rated = record_feedback(con, alert, rating.value, note, datetime.now(UTC))
    except UnknownAlert as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_PROBLEMS) from exc
    change = ("" if rated.previous is None else
              " (unchanged)" if rated.previous == rated.rating else
              f" (was {rated.previous})")
    console.print(f"alert {short_id(rated.alert_id)} of rule {rated.rule_id}: "
                  f"{rated.rating}{change}", markup=False, highlight=False)
