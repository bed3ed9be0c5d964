"""Read TimeML documents (TimeBank / AQUAINT): plain text, creation time and gold TIMEX3 spans."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from html import unescape
from pathlib import Path

_TAG = re.compile(r"<(/?)(\w+)([^>]*?)(/?)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class GoldTimex:
    start: int
    end: int
    text: str
    type: str
    value: str
    function: str = "NONE"              # CREATION_TIME for the document's own date


@dataclass(frozen=True)
class TimemlDoc:
    name: str
    text: str
    created: date
    timexes: tuple[GoldTimex, ...]       # inside <TEXT>, every type


def read_doc(path: Path) -> TimemlDoc:
    """The <TEXT> of one .tml file with its tags stripped; offsets of each TIMEX3 in that text."""
    raw = path.read_text(encoding="utf-8")
    dct = re.search(r'<TIMEX3[^>]*functionInDocument="CREATION_TIME"[^>]*>', raw)
    if dct is None:
        raise ValueError(f"{path}: no TIMEX3 with functionInDocument=CREATION_TIME")
    created = date.fromisoformat(dict(_ATTR.findall(dct.group(0)))["value"][:10])
    body = re.search(r"<TEXT>(.*)</TEXT>", raw, re.S)
    if body is None:
        raise ValueError(f"{path}: no <TEXT> element")
    out: list[str] = []
    length = 0
    open_timex: tuple[int, dict[str, str]] | None = None
    timexes: list[GoldTimex] = []
    pos = 0
    source = body.group(1)
    for tag in _TAG.finditer(source):
        piece = unescape(source[pos:tag.start()])
        out.append(piece)
        length += len(piece)
        pos = tag.end()
        closing, name, attrs = tag.group(1), tag.group(2), tag.group(3)
        if name != "TIMEX3":
            continue
        if not closing:
            open_timex = (length, dict(_ATTR.findall(attrs)))
        elif open_timex is not None:
            start, a = open_timex
            text = "".join(out)[start:length]
            timexes.append(GoldTimex(start, length, text, a.get("type", ""), a.get("value", ""),
                                     a.get("functionInDocument", "NONE")))
            open_timex = None
    out.append(unescape(source[pos:]))
    return TimemlDoc(path.stem, "".join(out), created, tuple(timexes))


def read_corpus(folder: Path) -> list[TimemlDoc]:
    """Every .tml document under `folder`, sorted by name (a stable order for splitting)."""
    return [read_doc(p) for p in sorted(folder.rglob("*.tml"), key=lambda p: p.name)]
