"""The `upcoming-summits` rule on whole wire stories, as it meets articles in production.

The sentence-level dev set (eval/summits_quality.py) scores one sentence at a time. A real
article is longer: a meeting word in one paragraph and a role in another both count, and any
sentence with an event term may give the date. Here every dated Reuters story of
`conll2003-dev` (headline, then the body without its dateline) goes through the matcher and the
event date, published at noon UTC of its dateline's day.

A story is positive when one of its sentences is a labelled positive of the sentence set
(its gold values are the story's); eval/data/summits_stories.tsv adds what the sentence set does
not say about a whole story: stories left out as unclear, and positives it does not hold.
Every other dated story is a negative. The sentence set was built by reading every sentence the
rule fired on across the corpus, so a story it fires on and nobody labelled is counted as a
false alarm until someone judges it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

from core.records import ArticleText
from eval.conll_corpus import WireStory, corpus_dir, read_stories
from eval.summits_quality import RULE, exact, miss_kind, read_labels
from pipeline.config import load_config
from rules.dates import find_dates
from rules.events import apply_events
from rules.matcher import CompiledRules

STORY_LABELS = Path(__file__).parent / "data" / "summits_stories.tsv"


@dataclass(frozen=True)
class StoryResult:
    story_id: str
    golds: tuple[str, ...]          # empty for a negative
    found: str | None               # the event date the rule gave, None when it did not fire
    headline: str


def story_golds() -> tuple[dict[str, set[str]], set[str]]:
    """Positive stories with their gold values, and the stories left out as unclear."""
    golds: dict[str, set[str]] = {}
    for item_id, gold, _kind in read_labels():
        if gold and item_id.split(":")[0] in ("train", "testa"):
            golds.setdefault(item_id.split("|")[0], set()).add(gold)
    unclear: set[str] = set()
    for line in STORY_LABELS.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        story_id, label = line.split("\t")[:2]
        if label == "unclear":
            unclear.add(story_id)
        else:
            golds.setdefault(story_id, set()).add(label)
    return golds, unclear


def article(story: WireStory) -> ArticleText:
    assert story.published is not None, story.doc_id
    body = "\n".join(s for i, s in enumerate(story.sentences[1:], 1) if i != story.dateline)
    return ArticleText(story.doc_id, story.doc_id, "dev", story.sentences[0], None, body,
                       published_at=datetime.combine(story.published, time(12), tzinfo=UTC))


def evaluate(folder: Path, config_dir: Path = Path("config")) -> tuple[list[StoryResult], int]:
    """Each judged story with the date the rule found, and how many were left out."""
    config = load_config(config_dir)
    rule = next(r for r in config.rules if r.id == RULE)
    compiled = CompiledRules([rule], config.entities)
    golds, unclear = story_golds()
    results = []
    for story_id, story in read_stories(folder).items():
        if story.published is None or story_id in unclear:
            continue
        text = article(story)
        found = apply_events(compiled, text, compiled.evaluate(text), {rule.id: rule},
                             find_dates)
        event = found[0].event_date if found else None
        results.append(StoryResult(story_id, tuple(sorted(golds.get(story_id, ()))),
                                   event.value if event else None, story.sentences[0]))
    return results, len(unclear)


def scores(results: list[StoryResult]) -> tuple[float, float, float]:
    fired = [r for r in results if r.found is not None]
    true = [r for r in fired if r.golds]
    positives = [r for r in results if r.golds]
    precision = len(true) / len(fired) if fired else 0.0
    recall = len(true) / len(positives) if positives else 0.0
    dated = sum(any(exact(r.found or "", g) for g in r.golds) for r in true) / len(true) \
        if true else 0.0
    return precision, recall, dated


def run(folder: Path | None = None) -> list[tuple[str, str]]:
    folder = folder or corpus_dir()
    if folder is None:
        return [("summits: whole stories", "skipped (../shared/corpus is absent)")]
    results, left_out = evaluate(folder)
    precision, recall, dated = scores(results)
    positives = sum(1 for r in results if r.golds)
    rows = [(f"rule {RULE}, whole wire stories",
             f"precision {precision:.2f}, recall {recall:.2f}, event date exact {dated:.2f} "
             f"({positives} positive stories, {len(results) - positives} negative, "
             f"{left_out} left out as unclear)")]
    for r in results:
        what = miss_kind(r.golds, r.found)
        if what is not None:
            rows.append((f"  story {r.story_id}",
                         f"{what}: gold {'/'.join(r.golds) or '-'} found {r.found or '-'} "
                         f"{r.headline[:70]!r}"))
    return rows


def main() -> None:
    for name, figure in run():
        print(f"  {name:<48} {figure}")


if __name__ == "__main__":
    main()
