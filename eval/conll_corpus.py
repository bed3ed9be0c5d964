"""Documents of the CoNLL-2003 corpus (Reuters wire, 1996) as articles the rules can read.

The corpus text may not be redistributed, so the repository keeps only document ids and
labels (eval/ceasefire_labels.jsonl); the text is read from ../shared/corpus at run time.
A document's id is `conll-train:N` or `conll-testa:N`: the N-th -DOCSTART- document (from 1)
of eng.train.gz or eng.testa.gz.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "conll2003-dev"
FILES = {"conll-train": "eng.train.gz", "conll-testa": "eng.testa.gz"}

_SPACE_BEFORE = re.compile(r" ([,.;:!?%)\]}]|'s\b|'S\b|n't\b|'re\b|'ve\b|'ll\b|'d\b|'m\b)")
_SPACE_AFTER = re.compile(r"([(\[{$]) ")


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    body: str


def corpus_dir(explicit: Path | None = None) -> Path | None:
    """The corpus folder, or None when ../shared is not there (the callers then skip)."""
    candidates = [explicit] if explicit is not None else [
        CORPUS, Path.cwd().parent / "shared" / "corpus" / "conll2003-dev"]
    return next((c for c in candidates if (c / FILES["conll-train"]).is_file()), None)


def detokenize(tokens: list[str]) -> str:
    text = _SPACE_BEFORE.sub(r"\1", " ".join(tokens))
    text = _SPACE_AFTER.sub(r"\1", text)
    return re.sub(r'" (.*?) "', r'"\1"', text)


def read_documents(folder: Path, split: str) -> list[Document]:
    """Every document of one split, in file order; the first sentence is the headline."""
    docs: list[list[str]] = []
    sentence: list[str] = []
    with gzip.open(folder / FILES[split], "rt", encoding="utf-8", errors="replace") as lines:
        for line in lines:
            token = line.split(" ", 1)[0].strip()
            if token == "-DOCSTART-":
                docs.append([])
                continue
            if not token:
                if sentence and docs:
                    docs[-1].append(detokenize(sentence))
                sentence = []
                continue
            sentence.append(token)
    if sentence and docs:
        docs[-1].append(detokenize(sentence))
    return [Document(f"{split}:{n}", sentences[0] if sentences else "",
                     "\n".join(sentences[1:]))
            for n, sentences in enumerate(docs, start=1)]


def documents(folder: Path) -> dict[str, Document]:
    """Every document of both splits, by id."""
    return {d.doc_id: d for split in FILES for d in read_documents(folder, split)}
