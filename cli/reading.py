"""Which file a read-only command opens: the read copy the last run published (a session left
open on it never holds up a run), or with `--live` the warehouse itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import err
from core.settings import Settings

if TYPE_CHECKING:
    from warehouse.read_copy import ReadTarget

LiveOption = Annotated[bool, typer.Option(
    "--live", help="Read the warehouse itself (read-only) rather than the read copy the last "
    "run published: the last second's rows, at the cost of holding up a run that starts "
    "meanwhile.")]


def read_target(settings: Settings, warehouse: Path | None, live: bool, *,
                say_freshness: bool = False) -> ReadTarget:
    """The file to open for `warehouse` (default: the settings'); says on stderr when the copy
    was wanted but is not there yet, and (`say_freshness`) how fresh the copy is."""
    from warehouse.read_copy import choose

    target = choose(warehouse or settings.warehouse, settings.read_copy_of(warehouse),
                    live=live)
    if target.note:
        err.print(f"note: {target.note}", style="dim", markup=False, highlight=False)
    if say_freshness:
        print_freshness(freshness_of(target))
    return target


def freshness_of(target: ReadTarget) -> str | None:
    """How fresh the copy is, for stderr (the results on stdout stay clean); None when the
    warehouse itself is read. Read before the query: a copy published in between makes the
    line older than the data, never newer."""
    from warehouse.errors import WarehouseError
    from warehouse.read_copy import freshness

    if not target.is_copy:
        return None
    try:
        return freshness(target.path)
    except WarehouseError:   # the query that follows says what is wrong with the file
        return None


def print_freshness(line: str | None) -> None:
    if line:
        err.print(line, style="dim", markup=False, highlight=False)
