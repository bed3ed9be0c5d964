"""JSON Schema of rule files and of the watchlist, generated from the models.

Editors that speak the YAML language server check and complete rule files with it: put
`# yaml-language-server: $schema=../rules.schema.json` on a rule file's first line after
`newswatch rules schema > config/rules.schema.json`.
"""

from __future__ import annotations

from typing import Any

from rules.entities import EntityFile
from rules.models import RuleFile

_DURATION = {"type": "string", "pattern": "^[0-9]+[mhd]$",
             "description": "A number and a unit: m (minutes), h (hours) or d (days).",
             "examples": ["30m", "6h", "2d"]}


def rule_file_schema() -> dict[str, Any]:
    return _finish(RuleFile.model_json_schema(), "newswatch rule file",
                   "config/rules/*.yaml: rules: [...]")


def entity_file_schema() -> dict[str, Any]:
    return _finish(EntityFile.model_json_schema(), "newswatch watchlist",
                   "config/entities.yaml: entities: [...]")


def _finish(schema: dict[str, Any], title: str, description: str) -> dict[str, Any]:
    schema = _durations(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema,
            "title": title, "description": description}


def _durations(node: Any) -> Any:
    """Durations are written 6h, not ISO 8601: say so, or editors flag every valid value."""
    if isinstance(node, dict):
        if node.get("format") == "duration":
            return {**_DURATION, **{k: v for k, v in node.items()
                                    if k in ("default", "title", "description")}}
        return {k: _durations(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_durations(v) for v in node]
    return node
