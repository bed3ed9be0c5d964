"""Body extraction on real pages (shared corpus, when present), scored like its upstream:
token precision, recall and F1 on whitespace tokens, averaged over pages. The html-text
full-page baseline from the same corpus is scored alongside."""

from __future__ import annotations

import gzip
import json
import statistics
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from scrapers.errors import NotAnArticle
from scrapers.extract import extract_article

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "article-extraction-benchmark"


def _prf(predicted: str, truth: str) -> tuple[float, float, float]:
    p, t = Counter(predicted.split()), Counter(truth.split())
    overlap = sum((p & t).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(t.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def _summary(name: str, scores: list[tuple[float, float, float]]) -> tuple[str, str]:
    p, r, f = (statistics.mean(s[i] for s in scores) for i in range(3))
    return name, f"F1 {f:.3f} (precision {p:.3f}, recall {r:.3f}) over {len(scores)} pages"


def run(corpus: Path = CORPUS) -> list[tuple[str, str]]:
    if not corpus.is_dir():
        return [("extraction", f"skipped: no corpus at {corpus}")]
    truth = json.loads((corpus / "ground-truth.json").read_text("utf-8"))
    ours, skipped = [], 0
    now = datetime.now(UTC)
    for item_id, item in sorted(truth.items()):
        html = gzip.decompress((corpus / "html" / f"{item_id}.html.gz").read_bytes())
        try:
            body = extract_article(html.decode("utf-8", errors="replace"), url=item["url"],
                                   source_id="eval", fetched_at=now).body
        except NotAnArticle:
            body, skipped = "", skipped + 1
        ours.append(_prf(body, item["articleBody"]))
    baseline_path = corpus / "baseline-output" / "html-text.json.gz"
    baseline = json.loads(gzip.decompress(baseline_path.read_bytes()))
    baseline = baseline.get("output", baseline)
    base = [_prf(baseline.get(k, {}).get("articleBody", ""), v["articleBody"])
            for k, v in sorted(truth.items())]
    name, figure = _summary("extraction: newswatch (trafilatura + metadata)", ours)
    return [(name, f"{figure}; {skipped} judged not an article"),
            _summary("extraction: html-text full-page baseline", base)]
