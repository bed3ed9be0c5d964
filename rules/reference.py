"""docs/rules.md, rendered from the rule models and a list of worked examples.

`python -m rules.reference > docs/rules.md` rewrites it; tests/rules/test_rules_reference.py
fails when the file differs from what the models give, validates every YAML example in it and
runs each example's "matches" and "does not match" lines through the matcher.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from rules.conditions import MAX_REGEX_FIELD, MAX_REGEX_TEXT
from rules.entities import Entity
from rules.measure_doc import section as measure_section
from rules.models import (
    Condition,
    EntityRef,
    EventCondition,
    FirstSeen,
    Near,
    Pattern,
    Rule,
    SameSentence,
    Term,
    Threshold,
)
from rules.regex_guard import MAX_PATTERN_CHARS

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
MATCH, MISS = "- matches: ", "- no match: "

WATCHLIST = """\
entities:
  - id: vladimir-putin
    name: Vladimir Putin
    kind: person
    aliases: [Putin, Путин]
    titles: [the Russian president, the Kremlin chief]
  - id: who
    name: World Health Organization
    kind: organisation
    aliases: [WHO]
"""


@dataclass(frozen=True)
class Example:
    title: str
    text: str
    yaml: str
    matches: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


def _rule(rule_id: str, body: str) -> str:
    return (f"rules:\n  - id: {rule_id}\n    name: {rule_id.replace('-', ' ').capitalize()}\n"
            f"{body}    channels: [desk]\n")


EXAMPLES = [
    Example(
        "Terms and phrases",
        "A plain string is a term: one word or a phrase whose words must follow each other. "
        "Case is ignored. Spelling variants and inflections are found without regexes: a "
        "one-word term also matches itself written in two parts with a hyphen or a space, a "
        "phrase also matches its words written together, the last word matches its "
        "inflections (the stemmer decides: talk, talks, talked, talking) and possessives "
        "(leader's, leaders'). A phrase and a word inside it are both found: \"Donald Trump\" "
        "and \"Trump\" both match \"Donald Trump said\".",
        _rule("ceasefire", "    match:\n      any: [ceasefire, peace talks]\n"),
        ["Both sides agreed a cease-fire on Friday.", "Two earlier ceasefires collapsed.",
         "CEASE FIRE AGREED.", "Peace talk resumed in Geneva."],
        ["The plant will cease production.", "He shouted cease, fire and ran.",
         "Talks on peace resumed."]),
    Example(
        "any, all, none",
        "`any`: at least one item; `all`: every item; `none`: no item. Items can be "
        "conditions themselves, nested as deep as needed. A condition needs `any` or `all` "
        "(one made only of `none` would match every article).",
        _rule("corvania-truce", "    match:\n      all:\n        - truce\n"
                                "        - any: [Corvania, Estmark]\n"
                                "      none: [football, {all: [league, match]}]\n"),
        ["Corvania accepted the truce.", "The Estmark truce held. The league met."],
        ["The truce held.", "Corvania and the football truce.",
         "Corvania's truce held. The league match was played."]),
    Example(
        "Exact case",
        "`{term: ..., case: exact}` when the case tells two things apart: acronyms (US, WHO) "
        "and names that are also words (Trump the name, not a trump card). Inflections and "
        "possessives still match (US's). The letters the article shares with the term must "
        "have the term's case.",
        _rule("us-policy", "    match:\n      all:\n        - {term: US, case: exact}\n"
                           "        - sanctions\n"),
        ["The US announced sanctions.", "The US's sanctions took effect."],
        ["Let us discuss sanctions.", "The us sanctions story."]),
    Example(
        "Near: terms within N words",
        "`{near: [items], within: N}`: every item occurs in one field, at most N words apart "
        "(counted from the first word of the first to the first word of the last; default "
        "5, at most 100). Items are terms, exact-case terms or entities.",
        _rule("ceasefire-collapse",
              "    match:\n      any:\n        - near: [ceasefire, collapse]\n"
              "          within: 4\n"),
        ["The ceasefire could soon collapse.", "The collapse of the ceasefire was feared."],
        ["The ceasefire was signed in May, and after many months the talks collapse."]),
    Example(
        "Same sentence",
        "`{sentence: [items]}`: every item occurs in one sentence (of the same field).",
        _rule("geneva-talks", "    match:\n      any:\n        - sentence: [talks, Geneva]\n"),
        ["Geneva will host the talks in May."],
        ["Talks will resume. Geneva is ready."]),
    Example(
        "Entities from the watchlist",
        "`{entity: <id>}` matches any name, alias or title of an entity of "
        "config/entities.yaml, in any script, with possessives (Putin's). An alias written "
        "all in capitals (WHO) must keep its case, so \"who\" is not the WHO. A rule naming "
        "an id the watchlist lacks is an error that lists the known ids.",
        _rule("putin", "    match:\n      any: [{entity: vladimir-putin}]\n"),
        ["Vladimir Putin met the envoy.", "The Kremlin chief said no.",
         "Встреча: Путин и посол.", "Putin's spokesman denied it."],
        ["Putney Bridge was closed."]),
    Example(
        "Fields",
        "A rule searches its `fields` (title, summary, body; default title and body); menus, "
        "sidebars and footers are never searched. A condition can narrow them with its own "
        "`fields`: here the title must say ceasefire, the title or body must name Corvania.",
        _rule("ceasefire-headline",
              "    fields: [title, body]\n    match:\n      all:\n"
              "        - {any: [ceasefire], fields: [title]}\n        - Corvania\n"),
        [], []),
    Example(
        "Regex, the escape hatch",
        "`{regex: '...'}` for what terms cannot say (model numbers, codes), in Python's "
        "syntax and with its meaning (\\w, \\d and \\b know every script's letters and "
        "digits). Searched one "
        f"sentence at a time (windows of {MAX_REGEX_TEXT} characters, only the first "
        f"{MAX_REGEX_FIELD:,} characters of a field), case-insensitive unless `case: exact`. "
        f"At most {MAX_PATTERN_CHARS} characters. Most patterns run on RE2, whose time grows "
        "only linearly with the text whatever the pattern. The rest run on Python's "
        "backtracking engine: patterns with look-arounds ((?=...), (?<=...)), atomic groups "
        "or possessive quantifiers (a++), patterns that can match empty text (x*), and "
        "patterns with \\b or \\B on text holding non-ASCII letters. Those must not be able "
        "to backtrack catastrophically, and are refused when the rule is loaded, with the "
        "reason and what to write instead: nested quantifiers ((a+)+, (.*)*), repeated "
        "alternations whose branches overlap ((a|a)*), quantifiers over the same characters "
        "side by side (\\d+\\d+), more than one open-ended quantifier that can match what "
        "follows it (a.*b.*c, (?:.*a){12}), and counted repeats of a group whose end can "
        "start its next copy ((?:.a?){20}). Backreferences (\\1) are refused everywhere.",
        _rule("f35", "    match:\n      any:\n        - regex: '\\bF-?35[ABC]?s?\\b'\n"),
        ["Two F-35A jets landed.", "The f35s were grounded."],
        ["The F-350 truck.", "Route 35 was shut."]),
    Example(
        "Filters: sources, languages, sections, age",
        "`sources` (source ids), `languages` (ISO codes; en also takes en-GB; an article of "
        "unknown language is left out), `sections` (case ignored) and `max_age` (published "
        "at most this long before the evaluation: 30m, 6h, 2d; an article without a "
        "publication date is kept).",
        _rule("fresh-world-truce",
              "    match: {any: [truce]}\n    sources: [harbour-times]\n"
              "    languages: [en]\n    sections: [world]\n    max_age: 2d\n"),
        [], []),
    Example(
        "Rule kinds: threshold and first_seen",
        "`kind: article` (default) alerts on every matching article. `kind: threshold` "
        "alerts when `articles` matching articles from at least `sources` sources arrive "
        "within `within`. `kind: first_seen` alerts on the first match in `days` days.",
        "rules:\n  - id: truce-wave\n    name: Truce wave\n    kind: threshold\n"
        "    match: {any: [truce]}\n"
        "    threshold: {articles: 5, sources: 3, within: 6h}\n    channels: [desk]\n"
        "  - id: new-in-corvania\n    name: New in Corvania\n    kind: first_seen\n"
        "    match: {all: [Corvania, {entity: who}]}\n    first_seen: {days: 30}\n"
        "    channels: [desk]\n",
        [], []),
    Example(
        "Dated events",
        "`event: {terms: [...], window_days: [from, to]}`: the article must also have a date "
        "expression in the same sentence as an event term, falling between publication + "
        "from and publication + to days (0 <= from <= to <= 366). The alert quotes that "
        "sentence, so it always says when, and shows the date as \"Event date\". How the date "
        "is chosen when a sentence holds several (datelines, \"said on Friday\", deadlines such "
        "as \"must ... by May\", a clock time already past at publication) is told in "
        "[dates.md](dates.md).",
        _rule("summit-soon", "    match: {any: [Corvania]}\n"
                             "    event:\n      terms: [summit, talks, meeting]\n"
                             "      window_days: [0, 14]\n"),
        [], []),
]

_MODELS: list[type[BaseModel]] = [Condition, Term, EntityRef, Near, SameSentence, Pattern,
                                  EventCondition, Threshold, FirstSeen]


def render() -> str:
    out = [
        "# The rule language",
        "",
        "<!-- Generated by `python -m rules.reference > docs/rules.md` from the rule models; "
        "a test fails when this file and the models disagree. -->",
        "",
        "Rules live in `config/rules/*.yaml`, under `rules:`. Every key is checked: a "
        "misspelt key, a wrong type, an unknown entity, a dangerous regex or a reversed "
        "window is reported as `file:line:column: field: what is wrong, what is allowed`, "
        "all problems of a file at once; the valid rules keep running.",
        "",
        "Editors check and complete rule files with the JSON Schema: run "
        "`newswatch rules schema > config/rules.schema.json` and start a rule file with "
        "`# yaml-language-server: $schema=../rules.schema.json`.",
        "",
        "## Rule keys",
        "",
        *_table(Rule),
        "",
        "## Conditions",
        "",
        "`match` is a condition. Its items are plain strings (terms) or one of these "
        "mappings, told apart by their key:",
        "",
        "| written as | meaning |",
        "|---|---|",
        "| `ceasefire`, `peace talks` | a term or phrase, with variants and inflections |",
        "| `{any: [...], all: [...], none: [...]}` | a nested condition |",
        "| `{term: US, case: exact}` | a term whose case must match |",
        "| `{entity: vladimir-putin}` | any name of a watchlist entity |",
        "| `{near: [a, b], within: 5}` | items at most N words apart |",
        "| `{sentence: [a, b]}` | items in one sentence |",
        "| `{regex: '...'}` | a guarded regular expression |",
        "",
    ]
    for example in EXAMPLES:
        out += [f"### {example.title}", "", example.text, "", "```yaml", example.yaml.rstrip(),
                "```", ""]
        out += [f'{MATCH}"{s}"' for s in example.matches]
        out += [f'{MISS}"{s}"' for s in example.misses]
        if example.matches or example.misses:
            out.append("")
    out += measure_section()
    out += ["## The watchlist: config/entities.yaml", "",
            "Entities are found by name, aliases and titles, in any script; "
            "`newswatch rules schema --entities` prints its schema.", "",
            "```yaml", WATCHLIST.rstrip(), "```", "", *_table(Entity), ""]
    out += ["## Reference of the condition mappings", ""]
    for model in _MODELS:
        doc = " ".join((model.__doc__ or "").split())
        out += [f"### {model.__name__}", "", doc, "", *_table(model), ""]
    return "\n".join(out).rstrip() + "\n"


def _table(model: type[BaseModel]) -> list[str]:
    rows = ["| key | type | default | description |", "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        if info.is_required():
            default = "required"
        elif info.default_factory is not None:
            default = f"`{_plain(info.get_default(call_default_factory=True))}`"
        elif info.default is None or info.default is PydanticUndefined:
            default = "none"
        else:
            default = f"`{_plain(info.default)}`"
        description = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{name}` | {_type_name(info.annotation)} | {default} | {description} |")
    return rows


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple | list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _type_name(annotation: Any) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " \\| ".join(names)
    if origin in (list, tuple):
        inner = ", ".join(dict.fromkeys(_type_name(a) for a in args if a is not Ellipsis))
        return f"list of {inner}"
    if origin is dict:
        return f"mapping {_type_name(args[0])} to {_type_name(args[1])}"
    plain = {"str": "text", "int": "integer", "bool": "true/false",
             "timedelta": "duration (30m, 6h, 2d)"}
    if isinstance(annotation, type):
        return plain.get(annotation.__name__, annotation.__name__)
    return str(annotation).replace("|", "\\|")


if __name__ == "__main__":
    print(render(), end="")
