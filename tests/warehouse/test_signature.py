"""Story signatures: the same in every process, pinned to their scheme, cut into the words the
regex would find, and a Jaccard estimate good enough to tell copies from other articles."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from demo.articles import ARTICLES
from warehouse.stories import _WORD, NUM_PERM, _tokens, _words, signature

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Harbour board approves the new ferry terminal after a long night of talks"


def test_signature_is_the_same_in_another_process_with_another_hash_seed() -> None:
    code = ("from warehouse.stories import signature; "
            f"print(signature({TEXT!r}).tolist())")
    seen = set()
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=ROOT,
                             env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)})
        seen.add(out.stdout.strip())
    assert seen == {str(signature(TEXT).tolist())}


def test_signature_values_are_pinned() -> None:
    # Stored signatures are compared with new ones: a change here needs a migration that signs
    # every stored article again (see warehouse/migrations/0009_resign_signatures.sql).
    sig = signature(TEXT)
    assert sig.dtype == np.uint32 and sig.shape == (NUM_PERM,)
    assert sig[:6].tolist() == [92039090, 14098280, 460918373, 532210588, 422882509, 7136565]
    assert signature("one two")[:3].tolist() == [1596507315, 1360444717, 1850772019]


@pytest.mark.parametrize("text", [
    "Don’t say “never” — it’s 5°C in São Paulo… 20% off_the_shelf £3.50 naïve Ærø İstanbul",
    "Tab\tseparated\x0bwords\x1fand\u00a0no-break\u200bspaces", "", "   ", "___ 123 a_b",
    *(" ".join(a.paragraphs) for a in ARTICLES[:20]),
])
def test_tokens_are_the_words_the_regex_finds(text: str) -> None:
    assert _tokens(text) == [w.encode("utf-8") for w in _WORD.findall(text.lower())]


def test_chrome_lines_and_datelines_are_left_out() -> None:
    text = ("LONDON (Wire) - Ministers met on Monday.\nBy Jo Bloggs, political reporter\n"
            "Talks resume today.\n(Reporting by A. Writer; Editing by B. Editor)\n"
            "Read more: other things\nCopyright 2026 Wire. All rights reserved.")
    assert _words(text) == b"ministers met on monday talks resume today".split()


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b)


def test_matching_values_estimate_the_shingle_jaccard() -> None:
    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(400)]
    base = rng.choices(vocabulary, k=300)
    errors = []
    for keep in (0.2, 0.5, 0.8):
        other = [w if rng.random() < keep else rng.choice(vocabulary) for w in base]
        shingles = [{" ".join(ws[i:i + 4]) for i in range(len(ws) - 3)} for ws in (base, other)]
        estimate = np.count_nonzero(signature(" ".join(base)) == signature(" ".join(other)))
        errors.append(abs(estimate / NUM_PERM - _jaccard(*shingles)))
    # Standard error at 128 permutations is at most 0.044; three estimates within ~3 of it.
    assert max(errors) < 0.13, errors
