"""The shipped rules against the demo articles' ground-truth labels."""

from __future__ import annotations

from pathlib import Path

from core.records import ArticleText
from demo.articles import ARTICLES
from pipeline.config import load_config
from rules.matcher import CompiledRules


def run(config_dir: Path = Path("config")) -> list[tuple[str, str]]:
    config = load_config(config_dir)
    compiled = CompiledRules(config.rules, config.entities)   # rules may name entities
    rows = [("rules: rule left out", p) for p in compiled.problems]
    for rule in compiled.rules:
        expected = {i for i, a in enumerate(ARTICLES) if rule.id in a.labels}
        if not expected:
            continue
        found = {i for i, a in enumerate(ARTICLES)
                 if any(m.rule_id == rule.id for m in compiled.evaluate(ArticleText(
                     str(i), str(i), a.site, a.headline, a.summary, "\n".join(a.paragraphs))))}
        tp = len(found & expected)
        precision = tp / len(found) if found else 0.0
        recall = tp / len(expected)
        rows.append((f"rule {rule.id} on demo articles",
                     f"precision {precision:.2f}, recall {recall:.2f} "
                     f"({tp} of {len(expected)} labelled, {len(found) - tp} false alarms, "
                     f"{len(ARTICLES)} articles)"))
    return rows
