"""`newswatch report`: a picture of the news in one HTML file and a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import EXIT_PROBLEMS, console, err, literal, parse_day
from cli.reading import LiveOption, freshness_of, print_freshness, read_target


def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] =
        Path("report.html"),
    rule: Annotated[str | None, typer.Option(help="Only articles this rule matched "
                                              "(default: any rule).")] = None,
    entity: Annotated[str | None, typer.Option(help="Only articles mentioning this entity "
                                                "(id or name, from entity_mentions).")] = None,
    days: Annotated[int, typer.Option(min=1, max=3660, help="Days covered.")] = 30,
    until: Annotated[str | None, typer.Option(help="Last day covered, YYYY-MM-DD "
                                               "(default: today, UTC).")] = None,
    png: Annotated[Path | None, typer.Option(help="Where the chart's PNG goes (default: next "
                                             "to the HTML, same name).")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default: settings).")]
        = None,
    live: LiveOption = False,
) -> None:
    """Write an HTML report of the matching articles and a PNG of its chart.

    The page is one file, viewable offline: matching articles per day and source, the stories
    behind the peaks, the most mentioned entities and upcoming event dates. The PNG is the
    chart alone, for pasting into chat. It reads the read copy the last run published
    (--live: the warehouse itself)."""
    from core.settings import Settings
    from reports.html import write_report
    from warehouse.errors import WarehouseError
    from warehouse.report_data import Filter

    last_day = parse_day(until)
    png_path = png or out.with_suffix(".png")
    if png_path.resolve() == out.resolve():
        raise typer.BadParameter(f"the HTML and the PNG would both be {out}; give --out a "
                                 ".html name or --png another file")
    settings = Settings()
    target = read_target(settings, warehouse, live)
    fresh = freshness_of(target)
    try:
        written = write_report(target.path, Filter(rule, entity), last_day, days, out,
                               png_path, wait_seconds=settings.read_wait_seconds)
    except WarehouseError as exc:
        err.print(literal(f"error: {exc}"))
        raise typer.Exit(EXIT_PROBLEMS) from exc
    data = written.data
    console.print(literal(f"wrote {written.html} and {written.png}: {data.total} matching "
                          f"articles ({data.filter.describe()}) from {data.first_day} to "
                          f"{data.last_day}"))
    print_freshness(fresh)
    if data.total == 0:
        err.print("note: nothing matched in this window; check the rule id or entity "
                  "(`newswatch sql \"SELECT rule_id, count(*) FROM matches GROUP BY 1\"`), "
                  "or widen --days / move --until", markup=False, highlight=False)
