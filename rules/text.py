"""Text analysis shared by rule compilation and matching: sentences, tokens, normal forms.

A token's normal form is lower-case, without a possessive ending, and stemmed (Snowball), so
"Leaders'", "leader's" and "leaders" meet at "leader", and "ceasefires" at "ceasefir".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")
_TOKEN = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
# A sentence ends at . ! ? (optionally followed by a closing quote) before whitespace and an
# opening capital, digit or quote; paragraph breaks always end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9])|\n+")
# What may sit between two tokens that a compound can be written across: cease-fire, cease fire.
_JOINER = re.compile(r"^(?:\s|-|‐|‑|–)$|^ $")


class Token(NamedTuple):   # a tuple: made for every word of every article
    surface: str
    norm: str
    start: int
    end: int
    joins_previous: bool   # separated from the previous token only by a space or a hyphen


@dataclass(frozen=True)
class Sentence:
    text: str
    tokens: tuple[Token, ...]


@lru_cache(maxsize=200_000)
def normalize(word: str) -> str:
    lowered = word.lower().replace("’", "'")
    if lowered.endswith("'s"):
        lowered = lowered[:-2]
    return _STEMMER.stemWord(lowered)


def tokens(text: str) -> list[Token]:
    out: list[Token] = []
    previous_end: int | None = None
    for m in _TOKEN.finditer(text):
        gap = text[previous_end:m.start()] if previous_end is not None else None
        out.append(Token(m.group(), normalize(m.group()), m.start(), m.end(),
                         joins_previous=gap is not None and bool(_JOINER.match(gap))))
        previous_end = m.end()
    return out


def sentences(text: str) -> list[Sentence]:
    out = []
    for chunk in _SENTENCE_END.split(text):
        chunk = chunk.strip()
        if chunk:
            out.append(Sentence(chunk, tuple(tokens(chunk))))
    return out


def term_keys(term: str) -> set[tuple[str, ...]]:
    """The keys a term is indexed under: its word sequence and, for a multi-word or hyphenated
    term, the words joined into one (so "cease fire" also finds "ceasefire")."""
    words = [t.surface for t in tokens(term)]
    if not words:
        return set()
    keys = {tuple(normalize(w) for w in words)}
    if len(words) > 1:
        keys.add((normalize("".join(words)),))
    return keys
