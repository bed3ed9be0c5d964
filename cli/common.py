"""What every command module shares: the consoles, the exit codes (docs/exit-codes.md), how
stored or remote text is printed, and how a day given as an option is read."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import typer
from rich.console import Console
from rich.text import Text

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# Exit codes scripts can rely on.
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
EXIT_DEFERRED = 3   # the warehouse was locked: scraped and kept, loaded by the next run

# Control characters (C0 but tab and newline, DEL, C1) and the bidi controls that reorder
# what follows them: a terminal acts on them (colours, cursor moves, hidden links) instead of
# showing them. Text stored before extraction stripped them still holds some.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with each control character shown as its escape (ESC -> \\x1b). CRLF line
    ends (email bodies) are plain line ends, not escapes."""
    return _UNPRINTABLE.sub(_escape, text.replace("\r\n", "\n"))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def literal(text: str, style: str = "") -> Text:
    """Text printed as it is: never read as Rich markup ([link=...], [/r/news]) or emoji
    codes (:warning:), control characters shown as escapes."""
    return Text(printable(text), style=style)


def parse_day(text: str | None, param_hint: str | None = None) -> date:
    """A YYYY-MM-DD option as a date; today (UTC) when not given."""
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r}: write a date as YYYY-MM-DD",
                                 param_hint=param_hint) from exc
