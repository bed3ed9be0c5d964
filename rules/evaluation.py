"""Score rules against labelled articles: precision, recall, F1, and what went wrong.

A labels file is JSON lines, one article each: `url`, `title`, `body` (optional `summary`,
`published_at`, `source`, `language`, `section`) and `labels: {rule_id: true|false}`. A rule is
scored only on the articles that carry a label for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from core.records import ArticleText, Match
from rules.explain import explain
from rules.matcher import CompiledRules

T = TypeVar("T")

LABELS_HELP = ("each line needs a JSON object with url, title, body and labels "
               "({rule_id: true|false}); published_at, source, language optional")


@dataclass(frozen=True)
class Labelled:
    url: str
    article: ArticleText
    labels: dict[str, bool]


@dataclass(frozen=True)
class Miss:
    """A false positive (what fired) or a false negative (the nearest miss)."""

    url: str
    title: str
    sentence: str | None
    lines: tuple[str, ...]


@dataclass
class RuleScore:
    rule_id: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    false_positives: list[Miss] = field(default_factory=list)
    false_negatives: list[Miss] = field(default_factory=list)

    @property
    def labelled(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        """None when the rule matched nothing: no precision to speak of."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p is not None and r is not None and p + r else None

    def as_json(self) -> dict[str, Any]:
        def miss(m: Miss) -> dict[str, Any]:
            return {"url": m.url, "title": m.title, "sentence": m.sentence,
                    "why": list(m.lines)}
        return {"rule": self.rule_id, "precision": self.precision, "recall": self.recall,
                "f1": self.f1, "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "labelled": self.labelled,
                "false_positives": [miss(m) for m in self.false_positives],
                "false_negatives": [miss(m) for m in self.false_negatives]}


def article_from_json(data: dict[str, Any]) -> ArticleText:
    """An article from one JSON object (the `newswatch match` and labels file format)."""
    missing = [k for k in ("url", "title", "body") if not isinstance(data.get(k), str)]
    if missing:
        raise ValueError(f"missing or not text: {', '.join(missing)}")
    published = data.get("published_at")
    when = None
    if published:
        when = datetime.fromisoformat(str(published).replace("Z", "+00:00"))
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
    article_id = hashlib.sha256(data["url"].encode()).hexdigest()[:24]
    return ArticleText(article_id, article_id, str(data.get("source") or ""), data["title"],
                       data.get("summary"), data["body"], language=data.get("language"),
                       section=data.get("section"), published_at=when)


def json_lines(path: Path, problems: list[str], parse: Callable[[dict[str, Any]], T],
               help_text: str) -> Iterator[T]:
    """`parse` of each JSON object line; a bad line is a problem (file:line: what is wrong,
    then `help_text`) and is skipped, so the other lines still run."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise ValueError("expected a JSON object")
                yield parse(data)
            except (ValueError, TypeError) as exc:
                problems.append(f"{path}:{number}: {exc}; {help_text}")


def read_labels(path: Path, problems: list[str]) -> list[Labelled]:
    """Every valid line; a bad line is a problem (file:line: what is wrong) and is skipped."""
    return list(json_lines(path, problems, _labelled, LABELS_HELP))


def _labelled(data: dict[str, Any]) -> Labelled:
    labels = data.get("labels")
    if not isinstance(labels, dict) or not all(isinstance(v, bool) for v in labels.values()):
        raise ValueError("labels must be an object of rule id: true|false")
    return Labelled(data["url"], article_from_json(data), labels)


def labels_line(url: str, article: ArticleText, labels: dict[str, bool]) -> str:
    """One line of a labels file (what `rules eval --from-feedback` writes)."""
    data: dict[str, Any] = {"url": url, "title": article.title, "body": article.body}
    if article.summary:
        data["summary"] = article.summary
    if article.published_at is not None:
        data["published_at"] = article.published_at.isoformat()
    if article.source_id:
        data["source"] = article.source_id
    if article.language:
        data["language"] = article.language
    data["labels"] = labels
    return json.dumps(data, ensure_ascii=False)


Evaluate = Callable[[ArticleText], Sequence[Match]]


def score(compiled: CompiledRules, items: Iterable[Labelled], evaluate: Evaluate | None = None,
          now: datetime | None = None) -> list[RuleScore]:
    """Scores of every loaded rule that has at least one label, in the rules' order.
    `evaluate` is the full match (with event dates); default: the matcher alone."""
    run = evaluate or (lambda article: compiled.evaluate(article, now))
    scores = {r.id: RuleScore(r.id) for r in compiled.rules}
    for item in items:
        wanted = {rid: v for rid, v in item.labels.items() if rid in scores}
        if not wanted:
            continue
        matches = {m.rule_id: m for m in run(item.article) if m.rule_id in wanted}
        for rule_id, expected in wanted.items():
            _count(scores[rule_id], compiled, item, expected, matches.get(rule_id), now)
    return [s for s in scores.values() if s.labelled]


def _count(result: RuleScore, compiled: CompiledRules, item: Labelled, expected: bool,
           match: Match | None, now: datetime | None) -> None:
    if match is not None and expected:
        result.tp += 1
    elif match is None and not expected:
        result.tn += 1
    elif match is not None:
        result.fp += 1
        result.false_positives.append(Miss(item.url, item.article.title, match.sentence,
                                           tuple(_fired(match))))
    else:
        result.fn += 1
        why = explain(compiled, result.rule_id, item.article, matched=False, now=now)
        lines = [f"left out by {why.left_out_by}"] if why.left_out_by else []
        lines += [c.line() for c in why.clauses]
        result.false_negatives.append(Miss(item.url, item.article.title, why.sentence,
                                           tuple(lines)))


def _fired(match: Match) -> list[str]:
    """Each condition that fired once, with the words and the fields it was found in."""
    found: dict[str, tuple[str, list[str]]] = {}
    for e in match.evidence:
        _, fields = found.setdefault(e.condition, (e.text, []))
        if e.field not in fields:
            fields.append(e.field)
    return [f"fired: {condition} -> {text!r} in {', '.join(fields)}"
            for condition, (text, fields) in found.items()]


def unknown_rules(items: Iterable[Labelled], compiled: CompiledRules) -> list[str]:
    """Rule ids that are labelled but not among the rules loaded."""
    known = {r.id for r in compiled.rules}
    return sorted({rid for item in items for rid in item.labels} - known)
