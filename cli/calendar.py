"""`newswatch calendar`: the upcoming event dates the rules found, as an iCalendar file."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from cli.common import EXIT_PROBLEMS, err, literal, parse_day
from cli.reading import LiveOption, freshness_of, print_freshness, read_target


def calendar_command(
    out: Annotated[str, typer.Option("--out", "-o", help="The .ics file to write (- for "
                                                         "standard output).")] = "-",
    days: Annotated[int, typer.Option(min=1, max=3660, help="Events up to this many days "
                                                            "ahead.")] = 90,
    since: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD (default: today, "
                                                   "UTC).")] = None,
    rule: Annotated[list[str] | None, typer.Option(
        help="Only events this rule found (repeat for several; default: every rule with "
             "`event:`).")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default: settings).")]
        = None,
    live: LiveOption = False,
) -> None:
    """Write the upcoming event dates the rules found (summits, talks, visits ...) as an
    iCalendar file a calendar can import or subscribe to: one event per story, rule and date,
    with the sentence that gives the date and the article's link. Importing it again updates
    the same events. Reads the read copy the last run published (--live: the warehouse)."""
    from core.settings import Settings
    from reports.ics import calendar
    from warehouse.errors import WarehouseError
    from warehouse.event_calendar import upcoming_events

    first = parse_day(since, "--since")
    settings = Settings()
    target = read_target(settings, warehouse, live)
    fresh = freshness_of(target)
    try:
        events = upcoming_events(target.path, first, first + timedelta(days=days), rule or (),
                                 wait_seconds=settings.read_wait_seconds)
    except WarehouseError as exc:
        err.print(literal(f"error: {exc}"))
        raise typer.Exit(EXIT_PROBLEMS) from exc
    body = calendar(events)
    if out == "-":
        sys.stdout.write(body)
    else:
        Path(out).write_text(body, encoding="utf-8", newline="")
    err.print(literal(f"{len(events)} upcoming event(s) from {first} to "
                      f"{first + timedelta(days=days)}" + ("" if out == "-" else f" in {out}")))
    print_freshness(fresh)
    if not events:
        err.print(literal("note: no event dates in that window; rules find them with "
                          "`event:` (docs/rules.md), and `newswatch sql \"SELECT * FROM "
                          "v_event_dates\"` shows every one stored"))
