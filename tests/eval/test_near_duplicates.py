"""The near-duplicate evaluation on a small sample: syndicated copies of real articles join their
original's story, same-topic real articles do not. Needs ../shared/corpus; skipped without it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from eval.near_duplicates import CORPUS, Item, build, cluster, run, score

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
ORIGINALS = 30


@pytest.fixture(scope="module")
def items() -> list[Item]:
    return build(CORPUS, ORIGINALS)


@needs_corpus
def test_a_small_sample_scores_above_the_bar(items: list[Item]) -> None:
    kinds = Counter(i.kind for i in items)
    assert kinds["original"] == kinds["negative"] == ORIGINALS
    assert ORIGINALS <= kinds["copy"] <= 2 * ORIGINALS
    stories, signature_us, assign_us = cluster(items)
    precision, recall, f1, true_pairs = score(items, stories)
    assert true_pairs >= kinds["copy"]
    # The clustering before containment and boilerplate stripping scored 0.964 here.
    assert f1 >= 0.98, (precision, recall)
    assert signature_us > 0 and assign_us > 0


@needs_corpus
def test_copies_are_edited_and_the_sample_is_reproducible(items: list[Item]) -> None:
    originals = {i.item_id: i for i in items if i.kind == "original"}
    copies = [i for i in items if i.kind == "copy"]
    changed = [c for c in copies
               if (c.title, c.body) != (originals[c.story].title, originals[c.story].body)]
    assert len(changed) >= 0.9 * len(copies)
    assert {"headline", "drop", "reorder", "reword", "trim", "footer"} <= {
        e for c in copies for e in c.edits}
    # Negatives are other real articles, never one of the originals.
    assert not {i.item_id for i in items if i.kind == "negative"} & originals.keys()
    assert build(CORPUS, ORIGINALS) == items


def test_pairs_are_scored_over_same_story_pairs() -> None:
    items = [Item(name, story, "original", name, "") for name, story in
             [("a", "s"), ("b", "s"), ("c", "c"), ("d", "d")]]
    # a and b belong together; the clustering also pulled c in and left d alone.
    precision, recall, f1, true_pairs = score(items, {"a": "x", "b": "x", "c": "x", "d": "d"})
    assert (precision, recall, true_pairs) == (1 / 3, 1.0, 1)
    assert f1 == pytest.approx(0.5)


def test_without_the_corpus_the_row_says_skipped(tmp_path: Path) -> None:
    [(name, figure)] = run(tmp_path / "corpus")
    assert name.startswith("near-duplicates")
    assert figure == f"skipped: no corpus at {tmp_path / 'corpus'}"
