"""Why a rule did or did not match an article, in words a rule writer can act on.

For a match: the conditions that fired. For a miss: the nearest miss, clause by clause (the
clauses of the rule's `match` that held, the one that did not, the `none:` item that excluded
the article), or the filter (sources, languages, sections, max_age) or event window that left
it out. Used by `newswatch rules eval` for its false negatives and by `rules test` for the
articles a rule excluded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.records import ArticleText
from rules.conditions import AnyOf, ArticleScan, AtomLeaf, NearNode, Node, RegexNode, SentenceNode
from rules.matcher import CompiledRules
from rules.models import Rule

_SHOWN_ITEMS = 6     # a clause of forty names is shown by its first few
_LONGEST = 160


@dataclass(frozen=True)
class Clause:
    """One clause of a rule: `held`, `missing` or `excluded` (a `none:` item that held)."""

    status: str
    text: str                       # the clause as written, shortened
    found: tuple[str, ...] = ()     # the article's words that made it hold
    depth: int = 0                  # 1 for the clauses of a nearest-miss alternative

    def line(self) -> str:
        words = f" ({', '.join(repr(w) for w in self.found)})" if self.found else ""
        return f"{'  ' * self.depth}{self.status}: {self.text}{words}"


@dataclass(frozen=True)
class Explanation:
    """Why a rule missed an article (`matched` False) or what fired (`matched` True)."""

    matched: bool
    clauses: tuple[Clause, ...] = ()
    left_out_by: str | None = None  # a filter or the event window
    sentence: str | None = None     # the sentence of the nearest miss (or the match)
    extra: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"left out by {self.left_out_by}"] if self.left_out_by else []
        out += [c.line() for c in self.clauses]
        if self.sentence:
            out.append(f"sentence: {self.sentence}")
        return out


def describe(node: Node, labels: list[str]) -> str:
    """A compiled condition as the rule writer wrote it, shortened."""
    if isinstance(node, AtomLeaf):
        return labels[node.atom]
    if isinstance(node, NearNode):
        return f"near: [{', '.join(labels[a] for a in node.atoms)}] within {node.within}"
    if isinstance(node, SentenceNode):
        return f"sentence: [{', '.join(labels[a] for a in node.atoms)}]"
    if isinstance(node, RegexNode):
        return node.label
    assert isinstance(node, AnyOf)
    parts = []
    for key in ("all", "any", "none"):
        items = getattr(node, key)
        if items is None:
            continue
        shown = ", ".join(describe(n, labels) for n in items[:_SHOWN_ITEMS])
        more = f", ... {len(items) - _SHOWN_ITEMS} more" if len(items) > _SHOWN_ITEMS else ""
        parts.append(f"{key}: [{shown}{more}]")
    text = "{" + "; ".join(parts) + "}" if len(parts) > 1 else parts[0]
    if node.only is not None:
        text += f" in {', '.join(sorted(node.only))}"
    return text if len(text) <= _LONGEST else text[:_LONGEST - 1] + "…"


def filter_reason(rule: Rule, article: ArticleText, now: datetime | None = None) -> str | None:
    """The filter of the rule that leaves the article out, or None (rules.matcher applies the
    same filters)."""
    if rule.sources is not None and article.source_id not in rule.sources:
        return f"sources: {article.source_id or 'no source'!r} is not in {rule.sources}"
    if rule.languages is not None:
        language = (article.language or "").lower()
        if not any(language == w or language.startswith(f"{w}-") for w in rule.languages):
            return f"languages: {language or 'unknown'!r} is not in {rule.languages}"
    if rule.sections is not None:
        section = (article.section or "").strip().lower()
        if section not in rule.sections:
            return f"sections: {section or 'none'!r} is not in {rule.sections}"
    published = article.published_at
    if rule.max_age is not None and published is not None:
        published = published if published.tzinfo else published.replace(tzinfo=UTC)
        age = (now or datetime.now(UTC)) - published
        if age > rule.max_age:
            return f"max_age: published {age} before the evaluation, more than {rule.max_age}"
    return None


def _found(node: Node, scan: ArticleScan, fields: frozenset[str], labels: list[str]) -> tuple[
        str, ...]:
    words = {e.text.lower(): e.text for e in node.evidence(scan, fields, labels)}
    return tuple(words.values())[:3]


def clauses(tree: AnyOf, scan: ArticleScan, fields: frozenset[str],
            labels: list[str]) -> list[Clause]:
    """Each top-level clause of a rule's `match` with whether it held in this article."""
    if tree.only is not None:
        fields = fields & tree.only
    out: list[Clause] = []
    for node in tree.all or ():
        held = node.holds(scan, fields)
        out.append(Clause("held" if held else "missing", describe(node, labels),
                          _found(node, scan, fields, labels) if held else ()))
    if tree.any is not None:
        out.extend(_any_clause(tree.any, scan, fields, labels))
    for node in tree.none or ():
        if node.holds(scan, fields):
            out.append(Clause("excluded", "none: " + describe(node, labels),
                              _found(node, scan, fields, labels)))
    return out


def _any_clause(items: tuple[Node, ...], scan: ArticleScan, fields: frozenset[str],
                labels: list[str]) -> list[Clause]:
    """An `any` that held, with its words; one that did not, with its nearest alternative
    (the nested condition with the most clauses holding) spelled out clause by clause."""
    held_items = [n for n in items if n.holds(scan, fields)]
    text = "any: " + describe(AnyOf(items, None, None), labels).removeprefix("any: ")
    if held_items:
        found = tuple({w.lower(): w for n in held_items
                       for w in _found(n, scan, fields, labels)}.values())[:3]
        return [Clause("held", text, found)]
    nested = [(i, clauses(n, scan, fields, labels)) for i, n in enumerate(items)
              if isinstance(n, AnyOf)]
    if not nested:
        return [Clause("missing", text)]
    index, best = max(nested, key=lambda pair: (
        sum(c.status == "held" for c in pair[1]) - sum(c.status != "held" for c in pair[1]),
        -pair[0]))
    if not any(c.status == "held" for c in best):
        return [Clause("missing", text)]
    head = Clause("missing", f"any: none of {len(items)} alternatives held; nearest miss, "
                  f"alternative {index + 1}:")
    return [head, *(Clause(c.status, c.text, c.found, c.depth + 1) for c in best)]


def explain(compiled: CompiledRules, rule_id: str, article: ArticleText,
            matched: bool, now: datetime | None = None) -> Explanation:
    """Why `rule_id` matched (`matched`) or missed the article."""
    found = compiled.compiled_rule(rule_id)
    if found is None:
        return Explanation(matched, left_out_by=f"rule {rule_id} is not loaded")
    rule, tree, fields, labels = found
    scan = compiled.scan(article)
    parts = tuple(clauses(tree, scan, fields, labels))
    sentence = _nearest_sentence(tree, scan, fields, labels)
    if matched:
        return Explanation(True, parts, sentence=sentence)
    reason = filter_reason(rule, article, now)
    if reason is None and tree.holds(scan, fields) and rule.event is not None:
        low, high = rule.event.window_days
        reason = (f"event: no date in the same sentence as {', '.join(rule.event.terms)} "
                  f"falls {low} to {high} days after publication")
    return Explanation(False, parts, left_out_by=reason, sentence=sentence)


def _nearest_sentence(tree: AnyOf, scan: ArticleScan, fields: frozenset[str],
                      labels: list[str]) -> str | None:
    """The sentence holding the most of the rule's positive evidence."""
    evidence = [e for node in (*(tree.all or ()), *(tree.any or ()))
                for e in node.evidence(scan, fields, labels) if node.holds(scan, fields)]
    if not evidence:
        return None
    counts: dict[tuple[str, int, int], set[str]] = {}
    for e in evidence:
        counts.setdefault((e.field, e.sentence_start, e.sentence_end), set()).add(e.condition)
    (field_name, start, end), _ = max(counts.items(), key=lambda kv: (len(kv[1]), -kv[0][1]))
    return scan.texts[field_name][start:end]


def _without_none(node: AnyOf) -> AnyOf:
    def strip(child: Node) -> Node:
        return _without_none(child) if isinstance(child, AnyOf) else child
    return AnyOf(None if node.any is None else tuple(strip(n) for n in node.any),
                 None if node.all is None else tuple(strip(n) for n in node.all),
                 None, node.only)


def exclusion(compiled: CompiledRules, rule_id: str, article: ArticleText,
              now: datetime | None = None) -> list[str] | None:
    """For an article the rule did not match: why, if only a `none:` clause, a filter or the
    event window kept it out (what `rules test` lists as excluded); None otherwise."""
    found = compiled.compiled_rule(rule_id)
    if found is None:
        return None
    _, tree, fields, labels = found
    scan = compiled.scan(article)
    if tree.holds(scan, fields):
        why = explain(compiled, rule_id, article, matched=False, now=now)
        return [f"left out by {why.left_out_by}"] if why.left_out_by else None
    if not _without_none(tree).holds(scan, fields):
        return None
    return [c.line() for c in clauses(tree, scan, fields, labels)]
