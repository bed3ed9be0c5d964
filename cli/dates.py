"""`newswatch dates`: the date expressions of a text, resolved against a reference date."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.common import EXIT_USAGE


def _reference(raw: str) -> date | datetime:
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else datetime.fromisoformat(raw)
    except ValueError:
        raise typer.BadParameter(
            f"{raw!r} is not a date: write 2025-03-20 or an ISO datetime such as "
            "2025-03-20T14:30:00+00:00", param_hint="--reference") from None


def dates(
    reference: Annotated[str, typer.Option(
        help="Publication date the text is read against: 2025-03-20 or a full ISO datetime.")],
    file: Annotated[str, typer.Argument(help="Text file to read, or - for standard input.")]
        = "-",
    locale: Annotated[str, typer.Option(
        help="How to read numeric dates: en-US takes 3/4 as March 4, en or en-GB as 3 April.")]
        = "en",
) -> None:
    """Print each date expression in a text as one JSON line (offsets, text, TIMEX3 value)."""
    from rules.dates import find_dates

    when = _reference(reference)
    if file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            typer.echo(f"cannot read {file}: {exc}; give a UTF-8 text file or - for stdin",
                       err=True)
            raise typer.Exit(EXIT_USAGE) from None
    for m in find_dates(text, when, locale=locale):
        typer.echo(json.dumps({
            "start": m.start, "end": m.end, "text": m.text, "type": m.type, "value": m.value,
            "first_day": m.first_day.isoformat() if m.first_day else None,
            "last_day": m.last_day.isoformat() if m.last_day else None,
        }, ensure_ascii=False))
