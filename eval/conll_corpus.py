"""Reuters 1996 wire stories of the CoNLL-2003 files, read at run time (never copied here).

Each document is named `<split>:<n>` (n counts -DOCSTART- lines from 0 in eng.train or
eng.testa) and each sentence by its index in the document, so labels can name a sentence
without holding its text. A story's dateline ("WARSAW 1996-12-06") gives its publication day.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "conll2003-dev"
SPLITS = {"train": "eng.train.gz", "testa": "eng.testa.gz"}
_DATELINE = re.compile(r"^(?P<place>[A-Z][A-Z .'/-]*?)\s+(?P<day>(?:19|20)\d\d-\d\d-\d\d)$")


@dataclass(frozen=True)
class WireStory:
    doc_id: str
    sentences: list[str]          # detokenised, in order; the dateline is one of them
    dateline: int | None          # index of the dateline sentence
    published: date | None


def corpus_dir() -> Path | None:
    """The corpus folder, or None when ../shared is absent (callers then skip)."""
    for candidate in (CORPUS, Path("../shared/corpus/conll2003-dev")):
        if (candidate / SPLITS["train"]).is_file():
            return candidate.resolve()
    return None


def detokenise(tokens: list[str]) -> str:
    text = " ".join(tokens)
    text = re.sub(r" ([,.;:!?%)\]}])", r"\1", text)
    text = re.sub(r"([(\[{$]) ", r"\1", text)
    text = re.sub(r" (['’](?:s|re|ve|ll|d|m)\b|n't\b)", r"\1", text)
    return re.sub(r'" (.*?) "', r'"\1"', text)


def read_stories(folder: Path) -> dict[str, WireStory]:
    stories: dict[str, WireStory] = {}
    for split, name in SPLITS.items():
        with gzip.open(folder / name, "rt", encoding="utf-8") as lines:
            docs: list[list[list[str]]] = []
            sentence: list[str] = []
            for line in lines:
                token = line.split(" ", 1)[0].strip()
                if token == "-DOCSTART-":
                    docs.append([])
                    continue
                if not token:
                    if sentence and docs:
                        docs[-1].append(sentence)
                    sentence = []
                    continue
                sentence.append(token)
            if sentence and docs:
                docs[-1].append(sentence)
        for n, doc in enumerate(docs):
            texts = [detokenise(s) for s in doc]
            stories[f"{split}:{n}"] = _story(f"{split}:{n}", texts)
    return stories


def _story(doc_id: str, texts: list[str]) -> WireStory:
    for i, text in enumerate(texts[:4]):
        found = _DATELINE.match(text)
        if found:
            return WireStory(doc_id, texts, i, date.fromisoformat(found["day"]))
    return WireStory(doc_id, texts, None, None)
