"""All rules compiled into one term index, evaluated once per article.

Every term of every rule is indexed by its normal-form key. An article is scanned once per
field: each token position looks up the word n-grams (and hyphen/space compounds) that start
there, so the cost grows with the article's length, not with the number of rules. Only rules
whose terms were found are then evaluated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rules.models import Condition, Match, Rule
from rules.text import Sentence, normalize, sentences, term_keys, tokens

_MAX_COMPOUND = 3   # "cease fire" -> "ceasefire"; longer joined compounds are not a thing
_FIELD_PREFERENCE = {"body": 0, "summary": 1, "title": 2}   # evidence: a body sentence says most


@dataclass(frozen=True)
class ArticleText:
    article_id: str
    story_id: str
    source_id: str
    title: str
    summary: str | None
    body: str


@dataclass(frozen=True)
class _Hit:
    field: str
    sentence_index: int
    sentence: str
    surface: str


@dataclass(frozen=True)
class _Node:
    """A condition with its terms replaced by term ids."""

    any: tuple[int | _Node, ...] | None
    all: tuple[int | _Node, ...] | None
    none: tuple[int | _Node, ...] | None

    def holds(self, present: set[int]) -> bool:
        def ok(item: int | _Node) -> bool:
            return item in present if isinstance(item, int) else item.holds(present)

        return ((self.any is None or any(ok(i) for i in self.any))
                and (self.all is None or all(ok(i) for i in self.all))
                and (self.none is None or not any(ok(i) for i in self.none)))

    def positive_terms(self) -> set[int]:
        out: set[int] = set()
        for item in (*(self.any or ()), *(self.all or ())):
            out |= {item} if isinstance(item, int) else item.positive_terms()
        return out


class CompiledRules:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = [r for r in rules if r.enabled]
        self._term_ids: dict[str, int] = {}
        self._index: dict[tuple[str, ...], set[int]] = defaultdict(set)
        self._term_rules: dict[int, set[int]] = defaultdict(set)
        # Lower-case prefixes of one-word terms (and of multi-word terms written together):
        # a compound written apart ("cease-fire") is only tried from a token that is one.
        self._compound_prefixes: set[str] = set()
        self._trees: list[_Node] = []
        self._positive: list[frozenset[int]] = []
        for rule_index, rule in enumerate(self.rules):
            tree = self._compile(rule.match)
            self._trees.append(tree)
            self._positive.append(frozenset(tree.positive_terms()))
            for term_id in self._positive[-1]:
                self._term_rules[term_id].add(rule_index)
        self._max_words = max((len(k) for k in self._index), default=1)
        self._phrase_starts = {k[0] for k in self._index if len(k) > 1}
        self.fields = sorted({f for r in self.rules for f in r.fields})

    def _compile(self, condition: Condition) -> _Node:
        def items(values: list[str | Condition] | None) -> tuple[int | _Node, ...] | None:
            if values is None:
                return None
            return tuple(self._term(v) if isinstance(v, str) else self._compile(v) for v in values)

        return _Node(items(condition.any), items(condition.all), items(condition.none))

    def _term(self, term: str) -> int:
        key = " ".join(term.split()).lower()
        if key not in self._term_ids:
            self._term_ids[key] = len(self._term_ids)
            for index_key in term_keys(term):
                self._index[index_key].add(self._term_ids[key])
            joined = "".join(t.surface.lower() for t in tokens(term))
            self._compound_prefixes.update(joined[:end] for end in range(2, len(joined)))
        return self._term_ids[key]

    def evaluate(self, article: ArticleText) -> list[Match]:
        hits = self._scan(article)
        candidates = {r for term_id in hits for r in self._term_rules.get(term_id, ())}
        matches = []
        present_in: dict[tuple[str, ...], set[int]] = {}   # rules mostly share their fields
        for rule_index in sorted(candidates):
            rule = self.rules[rule_index]
            if rule.sources is not None and article.source_id not in rule.sources:
                continue
            fields = tuple(rule.fields)
            if fields not in present_in:
                present_in[fields] = {t for t, hs in hits.items()
                                      if any(h.field in fields for h in hs)}
            present = present_in[fields]
            if self._trees[rule_index].holds(present):
                terms = self._positive[rule_index] & present
                in_fields = {t: [h for h in hits[t] if h.field in fields] for t in terms}
                matches.append(_evidence(rule, article, set(terms), in_fields))
        return matches

    def _scan(self, article: ArticleText) -> dict[int, list[_Hit]]:
        hits: dict[int, list[_Hit]] = defaultdict(list)
        for field in self.fields:
            text = getattr(article, field) or ""
            for s_index, sentence in enumerate(sentences(text)):
                for term_id, surface in self._scan_sentence(sentence):
                    hits[term_id].append(_Hit(field, s_index, sentence.text, surface))
        return hits

    def _scan_sentence(self, sentence: Sentence) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        toks, text, index = sentence.tokens, sentence.text, self._index
        norms = [t.norm for t in toks]
        count = len(toks)
        for i, norm in enumerate(norms):
            for term_id in index.get((norm,), ()):
                found.append((term_id, text[toks[i].start:toks[i].end]))
            if norm in self._phrase_starts:   # multi-word terms: "peace talks"
                for n in range(2, min(self._max_words, count - i) + 1):
                    for term_id in index.get(tuple(norms[i:i + n]), ()):
                        found.append((term_id, text[toks[i].start:toks[i + n - 1].end]))
            if toks[i].surface.lower() in self._compound_prefixes:
                # Compounds written apart: "cease-fire", "cease fire" -> "ceasefire".
                joined = toks[i].surface
                for n in range(2, min(_MAX_COMPOUND, count - i) + 1):
                    if not toks[i + n - 1].joins_previous:
                        break
                    joined += toks[i + n - 1].surface
                    for term_id in index.get((normalize(joined),), ()):
                        found.append((term_id, text[toks[i].start:toks[i + n - 1].end]))
        return found


def _evidence(rule: Rule, article: ArticleText, terms: set[int],
              hits: dict[int, list[_Hit]]) -> Match:
    """The sentence with the most distinct matching terms, preferring the body."""
    by_sentence: dict[tuple[str, int], list[tuple[int, _Hit]]] = defaultdict(list)
    for term_id in terms:
        for hit in hits[term_id]:
            by_sentence[(hit.field, hit.sentence_index)].append((term_id, hit))
    (field, _), best = min(
        by_sentence.items(),
        key=lambda kv: (-len({term_id for term_id, _ in kv[1]}),
                        _FIELD_PREFERENCE[kv[0][0]], kv[0][1]))
    surfaces = tuple(dict.fromkeys(h.surface for _, h in best))
    return Match(rule_id=rule.id, article_id=article.article_id, story_id=article.story_id,
                 field=field, terms=surfaces, sentence=best[0][1].sentence)
