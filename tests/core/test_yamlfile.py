"""YAML files: aliases that would expand a small file into millions of values are refused at
the alias, before validation; ordinary anchors, aliases and merge keys keep working."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from core.yamlfile import MAX_ALIAS_NODES, _aliases_within_limit, locate, read_yaml, validate
from rules.models import RuleFile

# Conditions of eight conditions, six levels deep: 32,768 conditions of eight terms each,
# 262,144 terms in one rule, from a file of a few hundred bytes.
BOMB = """\
a: &a {any: [x, x, x, x, x, x, x, x]}
b: &b {any: [*a, *a, *a, *a, *a, *a, *a, *a]}
c: &c {any: [*b, *b, *b, *b, *b, *b, *b, *b]}
d: &d {any: [*c, *c, *c, *c, *c, *c, *c, *c]}
e: &e {any: [*d, *d, *d, *d, *d, *d, *d, *d]}
f: &f {any: [*e, *e, *e, *e, *e, *e, *e, *e]}
rules:
  - id: bomb
    name: Bomb
    channels: [desk]
    match: *f
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, "utf-8")
    return path


def test_an_alias_bomb_is_refused_at_the_alias_before_validation(tmp_path: Path) -> None:
    path = _write(tmp_path, BOMB)
    assert len(BOMB.encode()) < 500
    started = time.process_time()
    data, node, problems = read_yaml(path)
    assert time.process_time() - started < 1.0
    assert data is None and node is None
    [problem] = problems
    # Written out, *a is 11 nodes, *b 91, *c 731 and *d 5,851: lines 2 to 4 make 6,664, and
    # the third *d of line 5 takes the file past 20,000.
    assert (problem.file, problem.line, problem.column) == (str(path), 5, 22)
    assert "aliases nest too deep or expand too large" in problem.message
    assert f"more than {MAX_ALIAS_NODES:,} values" in problem.message
    assert "write the lists out" in problem.message


def test_ordinary_anchors_aliases_and_merge_keys_still_work(tmp_path: Path) -> None:
    text = """\
terms: &truce [ceasefire, truce, armistice]
defaults: &defaults {channels: [desk], severity: high}
rules:
  - <<: *defaults
    id: truce
    name: Truce
    match: {any: *truce}
  - <<: *defaults
    id: truce-exact
    name: Truce exact
    severity: low
    match: {all: [{any: *truce}, Corvania]}
"""
    data, node, problems = read_yaml(_write(tmp_path, text))
    assert problems == []
    assert node is not None
    assert data["rules"][0] == {"id": "truce", "name": "Truce", "channels": ["desk"],
                                "severity": "high",
                                "match": {"any": ["ceasefire", "truce", "armistice"]}}
    assert data["rules"][1]["severity"] == "low"   # its own key wins over the merged one
    assert data["rules"][1]["match"]["all"][0] == {"any": ["ceasefire", "truce", "armistice"]}
    # The node tree keeps the file's own keys and lines: `<<` not replaced by what it merges.
    first_rule = node.value[2][1].value[0]
    assert [(k.value, k.start_mark.line) for k, _ in first_rule.value] == [
        ("<<", 3), ("id", 4), ("name", 5), ("match", 6)]
    rules = {k: v for k, v in data.items() if k == "rules"}
    model, found = validate(RuleFile, rules, file="rules.yaml", node=node)
    assert model is not None, found


def test_many_aliases_of_a_list_stay_under_the_cap(tmp_path: Path) -> None:
    # A 50-term list shared by 300 rules: 15,300 values written out, below the cap.
    terms = ", ".join(f"term{i}" for i in range(50))
    rules = "".join(f"  - {{id: r{i}, name: R{i}, channels: [desk], match: {{any: *t}}}}\n"
                    for i in range(300))
    data, _, problems = read_yaml(_write(tmp_path, f"t: &t [{terms}]\nrules:\n{rules}"))
    assert problems == []
    assert len(data["rules"]) == 300 and data["rules"][299]["match"]["any"][49] == "term49"


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    data, _, problems = read_yaml(_write(tmp_path, "a: &loop\n  - x\n  - *loop\n"))
    assert data is None
    [problem] = problems
    assert problem.line == 3 and "names a node it is inside" in problem.message


def test_nesting_too_deep_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    data, _, problems = read_yaml(_write(tmp_path, "a: " + "[" * 5000 + "]" * 5000 + "\n"))
    assert data is None
    [problem] = problems
    assert "nested too deep" in problem.message


def _positions(node: yaml.Node) -> list[tuple[str, int, int, int, int]]:
    """Every node's kind, start and end (line, column), depth first."""
    out = [(type(node).__name__, node.start_mark.line, node.start_mark.column,
            node.end_mark.line, node.end_mark.column)]
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            out += _positions(child)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out += _positions(key) + _positions(value)
    return out


PLAIN = """\
# the sources, as a thousand-source file writes them
sources:
  - id: harbour-times      # a comment
    url: "https://harbour-times.example/feed.xml"
    name: Harbour Times – café section
    robots: false
    schedule: {every: 15m}
  - {id: valley-courier, url: 'https://valley-courier.example/rss', tags: [a, b]}
  - id: night-desk
    note: |
      two lines,
      kept
    limit: 10
    ratio: 0.5
    when: 2026-11-21
"""


def test_a_file_without_aliases_reads_as_the_pure_python_reader_reads_it(
        tmp_path: Path) -> None:
    # Such files go through libyaml (a thousand-source sources.yaml in a tenth of the time);
    # data and every node's position must be what PyYAML's own reader gives.
    data, node, problems = read_yaml(_write(tmp_path, PLAIN))
    assert problems == [] and node is not None
    assert data == yaml.load(PLAIN, Loader=yaml.SafeLoader)
    pure = yaml.compose(PLAIN, Loader=yaml.SafeLoader)
    assert pure is not None
    assert _positions(node) == _positions(pure)
    assert data["sources"][0]["name"] == "Harbour Times – café section"
    assert locate(node, ("sources", 2, "limit")) == (13, 12)


def test_a_broken_file_is_reported_as_before(tmp_path: Path) -> None:
    data, node, problems = read_yaml(_write(tmp_path, "sources:\n  - id: a\n   url: b\n"))
    assert (data, node) == (None, None)
    assert [(p.line, p.column) for p in problems] == [(3, 4)]
    assert problems[0].message.startswith("invalid YAML: ")


def test_libyaml_counts_aliases_as_the_pure_python_reader_does(tmp_path: Path) -> None:
    # A 99-value list (100 nodes written out) aliased n times: exactly the cap, then one over.
    # A file within it is read through libyaml; one over it (or a loop) by the pure-Python
    # reader, which names the alias.
    terms = ", ".join(f"w{i}" for i in range(99))
    loop = "a: &loop\n  - x\n  - *loop\n"
    for aliases, allowed in ((MAX_ALIAS_NODES // 100, True), (MAX_ALIAS_NODES // 100 + 1, False)):
        text = f"t: &t [{terms}]\nuses:\n" + "  - *t\n" * aliases
        composed = yaml.compose(text, Loader=yaml.CSafeLoader)
        assert composed is not None
        assert _aliases_within_limit(composed) is allowed
        data, _, problems = read_yaml(_write(tmp_path, text))
        assert (problems == []) is allowed
        if allowed:
            assert data == yaml.load(text, Loader=yaml.SafeLoader)
        else:
            assert "expand too large" in problems[0].message
            assert problems[0].line == 3 + aliases - 1
    composed = yaml.compose(loop, Loader=yaml.CSafeLoader)
    assert composed is not None and not _aliases_within_limit(composed)
    data, _, problems = read_yaml(_write(tmp_path, BOMB))
    assert data is None and "expand too large" in problems[0].message
