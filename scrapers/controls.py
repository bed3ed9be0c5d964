"""Control characters out of the text a site sends for titles, summaries and bylines.

A title is shown in terminals, chat messages and emails. An ANSI escape sequence in it
("\\x1b[2J", "\\x1b]8;;https://...\\x1b\\\\" for a hidden link) acts on a terminal instead of
being read, and a bidi override (U+202E) makes the rest of the line read backwards. None of
them belongs in a headline: escape sequences are removed whole, other C0 and C1 control
characters and the bidi embedding, override and isolate controls are removed, and line breaks
and tabs become spaces where the text is one line.
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final byte, or the one-byte CSI \x9b), OSC (ESC ] ... BEL or ESC \), and the
# two-character escapes (ESC followed by one of @ to _).
_SEQUENCES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]"
                        r"|\x1b\][^\x07\x1b]{0,2000}(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
# Vertical whitespace and separators that are control characters: a line break or a space.
_BREAKS = re.compile("\r\n?|[\x0b\x0c\x1c-\x1e\x85]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """`text` without escape sequences and control characters; tabs and line breaks kept
    (a carriage return or form feed becomes a line break)."""
    if text.isascii() and text.isprintable():
        return text   # most titles: nothing to do
    if "\x1b" in text or "\x9b" in text:
        text = _SEQUENCES.sub("", text)
    return _CONTROLS.sub("", _BREAKS.sub("\n", text))


def one_line(text: str) -> str:
    """A title or a name: controls removed, every run of whitespace one space."""
    return " ".join(strip_controls(text).split())
