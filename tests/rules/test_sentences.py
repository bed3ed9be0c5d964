"""Sentence bounds: the whole-text split and the look-outwards search used for evidence agree
at every character, so evidence sentences and `sentence:` conditions mean the same thing."""

from __future__ import annotations

import gzip
import json

import pytest

from demo.articles import ARTICLES
from rules.text import sentence_around, sentence_bounds
from tests.conftest import SHARED_CORPUS

CRAFTED = [
    '  Rain is due.  He said "stop." Then they left. \n\nNew para e.g. the end. 3 men! ok?  Fine ',
    "U.S. Army. The 1.5bn deal. “Quote.” Next!? Yes. (Aside.) Done",
    "He met Jones. they talked. “Why?” he asked. ‘No.’ 42 left.",
]


def lines_of(text: str) -> list[tuple[int, int]]:
    out, position = [], 0
    for line in text.split("\n"):
        out.append((position, position + len(line)))
        position += len(line) + 1
    return out


def check(text: str) -> int:
    lines = lines_of(text)
    checked = 0
    for start, end in sentence_bounds(text):
        assert text[start:end] == text[start:end].strip()
        lo, hi = next(line for line in lines if line[0] <= start <= line[1])
        for offset in range(start, end):
            if not text[offset].isspace():
                assert sentence_around(text, lo, hi, offset) == (start, end), (text, offset)
                checked += 1
    return checked


def test_crafted_sentences() -> None:
    assert [CRAFTED[0][s:e] for s, e in sentence_bounds(CRAFTED[0])] == [
        "Rain is due.", 'He said "stop."', "Then they left.", "New para e.g. the end.",
        "3 men! ok?", "Fine"]
    assert [CRAFTED[2][s:e] for s, e in sentence_bounds(CRAFTED[2])] == [
        "He met Jones. they talked.", "“Why?” he asked.", "‘No.’", "42 left."]
    assert sum(check(t) for t in CRAFTED) > 150


def test_demo_articles() -> None:
    assert sum(check("\n\n".join(a.paragraphs)) for a in ARTICLES) > 1000


def test_corpus_articles() -> None:
    path = SHARED_CORPUS / "bbc-news" / "bbc-fulltext.jsonl.gz"
    if not path.exists():
        pytest.skip(f"shared corpus not found at {path}")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for _, line in zip(range(100), lines, strict=False)]
    assert sum(check(t) for t in texts) > 100_000
