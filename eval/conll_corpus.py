"""Reuters 1996 wire stories of the CoNLL-2003 files, read at run time (never copied here).

The corpus text may not be redistributed, so the repository keeps only document ids and
labels (eval/ceasefire_labels.jsonl, eval/data/summits_dev.tsv); the text is read from
../shared/corpus at run time, and callers skip when it is absent.

Two views of the same documents:
- `read_stories`: documents named `<split>:<n>` (n counts -DOCSTART- lines from 0 in
  eng.train or eng.testa), with their sentences, so labels can name a sentence by index; a
  story's dateline ("WARSAW 1996-12-06") gives its publication day (the summit dev set);
- `documents`: articles named `conll-<split>:<n>` (n from 1), the first sentence as the
  headline and the rest as the body (the ceasefire dev set).
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "conll2003-dev"
SPLITS = {"train": "eng.train.gz", "testa": "eng.testa.gz"}
FILES = {f"conll-{split}": name for split, name in SPLITS.items()}
_DATELINE = re.compile(r"^(?P<place>[A-Z][A-Z .'/-]*?)\s+(?P<day>(?:19|20)\d\d-\d\d-\d\d)$")


@dataclass(frozen=True)
class WireStory:
    doc_id: str
    sentences: list[str]          # detokenised, in order; the dateline is one of them
    dateline: int | None          # index of the dateline sentence
    published: date | None


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    body: str


def corpus_dir(explicit: Path | None = None) -> Path | None:
    """The corpus folder, or None when ../shared is absent (callers then skip)."""
    candidates = [explicit] if explicit is not None else [
        CORPUS, Path.cwd().parent / "shared" / "corpus" / "conll2003-dev"]
    for candidate in candidates:
        if (candidate / SPLITS["train"]).is_file():
            return candidate.resolve()
    return None


def detokenise(tokens: list[str]) -> str:
    text = " ".join(tokens)
    text = re.sub(r" ([,.;:!?%)\]}])", r"\1", text)
    text = re.sub(r"([(\[{$]) ", r"\1", text)
    text = re.sub(r" (['’](?:s|S|re|ve|ll|d|m)\b|n't\b)", r"\1", text)
    return re.sub(r'" (.*?) "', r'"\1"', text)


def _split_documents(path: Path) -> list[list[str]]:
    """Each -DOCSTART- document of one file as its detokenised sentences."""
    docs: list[list[str]] = []
    sentence: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as lines:
        for line in lines:
            token = line.split(" ", 1)[0].strip()
            if token == "-DOCSTART-":
                docs.append([])
                continue
            if not token:
                if sentence and docs:
                    docs[-1].append(detokenise(sentence))
                sentence = []
                continue
            sentence.append(token)
    if sentence and docs:
        docs[-1].append(detokenise(sentence))
    return docs


def read_stories(folder: Path) -> dict[str, WireStory]:
    stories: dict[str, WireStory] = {}
    for split, name in SPLITS.items():
        for n, texts in enumerate(_split_documents(folder / name)):
            stories[f"{split}:{n}"] = _story(f"{split}:{n}", texts)
    return stories


def _story(doc_id: str, texts: list[str]) -> WireStory:
    for i, text in enumerate(texts[:4]):
        found = _DATELINE.match(text)
        if found:
            return WireStory(doc_id, texts, i, date.fromisoformat(found["day"]))
    return WireStory(doc_id, texts, None, None)


def read_documents(folder: Path, split: str) -> list[Document]:
    """Every document of one split (`conll-train` or `conll-testa`), in file order; the first
    sentence is the headline."""
    return [Document(f"{split}:{n}", sentences[0] if sentences else "",
                     "\n".join(sentences[1:]))
            for n, sentences in enumerate(_split_documents(folder / FILES[split]), start=1)]


def documents(folder: Path) -> dict[str, Document]:
    """Every document of both splits, by id."""
    return {d.doc_id: d for split in FILES for d in read_documents(folder, split)}
