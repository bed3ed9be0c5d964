"""The `upcoming-summits` rule on the project's labelled development set.

Each labelled item is one sentence of a corpus under ../shared/corpus (CoNLL-2003's Reuters
wire stories, TimeML, news-html), named by a stable id in eval/data/summits_dev.tsv and read at
run time, so no corpus text is kept here. An item is an article whose body is the sentence (a
wire story's lead keeps its dateline line above it) published at noon UTC of its date. The rule
runs as in production: the matcher, then the event date with its window and `upcoming`.

Precision and recall count items; a true positive's date is exact when its TIMEX3 value equals
the gold value, or for day-level gold when the found span starts on that day.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from core.records import ArticleText
from eval.conll_corpus import corpus_dir, read_stories
from eval.timeml_corpus import read_corpus
from pipeline.config import load_config
from rules.dates import find_dates
from rules.dates.tense import sentence_bounds
from rules.events import apply_events
from rules.matcher import CompiledRules

LABELS = Path(__file__).parent / "data" / "summits_dev.tsv"
RULE = "upcoming-summits"


@dataclass(frozen=True)
class Item:
    item_id: str
    gold: str                  # "" for a negative
    kind: str
    text: str
    published: date

    @property
    def held_out(self) -> bool:
        return not self.item_id.startswith("train:")


def read_labels(path: Path = LABELS) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("id\t"):
            continue
        item_id, gold, kind = [*line.split("\t"), "", ""][:3]
        rows.append((item_id, gold, kind))
    return rows


def load_items(shared: Path) -> list[Item]:
    """Every labelled sentence with its text, from the corpora under `shared`."""
    stories = read_stories(shared / "conll2003-dev")
    timeml = {d.name: d for d in read_corpus(shared / "timeml-dev")}
    pages = _news_html(shared / "news-html")
    items = []
    for item_id, gold, kind in read_labels():
        prefix, _, rest = item_id.partition(":")
        if prefix in ("train", "testa"):
            doc, sentence = rest.split("|")
            story = stories[f"{prefix}:{doc}"]
            index = int(sentence)
            text = story.sentences[index]
            if story.dateline is not None and index == story.dateline + 1:
                text = f"{story.sentences[story.dateline]}\n{text}"
            assert story.published is not None, item_id
            items.append(Item(item_id, gold, kind, text, story.published))
        elif prefix == "tml":
            name, offset = rest.rsplit(":", 1)
            tml = timeml[name]
            items.append(Item(item_id, gold, kind, _sentence_at(tml.text, int(offset)),
                              tml.created))
        else:
            name, offset = rest.rsplit(":", 1)
            body, published = pages[name]
            items.append(Item(item_id, gold, kind, _sentence_at(body, int(offset)), published))
    return items


def _sentence_at(text: str, offset: int) -> str:
    first = len(text[offset:]) - len(text[offset:].lstrip())
    low, high = sentence_bounds(text, offset + first, offset + first + 1)
    return " ".join(text[low:high].split())


def _news_html(folder: Path) -> dict[str, tuple[str, date]]:
    pages = {}
    for expected in sorted((folder / "expected").glob("*.jsonl")):
        for line in expected.read_text("utf-8").splitlines():
            data = json.loads(line)
            body = data.get("body") or data.get("text") or "\n".join(
                data.get("body_paragraphs") or [])
            when = data.get("publishing_date") or data.get("date") or data.get("publish_date")
            key = data.get("file") or data.get("id") or data.get("url")
            if isinstance(body, str) and when and key:
                pages[str(key)] = (body, date.fromisoformat(str(when)[:10]))
    return pages


def evaluate(items: list[Item], config_dir: Path = Path("config")) -> list[tuple[Item, str | None]]:
    """Each item with the event date the rule found (None: no match)."""
    config = load_config(config_dir)
    rule = next(r for r in config.rules if r.id == RULE)
    compiled = CompiledRules([rule], config.entities)
    out = []
    for item in items:
        at = datetime.combine(item.published, time(12), tzinfo=UTC)
        article = ArticleText(item.item_id, item.item_id, "dev", "", None, item.text,
                              published_at=at)
        found = apply_events(compiled, article, compiled.evaluate(article), {rule.id: rule},
                             find_dates)
        event = found[0].event_date if found else None
        out.append((item, event.value if event else None))
    return out


def exact(found: str, gold: str) -> bool:
    if found == gold:
        return True
    return len(gold) == 10 and found[:10] == gold      # day-level gold, a time on that day


def miss_kind(golds: Sequence[str], found: str | None) -> str | None:
    """What went wrong with one item or story ("missed", "false alarm", "wrong date"), or None
    when the rule got it right."""
    if not golds:
        return None if found is None else "false alarm"
    if found is None:
        return "missed"
    return None if any(exact(found, g) for g in golds) else "wrong date"


def scores(results: list[tuple[Item, str | None]]) -> tuple[float, float, float, int, int]:
    positives = [(i, f) for i, f in results if i.gold]
    flagged = [(i, f) for i, f in results if f is not None]
    true = [(i, f) for i, f in positives if f is not None]
    precision = len(true) / len(flagged) if flagged else 0.0
    recall = len(true) / len(positives) if positives else 0.0
    dated = sum(exact(f, i.gold) for i, f in true if f) / len(true) if true else 0.0
    return precision, recall, dated, len(positives), len(results) - len(positives)


def run(shared: Path | None = None) -> list[tuple[str, str]]:
    conll = corpus_dir()
    shared = shared or (conll.parent if conll else None)
    if shared is None or not (shared / "timeml-dev").is_dir():
        return [("summits: dev set", "skipped (../shared/corpus is absent)")]
    results = evaluate(load_items(shared))
    rows = []
    for name, part in (("first tuned", [r for r in results if not r[0].held_out]),
                       ("once held out", [r for r in results if r[0].held_out]),
                       ("whole", results)):
        p, r, d, npos, nneg = scores(part)
        rows.append((f"rule {RULE}, dev set {name}",
                     f"precision {p:.2f}, recall {r:.2f}, event date exact {d:.2f} "
                     f"({npos} positives, {nneg} negatives; must be >= 0.90 each)"))
    for item, found in results:
        what = miss_kind([item.gold] if item.gold else [], found)
        if what is not None:
            rows.append((f"  miss {item.item_id}",
                         f"{what}: gold {item.gold or '-'} found {found or '-'} "
                         f"[{item.kind or 'positive'}] {item.text[:90]!r}"))
    return rows


def main() -> None:
    for name, figure in run():
        print(f"  {name:<48} {figure}")


if __name__ == "__main__":
    main()
