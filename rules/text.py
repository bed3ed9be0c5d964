"""Text analysis shared by rule compilation and matching: folding, sentences, word forms.

Articles are matched on their *folded* text: lower-case, with every character that is not a
letter or digit replaced by a space, and exactly as long as the original, so an offset in the
folded text is an offset in the article. Terms are folded the same way and expanded at compile
time into their inflections and compound spellings, which are the forms looked for. Two words
are forms of each other when the Snowball stemmer gives them the same stem: "Leaders'",
"leader's" and "leaders" meet at "leader", "ceasefires" at "ceasefir".
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
# Sentence ends, keeping a closing quote with its sentence: ... said "no." Then
# (A lookahead for the capital would make the regex several times slower: checked in Python.)
_SENTENCE_BREAK = re.compile(r"[.!?]([\"'”’)]?)\s+")
_OPENING_QUOTES = "\"'“‘("
_LATIN1_FOLD = bytes(c if chr(c).isalnum() else 32 for c in range(256)).translate(
    bytes(range(256)))
_NON_LATIN1 = re.compile(r"[^\x00-\xff]")
_NON_WORD = re.compile(r"[\W_]")
_MIN_COMPOUND_PART = 3      # "cease fire" -> "ceasefire"; but "may be" is not "maybe"
_MAX_FORMS_PER_TERM = 256


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


def fold(text: str) -> str:
    """Lower-case, non-word characters as spaces, same length as `text` (offsets carry over).

    Text that fits Latin-1 (after its typographic punctuation is blanked) is folded by a byte
    table in C; other scripts take a regex pass."""
    low = text.lower()
    if len(low) != len(text):   # a few letters lower-case to two characters (İ -> i̇)
        low = "".join(c.lower()[0] for c in text)
    try:
        return low.encode("latin-1").translate(_LATIN1_FOLD).decode("latin-1")
    except UnicodeEncodeError:
        pass
    low = _NON_LATIN1.sub(_blank_unless_letter, low)
    try:
        return low.encode("latin-1").translate(_LATIN1_FOLD).decode("latin-1")
    except UnicodeEncodeError:
        return _NON_WORD.sub(" ", low)


def _blank_unless_letter(m: re.Match[str]) -> str:
    return m.group() if m.group().isalnum() else " "


def sentence_bounds(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of text[start:end], whitespace trimmed, as offsets into
    `text`. A line break always ends a sentence."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    while start <= end:
        newline = text.find("\n", start, end)
        line_end = end if newline < 0 else newline
        _line_sentences(text, start, line_end, out)
        start = line_end + 1
    return out


def _line_sentences(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    # Runs for every paragraph evidence is found in: kept free of helper calls.
    while start < end and text[start].isspace():
        start += 1
    position = start
    for m in _SENTENCE_BREAK.finditer(text, start, end):
        following = m.end()
        if following >= end:
            break
        char = text[following]
        if char in _OPENING_QUOTES and following + 1 < end:
            char = text[following + 1]
        if not (char.isupper() or char.isdigit()) or _after_abbreviation(text, m.start()):
            continue   # "e.g. the", "Mr. smith", "U.S. officials": no new sentence
        out.append((position, m.start() + 1 + len(m.group(1))))
        position = following
    while end > position and text[end - 1].isspace():
        end -= 1
    if end > position:
        out.append((position, end))


_CLOSING_QUOTES = "\"'”’)"
_ENDS = ".!?"


# A full stop after these ends no sentence: "U.S. officials", "S. Africa", "Mr. Smith".
_ABBREVIATION = re.compile(r"(?:^|[\s(\"'“‘])(?:(?:[A-Z]\.)*[A-Z]|Mr|Mrs|Ms|Dr|St|Gen|Col|Lt|Sen"
                           r"|Rep|Gov|Prof|Jr|Sr|Mt|Ft|Jan|Feb|Aug|Sept|Sep|Oct|Nov|Dec)$")


def _after_abbreviation(text: str, p: int) -> bool:
    return text[p] == "." and _ABBREVIATION.search(text, max(0, p - 12), p) is not None


def _break_at(text: str, p: int, hi: int) -> tuple[int, int] | None:
    """If the . ! or ? at `p` ends a sentence (the same test as sentence_bounds): the end of
    that sentence and the start of the next."""
    if _after_abbreviation(text, p):
        return None
    q = p + 1
    if q < hi and text[q] in _CLOSING_QUOTES:
        q += 1
    end = q
    if q >= hi or not text[q].isspace():
        return None
    while q < hi and text[q].isspace():
        q += 1
    if q >= hi:
        return None
    char = text[q]
    if char in _OPENING_QUOTES and q + 1 < hi:
        char = text[q + 1]
    return (end, q) if char.isupper() or char.isdigit() else None


def sentence_around(text: str, lo: int, hi: int, offset: int) -> tuple[int, int]:
    """The sentence of text[lo:hi] (one line) holding `offset`, found by looking outwards
    from it with str.find: the cost of one evidence item does not grow with the paragraph."""
    start, p = lo, offset
    while p > lo:
        cand = max(text.rfind(".", lo, p), text.rfind("!", lo, p), text.rfind("?", lo, p))
        if cand < 0:
            break
        found = _break_at(text, cand, hi)
        if found is not None and found[1] <= offset:
            start = found[1]
            break
        p = cand
    while start < hi and text[start].isspace():
        start += 1
    end, p = hi, max(lo, offset - 2)   # offset may sit on the quote after a full stop
    while p < hi:
        cands = [c for c in (text.find(".", p, hi), text.find("!", p, hi), text.find("?", p, hi))
                 if c >= 0]
        if not cands:
            break
        cand = min(cands)
        found = _break_at(text, cand, hi)
        if found is not None and found[0] > offset:
            end = found[0]
            break
        p = cand + 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def term_words(term: str) -> list[str]:
    """The folded words of a term, a possessive ending dropped: "Leader's talks" ->
    ["leader", "talks"]."""
    out = []
    for m in _TOKEN.finditer(term):
        word = m.group().replace("’", "'")
        if word.lower().endswith("'s"):
            word = word[:-2]
        out.extend(fold(word).split())
    return out


def word_forms(word: str) -> set[str]:
    """Inflections of a folded word that share its stem: talk -> talks, talked, talking;
    ceasefires -> ceasefire; policy -> policies. Only English (ASCII) words are inflected; a
    word of another script is kept as written."""
    if not word.isascii() or len(word) < 3:
        return {word}
    stem = _STEMMER.stemWord(word)
    bases = {word}
    for suffix in ("s", "es", "ed", "d", "ing"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            bases.add(word[:-len(suffix)])
    if word.endswith(("ies", "ied")):
        bases.add(word[:-3] + "y")
    if word.endswith(("ing", "ed")):   # stopped -> stop, making -> make
        cut = word[:-3] if word.endswith("ing") else word[:-2]
        if len(cut) > 2 and cut[-1] == cut[-2]:
            bases.add(cut[:-1])
        bases.add(cut + "e")
    candidates = set()
    for base in bases:
        candidates.add(base)
        if base.endswith("y") and base[-2:-1] not in set("aeiou"):
            candidates |= {base[:-1] + "ies", base[:-1] + "ied", base + "ing"}
        elif base.endswith("e"):
            candidates |= {base + "s", base + "d", base[:-1] + "ing"}
        elif base.endswith(("s", "x", "z", "ch", "sh")):
            candidates |= {base + "es", base + "ed", base + "ing"}
        else:
            candidates |= {base + "s", base + "ed", base + "ing"}
            if (len(base) > 2 and base[-1] not in "aeiouwxy" and base[-2] in "aeiou"
                    and base[-3] not in "aeiou"):
                candidates |= {base + base[-1] + "ing", base + base[-1] + "ed"}
    return {word} | {c for c in candidates if _STEMMER.stemWord(c) == stem}


def term_forms(term: str, *, inflect: bool = True) -> set[str]:
    """Every folded spelling of a term that is looked for in folded text.

    The last word gets its inflections, and a possessive ("leader s" is how "leader's"
    folds); a one-word term also gets its two-part compounds ("ceasefire" -> "cease fire",
    which is how "cease-fire" folds) and a multi-word term its joined form ("cease fire" ->
    "ceasefire")."""
    words = term_words(term)
    if not words:
        return set()
    *head, last = words
    lasts = sorted(word_forms(last)) if inflect else [last]
    out = {" ".join([*head, f]) for f in lasts}
    if head and len(words) <= 3:
        out |= {"".join([*head, f]) for f in lasts}
    if not head and len(last) >= 2 * _MIN_COMPOUND_PART and last.isascii():
        for i in range(_MIN_COMPOUND_PART, len(last) - _MIN_COMPOUND_PART + 1):
            out |= {f"{f[:i]} {f[i:]}" for f in lasts if f.startswith(last[:i])}
    if inflect:
        out |= {f"{f} s" for f in list(out) if not f.endswith(("s", "ed", "ing"))}
    return out
