"""Story clustering against the demo's wire-copy story keys (pairwise precision and recall)."""

from __future__ import annotations

from itertools import combinations

from demo.articles import ARTICLES
from warehouse.stories import StoryIndex, signature


def run() -> list[tuple[str, str]]:
    index = StoryIndex()
    assigned = {}
    for i, a in sorted(enumerate(ARTICLES), key=lambda p: p[1].published_at):
        text = f"{a.headline}\n" + "\n".join(a.paragraphs)
        assigned[i] = index.assign(str(i), signature(text)).story_id
    truth = {i: a.story or f"solo-{i}" for i, a in enumerate(ARTICLES)}
    pairs = list(combinations(range(len(ARTICLES)), 2))
    same_pred = {p for p in pairs if assigned[p[0]] == assigned[p[1]]}
    same_true = {p for p in pairs if truth[p[0]] == truth[p[1]]}
    tp = len(same_pred & same_true)
    precision = tp / len(same_pred) if same_pred else 1.0
    recall = tp / len(same_true) if same_true else 1.0
    return [("stories on demo articles",
             f"pairwise precision {precision:.2f}, recall {recall:.2f} "
             f"({len(same_true)} true same-story pairs among {len(pairs)})")]
