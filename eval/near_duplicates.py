"""Story clustering on real articles: syndicated copies against same-topic articles.

Originals come from the shared corpus (bbc-news texts, article-extraction-benchmark bodies and
news-html expected bodies). Each original gets one or two seeded syndicated copies
(`eval.syndication`), and a different real article on the same topic (the same bbc-news category,
or for web pages the nearest one by vocabulary) is added as a hard negative. All texts go through
`StoryIndex` in a seeded shuffled order, the way `warehouse.articles` clusters them, and the
clustering is scored on pairs: an original and its copies are one story, every other article is
its own. Cost is the time of `signature` + `assign` per article, the median of a few runs.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from eval.syndication import syndicate
from warehouse.stories import StoryIndex, signature

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SEED = 20240531
MIN_WORDS = 120
_TOKEN = re.compile(r"\w+")
_CONTENT = re.compile(r"[a-z]{4,}")


@dataclass(frozen=True)
class Doc:
    doc_id: str
    topic: str                  # bbc-news category; "web" for the pages that have none
    title: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.title}\n" + "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Item:
    item_id: str
    story: str                  # ground truth: the original's id for it and its copies
    kind: str                   # original | copy | negative
    title: str
    body: str
    edits: tuple[str, ...] = ()


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p for p in (line.strip() for line in text.splitlines()) if p)


def _bbc(corpus: Path) -> list[Doc]:
    path = corpus / "bbc-news" / "bbc-fulltext.jsonl.gz"
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            title, _, body = row["text"].strip().partition("\n")
            docs.append(Doc(f"bbc:{row['id']}", row["category"], title.strip(),
                            _paragraphs(body)))
    return docs


def _slug_title(url: str) -> str | None:
    for part in reversed(urlparse(url).path.split("/")):
        words = [w for w in re.split(r"[-_]+", part.rsplit(".", 1)[0]) if w.isalpha()]
        if len(words) >= 4:
            return " ".join(words).capitalize()
    return None


def _benchmark(corpus: Path) -> list[Doc]:
    truth = json.loads((corpus / "article-extraction-benchmark" / "ground-truth.json")
                       .read_text("utf-8"))
    docs = []
    for item_id, item in sorted(truth.items()):
        paragraphs = _paragraphs(item["articleBody"])
        if not paragraphs:
            continue
        # The ground truth has no headline: the URL slug is the closest thing to one.
        title = _slug_title(item["url"]) or " ".join(paragraphs[0].split()[:10])
        docs.append(Doc(f"aeb:{item_id[:12]}", "web", title, paragraphs))
    return docs


def _news_html(corpus: Path) -> list[Doc]:
    expected = corpus / "news-html" / "expected"
    docs = []
    for line in (expected / "fundus.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        paragraphs = tuple(p.strip() for p in row["body_paragraphs"] if p.strip())
        docs.append(Doc(f"html:{row['file']}", "web", row["title"], paragraphs))
    for line in (expected / "newspaper4k.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        docs.append(Doc(f"html:{row['file']}", "web", row["title"], _paragraphs(row["text"])))
    return docs


def _shingles(text: str) -> frozenset[str]:
    words = _TOKEN.findall(text.lower())
    return frozenset(" ".join(words[i:i + 4]) for i in range(max(1, len(words) - 3)))


class _Distinct:
    """Keeps the chosen real articles distinct: the corpus has its own near-duplicates (bbc-news
    repeats some stories), which would be same-story pairs the ground truth calls different."""

    def __init__(self) -> None:
        self._sizes: list[int] = []
        self._holders: dict[str, list[int]] = {}   # shingle -> chosen articles that have it

    def admit(self, doc: Doc) -> bool:
        mine = _shingles(doc.text)
        common = Counter(k for s in mine for k in self._holders.get(s, ()))
        if any(n / min(len(mine), self._sizes[k]) >= 0.2 for k, n in common.items()):
            return False
        for s in mine:
            self._holders.setdefault(s, []).append(len(self._sizes))
        self._sizes.append(len(mine))
        return True


_VOCABULARY: dict[str, frozenset[str]] = {}


def _vocabulary(doc: Doc) -> frozenset[str]:
    if doc.doc_id not in _VOCABULARY:
        _VOCABULARY[doc.doc_id] = frozenset(_CONTENT.findall(doc.text.lower()))
    return _VOCABULARY[doc.doc_id]


def _nearest(doc: Doc, pool: list[Doc], used: set[str]) -> list[Doc]:
    """Pool articles other than `doc`, most similar vocabulary first (the hardest negatives)."""
    mine = _vocabulary(doc)

    def closeness(other: Doc) -> float:
        theirs = _vocabulary(other)
        return len(mine & theirs) / len(mine | theirs)

    return sorted((d for d in pool if d.doc_id not in used), key=closeness, reverse=True)


def build(corpus: Path = CORPUS, originals: int = 150, seed: int = SEED) -> list[Item]:
    """Originals, their syndicated copies and same-topic negatives, in a seeded shuffled order."""
    rng = random.Random(seed)
    docs = [d for d in [*_bbc(corpus), *_benchmark(corpus), *_news_html(corpus)]
            if len(d.paragraphs) >= 3 and len(" ".join(d.paragraphs).split()) >= MIN_WORDS]
    by_topic: dict[str, list[Doc]] = {}
    for doc in docs:
        by_topic.setdefault(doc.topic, []).append(doc)
    topics = sorted(by_topic)
    for topic in topics:
        rng.shuffle(by_topic[topic])
    # Three in five originals from bbc-news (split over its categories), the rest from the web.
    quota = dict.fromkeys(topics, 0)
    bbc_topics = [t for t in topics if t != "web"]
    quota["web"] = originals if not bbc_topics else originals * 2 // 5
    for i in range(originals - quota["web"]):
        quota[bbc_topics[i % len(bbc_topics)]] += 1
    distinct = _Distinct()
    used: set[str] = set()
    items: list[Item] = []
    for topic in topics:
        pool = by_topic[topic]
        chosen = 0
        for doc in pool:
            if chosen == quota[topic]:
                break
            if doc.doc_id in used or not distinct.admit(doc):
                continue
            used.add(doc.doc_id)
            chosen += 1
            items.append(Item(doc.doc_id, doc.doc_id, "original", doc.title,
                              "\n\n".join(doc.paragraphs)))
            for n in range(rng.randint(1, 2)):
                copy = syndicate(doc.title, list(doc.paragraphs), rng)
                items.append(Item(f"{doc.doc_id}#copy{n}", doc.doc_id, "copy", copy.title,
                                  "\n\n".join(copy.paragraphs), copy.edits))
            for other in _nearest(doc, rng.sample(pool, min(len(pool), 300)), used):
                if distinct.admit(other):
                    used.add(other.doc_id)
                    items.append(Item(other.doc_id, other.doc_id, "negative", other.title,
                                      "\n\n".join(other.paragraphs)))
                    break
    rng.shuffle(items)
    return items


def _pairs(counts: Counter) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def score(items: list[Item], stories: dict[str, str]) -> tuple[float, float, float, int]:
    """Pairwise precision, recall, F1 and the number of true same-story pairs."""
    predicted = _pairs(Counter(stories[i.item_id] for i in items))
    true = _pairs(Counter(i.story for i in items))
    both = _pairs(Counter((stories[i.item_id], i.story) for i in items))
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, true


def cluster(items: list[Item]) -> tuple[dict[str, str], float, float]:
    """Story id per item, and microseconds per article spent in `signature` and in `assign`."""
    index = StoryIndex()
    stories: dict[str, str] = {}
    sig_ns = assign_ns = 0
    for item in items:
        t0 = time.perf_counter_ns()
        sig = signature(f"{item.title}\n{item.body}")
        t1 = time.perf_counter_ns()
        stories[item.item_id] = index.assign(item.item_id, sig).story_id
        assign_ns += time.perf_counter_ns() - t1
        sig_ns += t1 - t0
    return stories, sig_ns / len(items) / 1000, assign_ns / len(items) / 1000


def _errors(items: list[Item], stories: dict[str, str]) -> str:
    # Where each true story's articles ended up: the cluster most of them share is "theirs".
    home: dict[str, str] = {}
    for story in {i.story for i in items}:
        votes = Counter(stories[i.item_id] for i in items if i.story == story)
        home[story] = votes.most_common(1)[0][0]
    split = [i for i in items if stories[i.item_id] != home[i.story]]
    owners = Counter(home.values())
    merged = sum(1 for i in items if i.kind != "copy" and owners[stories[i.item_id]] > 1
                 and stories[i.item_id] == home[i.story])
    edits = Counter(e for i in split if i.kind == "copy" for e in i.edits)
    common = ", ".join(f"{e} {n}" for e, n in edits.most_common(4))
    return (f"{len(split)} of {len(items)} articles split from their story"
            + (f" (edits among split copies: {common})" if common else "")
            + f"; {merged} {'story' if merged == 1 else 'stories'} merged with another")


def run(corpus: Path = CORPUS, originals: int = 150, seed: int = SEED,
        repeats: int = 3) -> list[tuple[str, str]]:
    name = "near-duplicates: copies vs same-topic articles"
    if not corpus.is_dir():
        return [(name, f"skipped: no corpus at {corpus}")]
    items = build(corpus, originals, seed)
    runs = [cluster(items) for _ in range(max(1, repeats))]
    stories = runs[0][0]
    precision, recall, f1, true_pairs = score(items, stories)
    kinds = Counter(i.kind for i in items)
    sig_us = statistics.median(r[1] for r in runs)
    assign_us = statistics.median(r[2] for r in runs)
    return [
        (name, f"pairwise precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f} "
               f"(goal >= 0.95; {kinds['original']} originals, {kinds['copy']} copies, "
               f"{kinds['negative']} hard negatives, {true_pairs} true pairs)"),
        ("near-duplicates: errors", _errors(items, stories)),
        ("near-duplicates: cost per article",
         f"{sig_us + assign_us:.0f} us (signature {sig_us:.0f} + assign {assign_us:.0f}), "
         f"median of {len(runs)} runs over {len(items)} articles"),
    ]


if __name__ == "__main__":
    for row in run():
        print(*row, sep="  ")
