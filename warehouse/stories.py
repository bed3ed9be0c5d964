"""Story clustering: near-duplicate articles (syndicated wire copy) share one story id.

MinHash over word shingles estimates how much two articles share; LSH finds candidates without
comparing all pairs. Signatures are stored, so the index is rebuilt from the warehouse after a
restart. A signature costs one CRC-32 per word and a few numpy operations over all shingles
and permutations at once (about 0.1 ms of CPU for a 300-word article, a quarter of hashing
every shingle with SHA-1 in Python); its values are pinned (tests/warehouse/test_signature.py),
and changing them needs a migration that signs the stored articles again, as 0009 did.

Copies of one wire story differ in more than chrome: outlets cut paragraphs, trim the end, move
quotes and add their own dateline, byline and credit line. So `signature` leaves those chrome
lines out (a text without any gets the same signature as before), and `assign` joins an article
to a story when the two are similar as wholes (estimated Jaccard) or when one is nearly
contained in the other (a cut-down copy), the latter only if they still resemble each other.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass

import numpy as np

NUM_PERM = 128
# The signature scheme: stored signatures are comparable only with signatures of the same scheme
# (migration 0009 re-signed the ones of the previous, SHA-1 based scheme).
SCHEME = "crc32-shingle-multiply-shift-v1"
SHINGLE_WORDS = 4
# Estimated Jaccard: most syndicated copies score 0.5-1.0; different articles on the same topic
# stay under ~0.15 with 4-word shingles (bbc-news categories, `python -m eval`).
THRESHOLD = 0.5
# Or a cut-down copy: this share of the smaller article's shingles is in the other one (copies:
# ~0.6-1.0; different same-topic articles: under ~0.3) ...
CONTAINMENT = 0.6
# ... while the two still overlap this much as wholes, so a short brief quoted inside a long
# round-up page does not join the brief's story.
JACCARD_FLOOR = 0.2
# LSH bands x rows: a pair at Jaccard 0.25 shares a band with probability 0.98 (0.5: ~1.0), so
# the candidates include every pair the rules above can accept; `assign` then checks each one.
BANDS, ROWS = 64, 2
_WORD = re.compile(r"\w+", re.UNICODE)
# Wire-style dateline opening a paragraph: "LONDON (Agency) - ", "PARIS, March 3 (AFP) — ".
_DATELINE = re.compile(r"^\s*[A-Z][A-Z.'’ -]{2,40}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*"
                       r"(?:\([^()\n]{1,40}\))?\s*(?:-{1,2}|—|–)\s+")
# Whole lines that belong to the outlet, not to the story: credit lines ("(Reporting by ...;
# Editing by ...)"), "Read more: ..." links, copyright notices and bylines.
_CREDIT = re.compile(r"^\s*\(?\s*(?:additional\s+)?(?:reporting|writing|editing|compiled|"
                     r"translated)\s+by\b", re.IGNORECASE)
_LINK = re.compile(r"^\s*(?:read\s+more|related|see\s+also|also\s+read|"
                   r"more\s+on\s+this(?:\s+story)?)\s*:", re.IGNORECASE)
_COPYRIGHT = re.compile(r"^\s*(?:copyright\b|©|\(c\)\s*\d{4})", re.IGNORECASE)
_RESERVED = re.compile(r"all\s+rights\s+reserved", re.IGNORECASE)
_BYLINE = re.compile(r"^\s*By\s+[A-Z][^.!?\"”]*$")
# The lower-case words a byline may have besides names: "By Jo Bloggs, political reporter".
_BYLINE_LOWER = frozenset({"and", "of", "the", "in", "at", "for", "staff", "writer", "reporter",
                           "editor", "correspondent", "political", "business", "sports"})


# Non-ASCII characters common in news text that are not word characters (`\w`): replaced by
# spaces, most texts become ASCII and are split into words with bytes.translate, ~3x faster
# than the regex and cut at the same places.
_PUNCTUATION = "’‘“”—–―…£€°©®«»\u200b\u00a0"
_NON_WORD_ASCII = bytes(c for c in range(128) if not _WORD.match(chr(c)))
_ASCII_NON_WORD = bytes.maketrans(_NON_WORD_ASCII, b" " * len(_NON_WORD_ASCII))


def _reserved(line: str) -> bool:
    # The substring test first: searching every paragraph with the regex costs ~4x as much.
    return "rved" in line.lower() and bool(_RESERVED.search(line))


def _is_chrome(line: str) -> bool:
    words = len(line.split(None, 60))   # up to 61: only "<= 12" and "<= 60" matter below
    if _CREDIT.match(line):
        # "Reporting by the auditors showed ..." is prose; credit lines are short or listed.
        return ";" in line or line.lstrip().startswith("(") or words <= 12
    if words > 60:   # a long paragraph is never a link, copyright or byline line
        return False
    if _LINK.match(line) or _COPYRIGHT.match(line) or _reserved(line):
        return True
    return words <= 12 and bool(_BYLINE.match(line)) and all(
        w[:1].isupper() or not w[:1].isalpha() or w.strip(",") in _BYLINE_LOWER
        for w in line.split())


def _tokens(text: str) -> list[bytes]:
    """The lower-cased words (what `_WORD` finds) of a text, UTF-8 encoded."""
    lowered = text.lower()
    for char in _PUNCTUATION:
        if char in lowered:
            lowered = lowered.replace(char, " ")
    if lowered.isascii():
        return lowered.encode("ascii").translate(_ASCII_NON_WORD).split()
    return [w.encode("utf-8") for w in _WORD.findall(lowered)]


def _words(text: str) -> list[bytes]:
    """The text's words, without chrome lines and datelines (if anything else is left)."""
    kept = [_DATELINE.sub("", line, count=1) for line in text.splitlines()
            if not _is_chrome(line)]
    return _tokens("\n".join(kept)) or _tokens(text)


def _constants(name: str, count: int) -> np.ndarray:
    """Fixed random 64-bit multipliers, derived from their name so that every process and every
    release computes the same signatures (neither `hash()` nor a numpy generator's stream)."""
    return np.array([int.from_bytes(hashlib.blake2b(f"newswatch-minhash-{name}-{i}".encode(),
                                                    digest_size=8).digest(), "little")
                     for i in range(count)], dtype=np.uint64)


# Shingle hash: multiply-shift over the word hashes (odd multipliers, one per word position).
_SHINGLE = _constants("shingle", SHINGLE_WORDS) | np.uint64(1)
# One hash function per permutation: x -> ((a*x + b) mod 2^64) >> 32 (multiply-add-shift), a
# universal family from 32-bit shingle hashes to 32-bit values. The shift is monotonic, so the
# minimum is taken before it.
_A = _constants("a", NUM_PERM) | np.uint64(1)
_B = _constants("b", NUM_PERM)
_HIGH = np.uint64(32)
_BAND_SALT = _constants("band", BANDS)


def _shingle_hashes(words: list[bytes]) -> np.ndarray:
    """One 32-bit hash per run of SHINGLE_WORDS words (one run if there are fewer)."""
    # CRC-32 of each word once (stable, in the standard library), not of every shingle.
    hashes = np.fromiter(map(zlib.crc32, words), dtype=np.uint64, count=len(words))
    runs = max(1, len(words) - SHINGLE_WORDS + 1)
    if len(hashes) < SHINGLE_WORDS:
        hashes = np.pad(hashes, (0, SHINGLE_WORDS - len(hashes)))
    combined = hashes[:runs] * _SHINGLE[0]
    for i in range(1, SHINGLE_WORDS):
        combined += hashes[i:i + runs] * _SHINGLE[i]
    # Repeated shingles stay: the minimum does not change, and removing them costs more.
    return combined >> _HIGH


def signature(text: str) -> np.ndarray:
    """MinHash of the text's word shingles: NUM_PERM uint32 values, all permutations at once."""
    shingles = _shingle_hashes(_words(text))
    permuted = np.multiply.outer(_A, shingles)   # one row per permutation
    permuted += _B[:, None]
    return (permuted.min(axis=1) >> _HIGH).astype(np.uint32)


def _compare(sig: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    """Estimated Jaccard and containment of the smaller article in the larger one.

    Per permutation, the smaller of the two minima is the minimum of the union: a random shingle
    of the union. Where it comes from `sig`, it is a random shingle of `sig`'s set, and it is in
    both sets exactly when the two minima are equal; so equal / (sig <= other) estimates how much
    of `sig`'s set is in `other`'s, and the same the other way round.
    """
    equal = int(np.count_nonzero(sig == other))
    jaccard = equal / len(sig)
    mine = int(np.count_nonzero(sig <= other))
    theirs = int(np.count_nonzero(other <= sig))
    return jaccard, equal / max(1, min(mine, theirs))


@dataclass(frozen=True)
class Assignment:
    article_id: str
    story_id: str
    similarity: float | None   # estimated Jaccard with the nearest member; None for a new story


class StoryIndex:
    """Holds recent signatures; `assign` places an article in an existing story or a new one.

    Banding: the 128 values are 64 bands of two; each band's pair, read as one uint64 and salted
    with the band's own constant (so equal pairs in different bands do not meet), is a key of one
    table; articles sharing any key with a signature are its candidates.
    """

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self._table: dict[int, str | tuple[str, ...]] = {}       # band key -> article id(s)
        self._members: dict[str, tuple[str, np.ndarray]] = {}   # article_id -> (story_id, sig)
        self._rank: dict[str, int] = {}                          # article_id -> order added
        self._threshold = threshold

    @staticmethod
    def _keys(sig: np.ndarray) -> list[int]:
        return list((sig.view(np.uint64) ^ _BAND_SALT).tolist())

    def add(self, article_id: str, story_id: str, sig: np.ndarray) -> None:
        sig = np.ascontiguousarray(sig, dtype=np.uint32)
        self._add(article_id, story_id, sig, self._keys(sig))

    def _add(self, article_id: str, story_id: str, sig: np.ndarray, keys: list[int]) -> None:
        if article_id in self._members:
            return
        table = self._table
        # Values are the article id itself (a tuple of ids where keys clash, which is rare): no
        # list per key, which would be 64 more objects per article for the garbage collector.
        clashes = [(key, table[key]) for key in keys if key in table]
        table.update(dict.fromkeys(keys, article_id))
        for key, held in clashes:
            table[key] = (*((held,) if isinstance(held, str) else held), article_id)
        self._members[article_id] = (story_id, sig)
        self._rank[article_id] = len(self._rank)

    def _candidates(self, keys: list[int]) -> list[str]:
        """Articles sharing a band with the signature, in the order they were added (ties go to
        the earlier one, whatever the order of the bands)."""
        hits = [held for held in map(self._table.get, keys) if held is not None]
        if not hits:
            return []
        found: set[str] = set()
        for held in hits:
            if isinstance(held, str):
                found.add(held)
            else:
                found.update(held)
        return sorted(found, key=self._rank.__getitem__)

    def _joins(self, jaccard: float, containment: float) -> bool:
        return jaccard >= self._threshold or (
            containment >= CONTAINMENT and jaccard >= min(JACCARD_FLOOR, self._threshold))

    def assign(self, article_id: str, sig: np.ndarray) -> Assignment:
        sig = np.ascontiguousarray(sig, dtype=np.uint32)
        keys = self._keys(sig)
        best: tuple[float, float, str] | None = None
        for candidate in self._candidates(keys):
            story_id, other = self._members[candidate]
            jaccard, containment = _compare(sig, other)
            if self._joins(jaccard, containment) and (
                    best is None or (jaccard, containment) > best[:2]):
                best = (jaccard, containment, story_id)
        if best is None:
            assignment = Assignment(article_id, article_id, None)
        else:
            assignment = Assignment(article_id, best[2], round(best[0], 3))
        self._add(article_id, assignment.story_id, sig, keys)
        return assignment
