"""The summit dev set: its labels, its loader, its scorer, and the rule's floors on it."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from eval.conll_corpus import detokenise, read_stories
from eval.summits_quality import Item, exact, load_items, read_labels, scores
from tests.conftest import SHARED_CORPUS


def test_labels_name_sentences_and_keep_acceptance_data_out() -> None:
    rows = read_labels()
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids))
    positives = [r for r in rows if r[1]]
    assert len(positives) >= 60 and len(rows) - len(positives) >= 300
    assert all(r[0].split(":")[0] in ("train", "testa", "tml", "nh") for r in rows)
    assert not any("ag-news" in r[0] or "bbc" in r[0] for r in rows)
    assert all(r[2] for r in rows if not r[1])          # every negative says what kind it is


def test_detokenise_and_datelines(tmp_path: Path) -> None:
    assert detokenise(["He", "said", "it", "'s", "(", "not", ")", "over", "."]) == \
        "He said it's (not) over."
    conll = tmp_path / "conll2003-dev"
    conll.mkdir()
    lines = ["-DOCSTART- -X- -X- O", "", "Talks NNS I-NP O", "due JJ I-NP O", "", "GENEVA NNP "
             "I-NP I-LOC", "1996-08-22 CD I-NP O", "", "They NNP I-NP O", "meet VB I-VP O",
             ". . O O", ""]
    for name in ("eng.train.gz", "eng.testa.gz"):
        with gzip.open(conll / name, "wt", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
    story = read_stories(conll)["train:0"]
    assert story.sentences == ["Talks due", "GENEVA 1996-08-22", "They meet."]
    assert story.dateline == 1 and story.published == date(1996, 8, 22)


def test_scores_count_items_and_exact_dates() -> None:
    def item(gold: str) -> Item:
        return Item("train:1|1", gold, "" if gold else "past", "text", date(1996, 8, 22))
    results = [(item("1996-09-01"), "1996-09-01"), (item("1996-09-02"), "1996-09-03"),
               (item("1996-09"), None), (item(""), "1996-09-05"), (item(""), None)]
    precision, recall, dated, positives, negatives = scores(results)
    assert (round(precision, 2), round(recall, 2), dated, positives, negatives) == \
        (0.67, 0.67, 0.5, 3, 2)
    assert exact("1996-09-01T15:00", "1996-09-01") and not exact("1996-09", "1996-09-01")


def test_the_rule_meets_its_floors_on_the_dev_set() -> None:
    if not (SHARED_CORPUS / "conll2003-dev").is_dir():
        pytest.skip(f"shared corpus not found at {SHARED_CORPUS}")
    from eval.summits_quality import evaluate

    items = load_items(SHARED_CORPUS)
    assert len(items) == len(read_labels()) and all(i.text for i in items)
    results = evaluate(items)
    tuning = [r for r in results if not r[0].held_out]
    precision, recall, dated, _, _ = scores(tuning)
    assert precision >= 0.9 and recall >= 0.9 and dated >= 0.9, (precision, recall, dated)
    # The whole set, the part held out until read included: today 0.98 / 0.91 / 1.00; the
    # recall floor keeps a margin of four items so the tagger's values can move a little.
    precision, recall, dated, _, _ = scores(results)
    assert precision >= 0.9 and recall >= 0.85 and dated >= 0.9, (precision, recall, dated)


def test_make_eval_prints_the_three_parts_and_the_misses() -> None:
    if not (SHARED_CORPUS / "conll2003-dev").is_dir():
        pytest.skip(f"shared corpus not found at {SHARED_CORPUS}")
    from eval.summits_quality import run

    rows = run(SHARED_CORPUS)
    lines = [name for name, _ in rows[:3]]
    assert lines == [f"rule upcoming-summits, dev set {part}"
                     for part in ("first tuned", "once held out", "whole")]
    assert all("precision" in figure and "positives" in figure for _, figure in rows[:3])
    assert any(name.startswith("  miss ") for name, _ in rows[3:])
