"""The ceasefire rule's labelled set (eval/ceasefire_devset.py): its make-up, its scores with
`newswatch rules eval`, and a clean skip where the shared corpus is absent."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval import ceasefire_devset
from eval.conll_corpus import corpus_dir, documents

REPO = Path(__file__).resolve().parents[2]


def _labels() -> list[dict[str, object]]:
    return [json.loads(line) for path in (ceasefire_devset.LABELS, ceasefire_devset.WRITTEN)
            for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_set_has_enough_positives_and_negatives_and_no_reserved_data() -> None:
    items = _labels()
    counts = Counter(bool(i["ceasefire"]) for i in items)
    assert counts[True] >= 60 and counts[False] >= 400
    ids = [str(i["id"]) for i in items]
    assert len(set(ids)) == len(ids)
    assert {i.split(":")[0] for i in ids} == {"conll-train", "conll-testa", "written-dev",
                                              "written-heldout"}
    assert {i["split"] for i in items} == {"dev", "heldout"}
    # The corpus text is not in the repository: the labels file names documents only.
    assert all(set(i) == {"id", "split", "ceasefire"} for i in items
               if str(i["id"]).startswith("conll-"))


def test_the_loader_skips_cleanly_without_the_shared_corpus(tmp_path: Path) -> None:
    assert ceasefire_devset.build(tmp_path / "out", tmp_path / "no-corpus") is None
    assert ceasefire_devset.run(REPO / "config", tmp_path / "out", tmp_path / "no-corpus") == [
        ("rule ceasefire on the labelled set", "skipped: ../shared/corpus is absent")]


@pytest.mark.skipif(corpus_dir() is None, reason="../shared/corpus/conll2003-dev is absent")
def test_the_ceasefire_rule_scores_at_least_0_9_on_the_development_split(tmp_path: Path) -> None:
    folder = corpus_dir()
    assert folder is not None
    docs = documents(folder)
    assert all(str(i["id"]) in docs for i in _labels() if str(i["id"]).startswith("conll-"))
    paths = ceasefire_devset.build(tmp_path, folder)
    assert paths is not None
    dev = ceasefire_devset.scores(REPO / "config" / "rules" / "ceasefire.yaml", paths["dev"])
    assert dev["tp"] + dev["fn"] >= 50 and dev["precision"] >= 0.9 and dev["recall"] >= 0.9
    floors = ceasefire_devset.rules_eval(REPO / "config" / "rules" / "ceasefire.yaml",
                                         paths["dev"], "--min-precision", "0.9",
                                         "--min-recall", "0.9")
    assert floors.returncode == 0, floors.stderr
