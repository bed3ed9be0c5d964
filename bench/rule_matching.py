"""Rule matching: the compiled term index against one regex per term per article.

The baseline is what a rule engine without a multi-pattern matcher does: for every rule, search
every article with a regex that already covers the variants (hyphen, space, plural).
"""

from __future__ import annotations

import re

from bench.timing import median_seconds
from demo.articles import ARTICLES
from rules.matcher import ArticleText, CompiledRules
from rules.models import Rule

_VOCABULARY = sorted({w.lower() for a in ARTICLES for p in a.paragraphs
                      for w in re.findall(r"[A-Za-z]{6,}", p)})


def _rules(count: int) -> list[Rule]:
    terms = ["ceasefire", *_VOCABULARY]
    return [Rule(id=f"r{i}", name=f"rule {i}", channels=["x"],
                 match={"any": [terms[i % len(terms)], f"zz{i} placeholder"]})
            for i in range(count)]


def _baseline(rules: list[Rule], texts: list[ArticleText]) -> int:
    patterns = []
    for rule in rules:
        for term in rule.match.any or ():
            assert isinstance(term, str)
            words = [re.escape(w) for w in term.split()]
            patterns.append(re.compile(r"\b" + r"[\s-]?".join(words) + r"(?:s|es)?\b", re.I))
    hits = 0
    for text in texts:
        joined = f"{text.title}\n{text.body}"
        hits += sum(1 for p in patterns if p.search(joined))
    return hits


def run(repeats: int = 5) -> list[tuple[str, str]]:
    texts = [ArticleText(f"a{i}", f"a{i}", a.site, a.headline, a.summary, "\n".join(a.paragraphs))
             for i, a in enumerate(ARTICLES)]
    rows = []
    for count in (10, 100, 1000):
        rules = _rules(count)
        compiled = CompiledRules(rules)
        ours = median_seconds(lambda c=compiled: [c.evaluate(t) for t in texts], repeats)
        base = median_seconds(lambda r=rules: _baseline(r, texts), repeats)
        per_article_ms = ours / len(texts) * 1000
        rows.append((f"rules: {count:>4} rules x {len(texts)} articles",
                     f"{per_article_ms:7.2f} ms/article; regex-per-term baseline "
                     f"{base / len(texts) * 1000:7.2f} ms/article; speed-up x{base / ours:.1f}"))
    return rows
