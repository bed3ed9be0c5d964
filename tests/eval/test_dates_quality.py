"""The date scorer on a hand-made document, and floors on the TimeML scores (needs the corpus)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from eval.dates_quality import CORPUS, Score, error_lines, is_dev, newswatch_tagger, score
from eval.timeml_corpus import read_corpus, read_doc

TML = """<?xml version="1.0" ?>
<TimeML><DOCID>X1</DOCID>
<DCT><TIMEX3 tid="t0" type="DATE" value="1998-01-08" \
functionInDocument="CREATION_TIME">19980108</TIMEX3></DCT>
<TEXT>Shares fell &amp; rose <TIMEX3 tid="t1" type="DATE" value="1998-01-07">yesterday</TIMEX3> \
for <TIMEX3 tid="t2" type="DURATION" value="P1W">a week</TIMEX3> in <TIMEX3 tid="t3" \
type="DATE" value="1997-12">December</TIMEX3>.</TEXT></TimeML>
"""


def test_reading_a_timeml_document_keeps_offsets(tmp_path: Path) -> None:
    path = tmp_path / "X1.tml"
    path.write_text(TML, encoding="utf-8")
    doc = read_doc(path)
    assert doc.created == date(1998, 1, 8)
    assert doc.text.startswith("Shares fell & rose yesterday")
    assert [(doc.text[t.start:t.end], t.type) for t in doc.timexes] == [
        ("yesterday", "DATE"), ("a week", "DURATION"), ("December", "DATE")]


def test_scores_count_overlaps_and_values(tmp_path: Path) -> None:
    path = tmp_path / "X1.tml"
    path.write_text(TML, encoding="utf-8")
    doc = read_doc(path)
    at = doc.text.index
    s = Score()
    s.add(doc, [(at("yesterday"), at("yesterday") + 9, "1998-01-07"),   # right
                (at("December") + 2, at("December") + 5, "1998-12"),    # overlaps, wrong value
                (at("a week"), at("a week") + 6, "1998-W01")])          # a duration: false alarm
    assert s.relaxed() == pytest.approx((2 / 3, 1.0, 0.8))
    assert s.value()[:2] == pytest.approx((1 / 3, 1 / 2))
    assert s.false_alarms == {"a week": 1}


def test_error_lines_show_each_error_in_its_text(tmp_path: Path) -> None:
    path = tmp_path / "X1.tml"
    path.write_text(TML, encoding="utf-8")
    doc = read_doc(path)
    at = doc.text.index
    lines = error_lines(doc, [(at("yesterday"), at("yesterday") + 9, "1998-01-07"),
                              (at("December"), at("December") + 8, "1998-12"),
                              (at("a week"), at("a week") + 6, "1998-W01")])
    assert lines == [
        "wrong value 1998-12 (gold 1997-12) | Shares fell & rose yesterday for a week in "
        "[[December]].",
        "false alarm 1998-W01 | Shares fell & rose yesterday for [[a week]] in December."]
    assert error_lines(doc, []) == [
        "miss 1998-01-07 | Shares fell & rose [[yesterday]] for a week in December.",
        "miss 1997-12 | Shares fell & rose yesterday for a week in [[December]]."]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no TimeML corpus at {CORPUS}")
def test_newswatch_keeps_its_scores_on_timeml() -> None:
    docs = read_corpus(CORPUS)
    assert 0.35 < sum(map(is_dev, docs)) / len(docs) < 0.65
    dev, held_out, everything, _ = score(docs, newswatch_tagger)
    # Measured: relaxed F1 0.950 / 0.926, value F1 0.853 / 0.785 (dev / held-out); all 256
    # documents 0.938 / 0.820.
    assert dev.relaxed()[2] >= 0.94 and held_out.relaxed()[2] >= 0.92
    assert dev.value()[2] >= 0.84 and held_out.value()[2] >= 0.78
    assert everything.relaxed()[2] >= 0.93 and everything.value()[2] >= 0.81
