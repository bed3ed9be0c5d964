"""Body extraction on real pages (shared corpus, when present): newswatch against trafilatura's
plain `extract()` with its default settings, both run here on the same pages.

Scorer: bag of whitespace tokens per page (multiset overlap of `str.split()` tokens of the
extracted body against the ground-truth articleBody), precision, recall and F1 per page, then
averaged over pages, as the corpus's upstream evaluate.py does. A page newswatch refuses as
"not an article" scores 0. `python -m eval.extraction_quality --worst 15` lists the pages
that lose most.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import trafilatura

from scrapers.errors import NotAnArticle
from scrapers.extract import decode_html, extract_article

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "article-extraction-benchmark"
SCORER = "bag of whitespace tokens per page, averaged over pages"

Score = tuple[float, float, float]


def prf(predicted: str, truth: str) -> Score:
    p, t = Counter(predicted.split()), Counter(truth.split())
    overlap = sum((p & t).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(t.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def mean_scores(scores: list[Score]) -> Score:
    p, r, f = (statistics.mean(s[i] for s in scores) for i in range(3))
    return p, r, f


def score_pages(corpus: Path = CORPUS) -> tuple[dict[str, dict[str, Score]], dict[str, float]]:
    """Per page id: {"newswatch": (p, r, f), "trafilatura": (p, r, f)}; CPU seconds of each."""
    truth = json.loads((corpus / "ground-truth.json").read_text("utf-8"))
    now = datetime.now(UTC)
    scores: dict[str, dict[str, Score]] = {}
    cpu = {"newswatch": 0.0, "trafilatura": 0.0}
    for item_id, item in sorted(truth.items()):
        html = decode_html(gzip.decompress((corpus / "html" / f"{item_id}.html.gz")
                                           .read_bytes()), "utf-8")
        started = time.process_time()
        try:
            ours = extract_article(html, url=item["url"], source_id="eval", fetched_at=now).body
        except NotAnArticle:
            ours = ""
        cpu["newswatch"] += time.process_time() - started
        started = time.process_time()
        theirs = trafilatura.extract(html, url=item["url"]) or ""
        cpu["trafilatura"] += time.process_time() - started
        scores[item_id] = {"newswatch": prf(ours, item["articleBody"]),
                           "trafilatura": prf(theirs, item["articleBody"])}
    return scores, cpu


def run(corpus: Path = CORPUS) -> list[tuple[str, str]]:
    if not corpus.is_dir():
        return [("extraction", f"skipped: no corpus at {corpus}")]
    scores, cpu = score_pages(corpus)
    pages = len(scores)
    rows = [("extraction scorer", f"{SCORER} ({pages} pages)")]
    for name, seconds in cpu.items():
        p, r, f = mean_scores([s[name] for s in scores.values()])
        label = "newswatch extract_article" if name == "newswatch" else \
            "trafilatura.extract() defaults"
        rows.append((f"extraction: {label}",
                     f"F1 {f:.3f} (precision {p:.3f}, recall {r:.3f}); "
                     f"{seconds / pages * 1000:.1f} ms CPU/page"))
    refused = sum(1 for s in scores.values() if s["newswatch"] == (0.0, 0.0, 0.0))
    rows.append(("extraction: pages newswatch scored 0", str(refused)))
    return rows


def worst(n: int, corpus: Path = CORPUS) -> None:
    truth = json.loads((corpus / "ground-truth.json").read_text("utf-8"))
    scores, _ = score_pages(corpus)
    ranked = sorted(scores.items(), key=lambda kv: kv[1]["newswatch"][2])[:n]
    print(f"{'page':<14} {'ours P/R/F1':<18} {'trafilatura F1':<15} url")
    for item_id, s in ranked:
        p, r, f = s["newswatch"]
        print(f"{item_id[:12]:<14} {p:.2f}/{r:.2f}/{f:.2f}     {s['trafilatura'][2]:.2f}"
              f"            {truth[item_id]['url'][:80]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worst", type=int, default=0, help="list the N lowest-scoring pages")
    args = parser.parse_args()
    if args.worst:
        worst(args.worst)
    else:
        for name, figure in run():
            print(f"  {name:<48} {figure}")
