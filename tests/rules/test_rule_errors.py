"""Every error of a rule file at once, each at its own line: file:line:column: field: message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from core.yamlfile import read_yaml, validate
from rules.models import RuleFile

ENTITIES = {"vladimir-putin": object(), "who": object()}


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(text), "utf-8")
    data, node, found = read_yaml(path)
    assert found == []
    _, found = validate(RuleFile, data, file="rules.yaml", node=node,
                        context={"entities": ENTITIES})
    return [str(p) for p in found]


ONE_OF_EACH = """\
    rules:
      - id: many
        name: Many problems
        kind: threshold
        match:
          all:
            - ceasefire
            - {term: US, cse: exact}
            - {entity: vladimir-putn}
            - {regex: '\\b(a+)+'}
            - {near: [talks, Geneva], within: soon}
            - {phrase: peace talks}
        languages: en
        max_age: 3 days
        event:
          terms: [summit]
          window_days: [30, 0]
        threshold: {articles: 3}
        channels: [desk]
      - id: fine
        name: Fine
        match: {any: [truce]}
        channels: [desk]
      - id: second
        name: Second
        match: {any: [truce]}
        first_seen: {days: 30}
        event: {terms: [summit], window_days: [-1, 5]}
        channels: [desk]
    """


def test_every_error_of_a_file_comes_out_together_each_at_its_line(tmp_path: Path) -> None:
    lines = problems(tmp_path, ONE_OF_EACH)
    item = ("a condition item is a term (a string) or a mapping with one of the keys any, "
            "all, none, term, entity, near, sentence, regex")
    assert lines == [
        "rules.yaml:8:22: rules[0].match.all[1].cse: unknown key; did you mean 'case'? "
        "allowed: term, case",
        "rules.yaml:9:20: rules[0].match.all[2].entity: unknown entity "
        "'vladimir-putn'; did you mean vladimir-putin?",
        lines[2],   # the regex guard's message, checked below
        "rules.yaml:11:43: rules[0].match.all[4].within: Input should be a valid integer, "
        "unable to parse string as an integer; write a whole number (Largest distance in "
        "words, 1 to 100)",
        f"rules.yaml:12:11: rules[0].match.all[5]: {item}",
        lines[5],   # languages, checked below
        "rules.yaml:14:14: rules[0].max_age: '3 days' is not a valid maximum age: "
        "write a number and a unit (s, m, h, d, w), e.g. 90m, 6h, 2d or 1h30m; at least 1m",
        "rules.yaml:17:20: rules[0].event.window_days: [30, 0] is reversed; "
        "write [from, to] with from <= to, e.g. [0, 30]",
        "rules.yaml:18:16: rules[0].threshold.within: Field required",
        "rules.yaml:28:43: rules[2].event.window_days: [-1, 5] has a negative "
        "day; write [from, to] with 0 <= from <= to <= 366 (days after publication)",
        "rules.yaml:27:17: rules[2].first_seen: `first_seen` is only allowed "
        "with kind: first_seen (this rule's kind is article)",
    ]
    assert lines[2].startswith("rules.yaml:10:19: rules[0].match.all[3].regex: "
                               "nested quantifiers such as (a+)+")
    assert "atomic group" in lines[2]
    assert lines[5].startswith("rules.yaml:13:16: rules[0].languages: Input should be a valid "
                               "list; write a list: [a, b]")


@pytest.mark.parametrize(("kind", "extra", "message"), [
    ("threshold", "", "rules[0].threshold: kind threshold needs `threshold:`, "
                      "e.g. threshold: {articles: 5, sources: 2, within: 6h}"),
    ("first_seen", "", "rules[0].first_seen: kind first_seen needs "
                       "`first_seen:`, e.g. first_seen: {days: 30}"),
    ("article", "    threshold: {articles: 2, within: 1h}\n",
     "rules[0].threshold: `threshold` is only allowed with kind: threshold "
     "(this rule's kind is article)"),
    ("weekly", "", "rules[0].kind: Input should be 'article', 'threshold' or 'first_seen'"),
])
def test_kind_and_its_settings_must_agree(tmp_path: Path, kind: str, extra: str,
                                          message: str) -> None:
    text = ("rules:\n  - id: k\n    name: K\n    match: {any: [truce]}\n    channels: [desk]\n"
            f"    kind: {kind}\n{extra}")
    (line,) = problems(tmp_path, text)
    assert line.split(": ", 1)[1] == message


def test_threshold_window_and_counts_are_checked(tmp_path: Path) -> None:
    lines = problems(tmp_path, """\
        rules:
          - id: t
            name: T
            kind: threshold
            match: {any: [truce]}
            threshold: {articles: 0, sources: 2, within: forever}
            channels: [desk]
        """)
    assert lines == [
        "rules.yaml:6:27: rules[0].threshold.articles: Input should be greater than or equal "
        "to 1",
        "rules.yaml:6:50: rules[0].threshold.within: 'forever' is not a "
        "valid threshold window: write a number and a unit (s, m, h, d, w), e.g. 90m, 6h, "
        "2d or 1h30m; at least 1m",
    ]


def test_unknown_key_inside_near_lists_the_keys_of_near(tmp_path: Path) -> None:
    lines = problems(tmp_path, """\
        rules:
          - id: n
            name: N
            match:
              any:
                - near: [ceasefire, collapse]
                  withn: 3
            channels: [desk]
        """)
    assert lines == ["rules.yaml:7:11: rules[0].match.any[0].withn: unknown key; did you mean "
                     "'within'? allowed: near, within"]


def test_bad_items_inside_near_and_empty_terms(tmp_path: Path) -> None:
    lines = problems(tmp_path, """\
        rules:
          - id: n
            name: N
            match:
              any:
                - {near: [ceasefire, {regex: collapse}]}
                - "  "
                - "--"
            channels: [desk]
        """)
    assert lines == [
        "rules.yaml:6:30: rules[0].match.any[0].near[1]: an item of `near` or `sentence` is a "
        "term (a string), {term: ..., case: exact} or {entity: <id>}",
        "rules.yaml:7:11: rules[0].match.any[1]: a term is empty; write at least "
        "one word",
        "rules.yaml:8:11: rules[0].match.any[2]: '--' has no letters or digits; a "
        "term is matched as words (use `regex` for punctuation)",
    ]


def test_invalid_regex_syntax_is_reported(tmp_path: Path) -> None:
    (line,) = problems(tmp_path, """\
        rules:
          - id: r
            name: R
            match: {any: [{regex: 'rocket(s'}]}
            channels: [desk]
        """)
    assert line.startswith("rules.yaml:4:27: rules[0].match.any[0].regex: not a "
                           "valid regular expression: missing ), unterminated subpattern")


def test_entities_are_not_checked_without_a_watchlist_in_the_context(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - id: e\n    name: E\n    match: {any: [{entity: nobody}]}\n"
                    "    channels: [desk]\n", "utf-8")
    data, node, _ = read_yaml(path)
    parsed, found = validate(RuleFile, data, file="rules.yaml", node=node)
    assert found == [] and parsed is not None
    _, found = validate(RuleFile, data, file="rules.yaml", node=node,
                        context={"entities": {}})
    assert [str(p) for p in found] == [
        "rules.yaml:4:28: rules[0].match.any[0].entity: unknown entity 'nobody'; "
        "known entities: none (config/entities.yaml)"]


def test_an_unknown_entity_among_many_is_not_answered_with_all_of_them() -> None:
    from core.errors import unknown_name

    known = [f"leader-{n:02d}" for n in range(49)] + ["vladimir-putin"]
    assert unknown_name("entity", "entities", "vladimir-puttin", known,
                        "config/entities.yaml") == (
        "unknown entity 'vladimir-puttin'; did you mean vladimir-putin?")
    assert unknown_name("entity", "entities", "olaf-scholz", known, "config/entities.yaml") == (
        "unknown entity 'olaf-scholz'; none of the 50 entities in config/entities.yaml has an "
        "id like it")
