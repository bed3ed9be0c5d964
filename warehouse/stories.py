"""Story clustering: near-duplicate articles (syndicated wire copy) share one story id.

MinHash over word shingles estimates how much two articles share; LSH finds candidates without
comparing all pairs. Signatures are stored, so the index is rebuilt from the warehouse after a
restart.

Copies of one wire story differ in more than chrome: outlets cut paragraphs, trim the end, move
quotes and add their own dateline, byline and credit line. So `signature` leaves those chrome
lines out (a text without any gets the same signature as before), and `assign` joins an article
to a story when the two are similar as wholes (estimated Jaccard) or when one is nearly
contained in the other (a cut-down copy), the latter only if they still resemble each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
# Pinned so stored signatures stay comparable across datasketch releases (uint32 values).
SCHEME = "affine32"
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
_COPYRIGHT = re.compile(r"^\s*(?:copyright\b|©|\(c\)\s*\d{4})|all\s+rights\s+reserved",
                        re.IGNORECASE)
_BYLINE = re.compile(r"^\s*By\s+[A-Z][^.!?\"”]*$")
# The lower-case words a byline may have besides names: "By Jo Bloggs, political reporter".
_BYLINE_LOWER = frozenset({"and", "of", "the", "in", "at", "for", "staff", "writer", "reporter",
                           "editor", "correspondent", "political", "business", "sports"})


def _is_chrome(line: str) -> bool:
    words = len(line.split())
    if _CREDIT.match(line):
        # "Reporting by the auditors showed ..." is prose; credit lines are short or listed.
        return ";" in line or line.lstrip().startswith("(") or words <= 12
    if _LINK.match(line) or _COPYRIGHT.search(line):
        return words <= 60
    return words <= 12 and bool(_BYLINE.match(line)) and all(
        w[:1].isupper() or not w[:1].isalpha() or w.strip(",") in _BYLINE_LOWER
        for w in line.split())


def _words(text: str) -> list[str]:
    """The text's words, without chrome lines and datelines (if anything else is left)."""
    kept = [_DATELINE.sub("", line, count=1) for line in text.splitlines()
            if not _is_chrome(line)]
    return _WORD.findall("\n".join(kept).lower()) or _WORD.findall(text.lower())


# Built once: datasketch would otherwise draw the same permutations again for every MinHash.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


def _minhash(sig: np.ndarray | None = None) -> MinHash:
    return MinHash(num_perm=NUM_PERM, hashvalues=sig, permutations=_PERMUTATIONS, scheme=SCHEME)


def signature(text: str) -> np.ndarray:
    words = _words(text)
    shingles = {" ".join(words[i:i + SHINGLE_WORDS])
                for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    mh = _minhash()
    mh.update_batch([s.encode("utf-8") for s in shingles])
    return mh.hashvalues.astype(np.uint32)


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
    """Holds recent signatures; `assign` places an article in an existing story or a new one."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self._lsh = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))
        self._members: dict[str, tuple[str, np.ndarray]] = {}   # article_id -> (story_id, sig)
        self._threshold = threshold

    def add(self, article_id: str, story_id: str, sig: np.ndarray) -> None:
        if article_id in self._members:
            return
        sig = np.asarray(sig, dtype=np.uint32)
        self._lsh.insert(article_id, _minhash(sig))
        self._members[article_id] = (story_id, sig)

    def _joins(self, jaccard: float, containment: float) -> bool:
        return jaccard >= self._threshold or (
            containment >= CONTAINMENT and jaccard >= min(JACCARD_FLOOR, self._threshold))

    def assign(self, article_id: str, sig: np.ndarray) -> Assignment:
        sig = np.asarray(sig, dtype=np.uint32)
        best: tuple[float, float, str] | None = None
        for candidate in self._lsh.query(_minhash(sig)):
            story_id, other = self._members[candidate]
            jaccard, containment = _compare(sig, other)
            if self._joins(jaccard, containment) and (
                    best is None or (jaccard, containment) > best[:2]):
                best = (jaccard, containment, story_id)
        if best is None:
            assignment = Assignment(article_id, article_id, None)
        else:
            assignment = Assignment(article_id, best[2], round(best[0], 3))
        self.add(article_id, assignment.story_id, sig)
        return assignment
