"""Story clustering: near-duplicate articles (syndicated wire copy) share one story id.

MinHash over word shingles estimates Jaccard similarity; LSH finds candidates without comparing
all pairs. Signatures are stored, so the index is rebuilt from the warehouse after a restart.
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
# Copies of one wire story under different chrome score ~0.7-1.0; different articles on the same
# topic score well under 0.2 with 4-word shingles.
THRESHOLD = 0.5
_WORD = re.compile(r"\w+", re.UNICODE)


def signature(text: str) -> np.ndarray:
    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i:i + SHINGLE_WORDS])
                for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    mh = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    mh.update_batch([s.encode("utf-8") for s in shingles])
    return mh.hashvalues.astype(np.uint32)


@dataclass(frozen=True)
class Assignment:
    article_id: str
    story_id: str
    similarity: float | None   # with the nearest member; None for a new story


class StoryIndex:
    """Holds recent signatures; `assign` places an article in an existing story or a new one."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._members: dict[str, tuple[str, MinHash]] = {}   # article_id -> (story_id, minhash)
        self._threshold = threshold

    def add(self, article_id: str, story_id: str, sig: np.ndarray) -> None:
        if article_id in self._members:
            return
        mh = MinHash(num_perm=NUM_PERM, hashvalues=sig, scheme=SCHEME)
        self._lsh.insert(article_id, mh)
        self._members[article_id] = (story_id, mh)

    def assign(self, article_id: str, sig: np.ndarray) -> Assignment:
        mh = MinHash(num_perm=NUM_PERM, hashvalues=sig, scheme=SCHEME)
        best: tuple[float, str] | None = None
        for candidate in self._lsh.query(mh):
            story_id, other = self._members[candidate]
            score = mh.jaccard(other)
            if score >= self._threshold and (best is None or score > best[0]):
                best = (score, story_id)
        if best is None:
            assignment = Assignment(article_id, article_id, None)
        else:
            assignment = Assignment(article_id, best[1], round(best[0], 3))
        self.add(article_id, assignment.story_id, sig)
        return assignment
