"""docs/rules.md is what the models generate, every example in it validates, and every
"matches" / "no match" line under an example behaves as written."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli.app import app
from core.records import ArticleText
from rules.entities import Entity, EntityFile
from rules.matcher import CompiledRules
from rules.models import RuleFile
from rules.reference import DOC, MATCH, MISS, render

REPO = Path(__file__).resolve().parents[2]


def test_docs_rules_md_is_what_the_models_generate() -> None:
    assert DOC == REPO / "docs" / "rules.md"
    assert DOC.read_text("utf-8") == render(), (
        "docs/rules.md is out of date: run `python -m rules.reference > docs/rules.md`")


def doc_examples() -> list[tuple[dict[str, Any], list[str], list[str]]]:
    """Each YAML block of docs/rules.md with the match / no-match lines after it."""
    blocks: list[tuple[dict[str, Any], list[str], list[str]]] = []
    text = DOC.read_text("utf-8")
    for m in re.finditer(r"```yaml\n(.*?)```\n(.*?)(?=```yaml|\Z)", text, re.S):
        data = yaml.safe_load(m.group(1))
        after = m.group(2).split("\n#", 1)[0].splitlines()
        matches = [json.loads(line[len(MATCH):]) for line in after if line.startswith(MATCH)]
        misses = [json.loads(line[len(MISS):]) for line in after if line.startswith(MISS)]
        blocks.append((data, matches, misses))
    return blocks


def watchlist() -> dict[str, Entity]:
    (data,) = [d for d, _, _ in doc_examples() if "entities" in d]
    return {e.id: e for e in EntityFile.model_validate(data).entities}


def test_every_example_in_the_docs_validates() -> None:
    blocks = doc_examples()
    entities = watchlist()
    rule_blocks = [d for d, _, _ in blocks if "rules" in d]
    assert len(rule_blocks) >= 10
    for data in rule_blocks:
        RuleFile.model_validate(data, context={"entities": entities})


def test_every_documented_match_and_miss_holds() -> None:
    entities = watchlist()
    checked = 0
    for data, matches, misses in doc_examples():
        if "rules" not in data:
            continue
        compiled = CompiledRules(RuleFile.model_validate(data).rules, entities)
        for sentence, expected in [*((s, True) for s in matches), *((s, False) for s in misses)]:
            art = ArticleText("a", "s", "harbour-times", "Port news", None, sentence)
            found = compiled.evaluate(art)
            assert bool(found) is expected, (data["rules"][0]["id"], sentence)
            checked += 1
    assert checked >= 30


def test_rules_schema_command_prints_a_schema_editors_can_use(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    result = CliRunner().invoke(app, ["rules", "schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    validator = jsonschema.Draft202012Validator(schema)
    validator.check_schema(schema)
    # The shipped rules and every documented example are valid under it ...
    shipped = yaml.safe_load((REPO / "config" / "rules" / "ceasefire.yaml").read_text("utf-8"))
    assert list(validator.iter_errors(shipped)) == []
    for data, _, _ in doc_examples():
        if "rules" in data:
            assert list(validator.iter_errors(data)) == [], data
    # ... and what the models refuse, the schema refuses too.
    bad = [
        {"id": "x", "name": "X", "match": {"any": ["a"]}, "chanels": ["desk"]},
        {"id": "x", "name": "X", "match": {"none": ["a"]}, "channels": ["desk"]},
        {"id": "x", "name": "X", "match": {"any": [{"near": ["a"], "withn": 2}]},
         "channels": ["desk"]},
        {"id": "x", "name": "X", "match": {"any": ["a"]}, "channels": ["desk"],
         "max_age": "6 hours"},
    ]
    for rule in bad:
        assert list(validator.iter_errors({"rules": [rule]})), rule
    out = tmp_path / "rules.schema.json"
    result = CliRunner().invoke(app, ["rules", "schema", "--entities", "--output", str(out)])
    assert result.exit_code == 0
    entity_schema = json.loads(out.read_text("utf-8"))
    assert list(jsonschema.Draft202012Validator(entity_schema).iter_errors(
        {"entities": [{"id": "who", "name": "WHO", "kind": "organisation"}]})) == []


def test_the_shipped_schema_files_are_current_and_the_shipped_files_name_them() -> None:
    """config/*.schema.json are what the models generate today (regenerate them with
    `newswatch rules schema -o config/rules.schema.json` and `--entities -o
    config/entities.schema.json`), and every shipped file points editors at its schema."""
    from rules.schema import entity_file_schema, rule_file_schema

    for name, schema in (("rules.schema.json", rule_file_schema()),
                         ("entities.schema.json", entity_file_schema())):
        assert json.loads((REPO / "config" / name).read_text("utf-8")) == schema, name
    for path in (*sorted((REPO / "config" / "rules").glob("*.yaml")),
                 REPO / "config" / "entities.yaml"):
        first = path.read_text("utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target.is_file(), f"{path}: {target} does not exist"
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(rule_file_schema())
    for path in sorted((REPO / "config" / "rules").glob("*.yaml")):
        assert list(validator.iter_errors(yaml.safe_load(path.read_text("utf-8")))) == [], path
    watchlist = yaml.safe_load((REPO / "config" / "entities.yaml").read_text("utf-8"))
    assert list(jsonschema.Draft202012Validator(entity_file_schema())
                .iter_errors(watchlist)) == []
