"""What every command module shares: the consoles, the exit codes (docs/exit-codes.md) and how
stored or remote text is printed."""

from __future__ import annotations

import re

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
