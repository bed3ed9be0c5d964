"""All rules compiled into one Aho-Corasick automaton, evaluated in one pass per article field.

Compile time: every term of every rule, every event term and every watchlist entity name is
expanded into its folded spellings (rules.text.term_forms: inflections, compounds,
possessives), and each spelling is added to one automaton as " form " with a space on each
side. Match time: a field is folded (lower-case, punctuation as spaces, same length) and padded
with a space, and the automaton reports every spelling that starts and ends on a word boundary
in one C-level pass, overlapping ones included ("Trump" inside "Donald Trump"). Only rules
whose terms were found are then evaluated; sentences, word positions and regexes are worked
out lazily, for those rules alone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import ahocorasick

from core.errors import unknown_name
from core.records import ArticleText, Evidence, Match
from rules.conditions import (
    AnyOf,
    ArticleScan,
    Occurrence,
    compile_condition,
    flat_any,
    positive_atoms,
    uses_regex,
)
from rules.entities import Entity, EntityMention
from rules.errors import UnknownEntity
from rules.models import Rule
from rules.text import fold, term_forms

_FIELD_PREFERENCE = {"body": 0, "summary": 1, "title": 2}   # evidence: a body sentence says most
ALL_FIELDS = ("title", "summary", "body")
# Scripts written without spaces between words: their spellings cannot need a space around.
_NO_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


class CompiledRules:
    def __init__(self, rules: list[Rule], entities: Mapping[str, Entity] | None = None) -> None:
        self.rules = [r for r in rules if r.enabled]
        self.entities = dict(entities or {})
        self._atoms: dict[tuple[str, str], int] = {}      # (kind, key) -> atom id
        self._atom_labels: list[str] = []
        self._spellings: dict[str, list[tuple[int, str | None]]] = defaultdict(list)
        self._entity_atoms = {eid: self._entity_atom(eid) for eid in self.entities}
        self._trees: list[AnyOf] = []
        atom_rules: dict[int, list[int]] = defaultdict(list)
        self._always: list[int] = []      # rules with a positive regex: no term to wait for
        self._event_atoms: dict[str, tuple[int, ...]] = {}
        # A rule naming an entity the watchlist lacks is left out and reported; the others run.
        self.problems: list[str] = []
        kept = []
        for rule in self.rules:
            try:
                self._trees.append(compile_condition(rule.match, self._atom_for))
                kept.append(rule)
            except UnknownEntity as exc:
                self.problems.append(f"rule {rule.id}: {exc}")
        self.rules = kept
        for index, (rule, tree) in enumerate(zip(self.rules, self._trees, strict=True)):
            if uses_regex(tree):
                self._always.append(index)
            for atom in positive_atoms(tree):
                atom_rules[atom].append(index)
            if rule.event is not None:
                self._event_atoms[rule.id] = tuple(self._term_atom(t, exact=False)
                                                   for t in rule.event.terms)
        self._atom_rules = {a: tuple(r) for a, r in atom_rules.items()}
        self._fields = [frozenset(r.fields) for r in self.rules]
        self._filtered = [r.sources is not None or r.languages is not None
                          or r.sections is not None or r.max_age is not None
                          for r in self.rules]
        self._flat_any = [flat_any(tree) for tree in self._trees]
        self._automaton = self._build_automaton()
        self.fields = tuple(f for f in ALL_FIELDS if any(f in r.fields for r in self.rules))

    # -- compile -------------------------------------------------------------------------

    def _atom_for(self, item: Any) -> int:
        """The atom id of a term, an exact-case term or an entity reference."""
        if isinstance(item, str):
            return self._term_atom(item, exact=False)
        if hasattr(item, "entity"):
            if item.entity not in self._entity_atoms:
                raise UnknownEntity(unknown_name("entity", "entities", item.entity,
                                                 self.entities, "config/entities.yaml"))
            return self._entity_atoms[item.entity]
        return self._term_atom(item.term, exact=item.case == "exact")

    def _new_atom(self, kind: str, key: str, label: str) -> tuple[int, bool]:
        if (kind, key) in self._atoms:
            return self._atoms[(kind, key)], False
        atom = len(self._atom_labels)
        self._atoms[(kind, key)] = atom
        self._atom_labels.append(label)
        return atom, True

    def _term_atom(self, term: str, *, exact: bool) -> int:
        key = " ".join(term.split())
        atom, new = self._new_atom("exact" if exact else "term", key if exact else key.lower(),
                                   key)
        if new:
            self._add_spellings(atom, term, exact)
        return atom

    def _entity_atom(self, entity_id: str) -> int:
        atom, new = self._new_atom("entity", entity_id, f"entity:{entity_id}")
        if new:
            for name in self.entities[entity_id].names():
                acronym = name.isupper() and len(name.replace(" ", "")) >= 2
                self._add_spellings(atom, name, acronym)
        return atom

    def _add_spellings(self, atom: int, term: str, exact: bool) -> None:
        check = "".join(c for c in term if c.isalnum()) if exact else None
        for form in term_forms(term):
            self._spellings[form].append((atom, check))

    def _build_automaton(self) -> Any:
        automaton = ahocorasick.Automaton()
        for form, atoms in self._spellings.items():
            # Spaces around: a spelling must start and end on a word boundary. Scripts
            # written without spaces are looked for anywhere.
            key = form if _NO_SPACES.search(form) else f" {form} "
            lead = 0 if key is form else 1
            automaton.add_word(key, (len(key), lead, len(form), tuple(atoms)))
        if not self._spellings:
            automaton.add_word("\x00never\x00", (9, 0, 7, ()))
        automaton.make_automaton()
        return automaton

    # -- match ---------------------------------------------------------------------------

    def scan(self, article: ArticleText, fields: tuple[str, ...] | None = None) -> ArticleScan:
        """Every atom occurrence in the given fields (default: the fields rules use)."""
        texts = {f: (getattr(article, f) or "") for f in (fields or self.fields)}
        hits: dict[int, list[Occurrence]] = {}
        iterate = self._automaton.iter
        new = tuple.__new__
        for field, text in texts.items():
            if not text:
                continue
            for end, (key_len, lead, form_len, atoms) in iterate(f" {fold(text)} "):
                start = end - key_len + lead
                for atom, check in atoms:
                    if check is not None and not _same_case(text[start:start + form_len],
                                                            check):
                        continue
                    occurrence = new(Occurrence, (field, start, start + form_len))
                    if atom in hits:
                        hits[atom].append(occurrence)
                    else:
                        hits[atom] = [occurrence]
        return ArticleScan(texts, hits, frozenset(texts))

    def evaluate(self, article: ArticleText, now: datetime | None = None) -> list[Match]:
        scan = self.scan(article)
        hits = scan.hits
        candidates = set(self._always)
        for atom in hits:
            candidates.update(self._atom_rules.get(atom, ()))
        matches = []
        labels = self._atom_labels
        for index in sorted(candidates):
            rule = self.rules[index]
            if self._filtered[index] and not _filters_hold(rule, article, now):
                continue
            fields = self._fields[index]
            flat = self._flat_any[index]
            if flat is not None and fields >= scan.scanned:
                # Most rules are `any` of terms: what was found is the evidence.
                evidence = [scan.evidence(labels[a], o) for a in flat if a in hits
                            for o in scan.occurrences(a, fields)]
            else:
                tree = self._trees[index]
                if not tree.holds(scan, fields):
                    continue
                evidence = tree.evidence(scan, fields, labels)
            if evidence:
                matches.append(_match(rule, article, evidence))
        return matches

    def compiled_rule(self, rule_id: str) -> tuple[Rule, AnyOf, frozenset[str], list[str]] | None:
        """A rule's compiled tree, its fields and the atom labels: what rules.explain reads
        to say why an article was or was not matched."""
        for index, rule in enumerate(self.rules):
            if rule.id == rule_id:
                return rule, self._trees[index], self._fields[index], self._atom_labels
        return None

    def entity_mentions(self, article: ArticleText) -> list[EntityMention]:
        """Every watchlist entity found in the article's title, summary and body."""
        scan = self.scan(article, ALL_FIELDS)
        out = []
        fields = frozenset(ALL_FIELDS)
        for entity_id, atom in self._entity_atoms.items():
            for occ in scan.occurrences(atom, fields):
                text = scan.texts[occ.field]
                s_start, s_end = scan.sentence_of(occ.field, occ.start)
                out.append(EntityMention(entity_id, occ.field, occ.start, occ.end,
                                         text[occ.start:occ.end], text[s_start:s_end]))
        return sorted(out, key=lambda m: (ALL_FIELDS.index(m.field), m.start, m.entity_id))

    def event_sentences(self, article: ArticleText, rule: Rule) -> list[tuple[str, int, int, str]]:
        """(field, start, end, text) of each sentence holding one of the rule's event terms."""
        atoms = self._event_atoms.get(rule.id)
        if atoms is None:
            return []
        scan = self.scan(article, tuple(f for f in ALL_FIELDS if f in rule.fields))
        found: set[tuple[str, int, int]] = set()
        for atom in atoms:
            for occ in scan.hits.get(atom, ()):
                found.add((occ.field, *scan.sentence_of(occ.field, occ.start)))
        return [(f, s, e, scan.texts[f][s:e])
                for f, s, e in sorted(found, key=lambda x: (ALL_FIELDS.index(x[0]), x[1]))]


def _same_case(surface: str, written: str) -> bool:
    """Exact case: the article's letters agree in case with the term's wherever they are the
    same letter ("US's" for US, not "us"; "Trump" for Trump, not "trump")."""
    letters = "".join(c for c in surface if c.isalnum())
    common = 0
    for a, b in zip(letters, written, strict=False):
        if a.lower() != b.lower():
            break
        common += 1
    return common > 0 and letters[:common] == written[:common]


def _filters_hold(rule: Rule, article: ArticleText, now: datetime | None) -> bool:
    if rule.sources is not None and article.source_id not in rule.sources:
        return False
    if rule.languages is not None:
        language = (article.language or "").lower()
        if not any(language == want or language.startswith(f"{want}-")
                   for want in rule.languages):
            return False
    if rule.sections is not None:
        section = (article.section or "").strip().lower()
        if section not in rule.sections:
            return False
    published = article.published_at
    if rule.max_age is not None and published is not None:
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        if (now or datetime.now(UTC)) - published > rule.max_age:
            return False
    return True


_FIELD_ORDER = {f: i for i, f in enumerate(ALL_FIELDS)}


def _match(rule: Rule, article: ArticleText, evidence: list[Evidence]) -> Match:
    """The Match with all its evidence; its sentence is the one with the most distinct
    conditions, preferring the body, then the earliest."""
    if len(evidence) == 1:
        (e,) = evidence
        return Match(rule_id=rule.id, article_id=article.article_id,
                     story_id=article.story_id, field=e.field, terms=(e.text,),
                     sentence=getattr(article, e.field)[e.sentence_start:e.sentence_end],
                     evidence=(e,))
    by_sentence: dict[tuple[str, int, int], list[Evidence]] = {}
    for item in evidence:
        key = (item.field, item.sentence_start, item.sentence_end)
        if key in by_sentence:
            by_sentence[key].append(item)
        else:
            by_sentence[key] = [item]
    if len(by_sentence) == 1:
        (field, start, end), best = next(iter(by_sentence.items()))
    else:
        (field, start, end), best = min(
            by_sentence.items(),
            key=lambda kv: (-len({e.condition for e in kv[1]}), _FIELD_PREFERENCE[kv[0][0]],
                            kv[0][1]))
    best = sorted(best, key=lambda e: e.start)
    evidence = sorted(evidence, key=lambda e: (_FIELD_ORDER[e.field], e.start, e.condition))
    text = getattr(article, field) or ""
    return Match(rule_id=rule.id, article_id=article.article_id, story_id=article.story_id,
                 field=field, terms=tuple(dict.fromkeys(e.text for e in best)),
                 sentence=text[start:end], evidence=tuple(evidence))
