"""Compiled conditions: a tree of small nodes evaluated against one article's scan.

Terms, exact-case terms and entities are *atoms*, found by the automaton in rules.matcher;
`near`, `sentence` and `regex` need positions, which ArticleScan works out lazily (sentence
bounds, word starts) so that an article no rule cares about costs nothing beyond the scan.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from core.records import Evidence
from rules.models import Condition, Near, Pattern, SameSentence
from rules.regex_engine import UserRegex, compile_user_regex
from rules.text import sentence_around, sentence_bounds

# A regex is searched one sentence at a time, in windows of at most MAX_REGEX_TEXT characters
# (a longer sentence is searched in windows overlapping by REGEX_OVERLAP), and only in the first
# MAX_REGEX_FIELD characters of a field. On RE2 a search is linear in the window; the patterns
# that run on Python's engine passed the guard in rules.regex_guard (no nested or competing
# open-ended quantifiers, no backreferences), so they cost at most about n^2 steps for a
# window of n characters (rules.regex_engine). The time per article is bounded either way.
MAX_REGEX_TEXT = 500
REGEX_OVERLAP = 100
MAX_REGEX_FIELD = 50_000
_WORD = re.compile(r"\w+")


class Occurrence(NamedTuple):
    field: str
    start: int
    end: int


@dataclass
class ArticleScan:
    """What the automaton found in one article, plus lazily computed positions."""

    texts: dict[str, str]
    hits: dict[int, list[Occurrence]]
    scanned: frozenset[str] = frozenset()
    _paragraphs: dict[str, list[int]] = field(default_factory=dict)
    _sentences: dict[tuple[str, int], list[tuple[int, int]]] = field(default_factory=dict)
    _words: dict[str, list[int]] = field(default_factory=dict)
    _regex: dict[int, list[Occurrence]] = field(default_factory=dict)
    _evidence: dict[tuple[str, Occurrence], Evidence] = field(default_factory=dict)

    # Sentences are split paragraph by paragraph, and only in paragraphs something was found
    # in: most of a long article is never split at all.
    def _paragraph_starts(self, field_name: str) -> list[int]:
        if field_name not in self._paragraphs:
            starts, position = [], 0
            for line in self.texts.get(field_name, "").split("\n"):
                starts.append(position)
                position += len(line) + 1
            self._paragraphs[field_name] = starts
        return self._paragraphs[field_name]

    def _paragraph_sentences(self, field_name: str, index: int) -> list[tuple[int, int]]:
        key = (field_name, index)
        if key not in self._sentences:
            starts, text = self._paragraph_starts(field_name), self.texts.get(field_name, "")
            end = starts[index + 1] - 1 if index + 1 < len(starts) else len(text)
            self._sentences[key] = sentence_bounds(text, starts[index], end)
        return self._sentences[key]

    def sentences(self, field_name: str) -> list[tuple[int, int]]:
        """Every sentence of a field, as (start, end)."""
        return [b for i in range(len(self._paragraph_starts(field_name)))
                for b in self._paragraph_sentences(field_name, i)]

    def sentence_of(self, field_name: str, offset: int) -> tuple[int, int]:
        """The sentence holding `offset` (start, end)."""
        starts = self._paragraph_starts(field_name)
        text = self.texts[field_name]
        index = bisect_right(starts, offset) - 1
        hi = starts[index + 1] - 1 if index + 1 < len(starts) else len(text)
        return sentence_around(text, starts[max(index, 0)], hi, offset)

    def word_index(self, field_name: str, offset: int) -> int:
        if field_name not in self._words:
            self._words[field_name] = [m.start() for m in
                                       _WORD.finditer(self.texts.get(field_name, ""))]
        return bisect_right(self._words[field_name], offset) - 1

    def occurrences(self, atom: int, fields: frozenset[str]) -> list[Occurrence]:
        """The atom's occurrences in these fields, an occurrence inside a longer one of the
        same atom left out ("leader" inside "leader's", "Putin" inside "Vladimir Putin")."""
        found = [o for o in self.hits.get(atom, ()) if o.field in fields]
        if len(found) < 2:
            return found
        found.sort(key=_outer_first)
        out: list[Occurrence] = []
        for occ in found:
            if out and out[-1].field == occ.field and occ.end <= out[-1].end:
                continue
            out.append(occ)
        return out

    def evidence(self, label: str, occ: Occurrence) -> Evidence:
        key = (label, occ)
        if key not in self._evidence:   # rules share terms: build each item once per article
            start, end = self.sentence_of(occ.field, occ.start)
            self._evidence[key] = Evidence(label, occ.field, occ.start, occ.end,
                                           self.texts[occ.field][occ.start:occ.end], start, end)
        return self._evidence[key]


def _outer_first(o: Occurrence) -> tuple[str, int, int]:
    return o.field, o.start, -o.end


class Node:
    def holds(self, scan: ArticleScan, fields: frozenset[str]) -> bool:
        raise NotImplementedError

    def evidence(self, scan: ArticleScan, fields: frozenset[str],
                 labels: list[str]) -> list[Evidence]:
        raise NotImplementedError


@dataclass(frozen=True)
class AtomLeaf(Node):
    atom: int

    def holds(self, scan: ArticleScan, fields: frozenset[str]) -> bool:
        found = scan.hits.get(self.atom)
        if not found:
            return False
        return fields >= scan.scanned or any(o.field in fields for o in found)

    def evidence(self, scan: ArticleScan, fields: frozenset[str],
                 labels: list[str]) -> list[Evidence]:
        return [scan.evidence(labels[self.atom], o) for o in scan.occurrences(self.atom, fields)]


@dataclass(frozen=True)
class AnyOf(Node):
    """`any`/`all`/`none` of items, optionally narrowed to some fields."""

    any: tuple[Node, ...] | None
    all: tuple[Node, ...] | None
    none: tuple[Node, ...] | None
    only: frozenset[str] | None = None

    def _fields(self, fields: frozenset[str]) -> frozenset[str]:
        return fields if self.only is None else fields & self.only

    def holds(self, scan: ArticleScan, fields: frozenset[str]) -> bool:
        fields = self._fields(fields)
        return ((self.all is None or all(n.holds(scan, fields) for n in self.all))
                and (self.any is None or any(n.holds(scan, fields) for n in self.any))
                and (self.none is None or not any(n.holds(scan, fields) for n in self.none)))

    def evidence(self, scan: ArticleScan, fields: frozenset[str],
                 labels: list[str]) -> list[Evidence]:
        fields = self._fields(fields)
        out: list[Evidence] = []
        for node in (*(self.all or ()), *(self.any or ())):
            if node.holds(scan, fields):
                out.extend(node.evidence(scan, fields, labels))
        return out


@dataclass(frozen=True)
class NearNode(Node):
    """Every atom within `within` words (first word to first word) in one field."""

    atoms: tuple[int, ...]
    within: int

    def _windows(self, scan: ArticleScan, fields: frozenset[str]) -> list[list[Occurrence]]:
        found = []
        for field_name in sorted(fields):
            points = sorted((scan.word_index(field_name, o.start), i, o)
                            for i, atom in enumerate(self.atoms)
                            for o in scan.occurrences(atom, frozenset([field_name])))
            found.extend(_covering_windows(points, len(self.atoms), self.within))
        return found

    def holds(self, scan: ArticleScan, fields: frozenset[str]) -> bool:
        if not all(scan.occurrences(a, fields) for a in self.atoms):
            return False
        return bool(self._windows(scan, fields))

    def evidence(self, scan: ArticleScan, fields: frozenset[str],
                 labels: list[str]) -> list[Evidence]:
        label = "near: " + ", ".join(labels[a] for a in self.atoms)
        occurrences = dict.fromkeys(o for w in self._windows(scan, fields) for o in w)
        return [scan.evidence(label, o) for o in occurrences]


def _covering_windows(points: list[tuple[int, int, Occurrence]], needed: int,
                      within: int) -> list[list[Occurrence]]:
    """Windows of sorted (word, item, occurrence) points holding every item, at most
    `within` words wide."""
    out = []
    counts: dict[int, int] = defaultdict(int)
    left = 0
    for right, (word, item, _) in enumerate(points):
        counts[item] += 1
        while points[left][0] < word - within:
            counts[points[left][1]] -= 1
            if not counts[points[left][1]]:
                del counts[points[left][1]]
            left += 1
        if len(counts) == needed:
            out.append([o for _, _, o in points[left:right + 1]])
    return out


@dataclass(frozen=True)
class SentenceNode(Node):
    atoms: tuple[int, ...]

    def _sentences(self, scan: ArticleScan, fields: frozenset[str]) -> list[list[Occurrence]]:
        by_sentence: dict[tuple[str, int], dict[int, list[Occurrence]]] = defaultdict(
            lambda: defaultdict(list))
        for i, atom in enumerate(self.atoms):
            for o in scan.occurrences(atom, fields):
                by_sentence[(o.field, scan.sentence_of(o.field, o.start)[0])][i].append(o)
        return [[o for occs in items.values() for o in occs]
                for items in by_sentence.values() if len(items) == len(self.atoms)]

    def holds(self, scan: ArticleScan, fields: frozenset[str]) -> bool:
        if not all(scan.occurrences(a, fields) for a in self.atoms):
            return False
        return bool(self._sentences(scan, fields))

    def evidence(self, scan: ArticleScan, fields: frozenset[str],
                 labels: list[str]) -> list[Evidence]:
        label = "sentence: " + ", ".join(labels[a] for a in self.atoms)
        return [scan.evidence(label, o) for s in self._sentences(scan, fields) for o in s]


@dataclass(frozen=True)
class RegexNode(Node):
    pattern: UserRegex
    label: str

    def _found(self, scan: ArticleScan, fields: frozenset[str]) -> list[Occurrence]:
        key = id(self)
        if key not in scan._regex:
            found: list[Occurrence] = []
            for field_name, text in scan.texts.items():
                for start, end in scan.sentences(field_name):
                    end = min(end, MAX_REGEX_FIELD)
                    for window in range(start, max(end - REGEX_OVERLAP, start + 1),
                                        MAX_REGEX_TEXT - REGEX_OVERLAP):
                        stop = min(window + MAX_REGEX_TEXT, end)
                        found.extend(Occurrence(field_name, s, e)
                                     for s, e in self.pattern.spans(text, window, stop)
                                     if e > s)
            scan._regex[key] = list(dict.fromkeys(found))
        return [o for o in scan._regex[key] if o.field in fields]

    def holds(self, scan: ArticleScan, fields: frozenset[str]) -> bool:
        return bool(self._found(scan, fields))

    def evidence(self, scan: ArticleScan, fields: frozenset[str],
                 labels: list[str]) -> list[Evidence]:
        return [scan.evidence(self.label, o) for o in self._found(scan, fields)]


def compile_condition(condition: Condition, atom_for: Callable[[Any], int]) -> AnyOf:
    def item(value: Any) -> Node:
        if isinstance(value, Condition):
            return compile_condition(value, atom_for)
        if isinstance(value, Near):
            return NearNode(tuple(atom_for(v) for v in value.near), value.within)
        if isinstance(value, SameSentence):
            return SentenceNode(tuple(atom_for(v) for v in value.sentence))
        if isinstance(value, Pattern):
            return RegexNode(compile_user_regex(value.regex, ignore_case=value.case != "exact"),
                             f"regex:{value.regex}")
        return AtomLeaf(atom_for(value))

    def items(values: Iterable[Any] | None) -> tuple[Node, ...] | None:
        return None if values is None else tuple(item(v) for v in values)

    return AnyOf(items(condition.any), items(condition.all), items(condition.none),
                 frozenset(condition.fields) if condition.fields else None)


def _positive(node: Node) -> Iterable[Node]:
    yield node
    if isinstance(node, AnyOf):
        for child in (*(node.any or ()), *(node.all or ())):
            yield from _positive(child)


def positive_atoms(tree: Node) -> set[int]:
    """Atoms one of which must be present for the tree to hold (outside `none`)."""
    out: set[int] = set()
    for node in _positive(tree):
        if isinstance(node, AtomLeaf):
            out.add(node.atom)
        elif isinstance(node, NearNode | SentenceNode):
            out.update(node.atoms)
    return out


def uses_regex(tree: Node) -> bool:
    return any(isinstance(node, RegexNode) for node in _positive(tree))


def flat_any(tree: AnyOf) -> tuple[int, ...] | None:
    """The atoms of a tree that is only `any` of terms (most rules), else None."""
    if tree.all is not None or tree.none is not None or tree.only is not None:
        return None
    leaves = [node for node in tree.any or () if isinstance(node, AtomLeaf)]
    if len(leaves) != len(tree.any or ()):
        return None
    return tuple(leaf.atom for leaf in leaves)
