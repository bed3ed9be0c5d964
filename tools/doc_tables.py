"""Field tables of the configuration models, for docs/configuration.md.

The doc holds each table between `<!-- fields: module:Model -->` and `<!-- end fields -->`;
tests/test_docs.py fails when a table differs from the model. To refresh them:

    python -m tools.doc_tables docs/configuration.md
"""

from __future__ import annotations

import importlib
import re
import sys
import types
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

BLOCK = re.compile(r"(<!-- fields: (?P<model>[\w.]+:\w+) -->\n)(?P<table>.*?)(<!-- end fields -->)",
                   re.DOTALL)
# Descriptions for fields whose model gives none (the model's own description wins).
FALLBACK = {
    "SourceConfig.enabled": "false: kept in the file but not fetched.",
    "Channel.name": "Short stable name; rules list it under `channels:`.",
    "Channel.format": "How alerts are rendered: email (HTML and text), slack (Block Kit), "
                      "markdown or text.",
    "Settings.user_agent": "Sent with every request: name yourself and a contact address "
                           "before watching real sites.",
    "Settings.fetch_retries": "Retries of a request that failed transiently (timeout, 429, "
                              "5xx), with backoff; Retry-After is honoured.",
    "Settings.fetch_backoff_seconds": "The first retry's wait; doubles after each retry.",
    "Settings.fetch_timeout_seconds": "Longest time one request may take in all.",
    "Settings.max_body_bytes": "A larger feed or page is not read; the failure is recorded.",
    "Settings.per_host_concurrency": "Requests at once to one host.",
}
_NAMES = {str: "text", int: "integer", float: "number", bool: "true / false", Path: "path",
          timedelta: "duration"}


def type_name(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (Union, types.UnionType):
        return " or ".join(type_name(a) for a in args if a is not type(None))
    if origin is list:
        return f"list of {type_name(args[0])}"
    if origin is dict:
        return f"map of {type_name(args[0])} to {type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation.__name__ == "EnvRef":
            return "`{$env: NAME}`"
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " \\| ".join(f"`{m.value}`" for m in annotation)
    return _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default(field: Any) -> str:
    if field.is_required():
        return "required"
    value = field.default
    if value is PydanticUndefined and field.default_factory is not None:
        value = field.default_factory()
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value in ({}, []):
        return "empty"
    return f"`{value}`"


def _cell(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


def field_table(model: type[BaseModel], env_prefix: str | None = None) -> str:
    """A Markdown table of the model's fields: name, type, default, description (and the
    environment variable, for settings)."""
    head = ["field", "type", "default", "description"]
    if env_prefix is not None:
        head.insert(1, "environment variable")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, field in model.model_fields.items():
        shown = field.alias or name
        row = [f"`{shown}`", type_name(field.annotation), _default(field),
               _cell(field.description or FALLBACK.get(f"{model.__name__}.{name}"))]
        if env_prefix is not None:
            row.insert(1, f"`{env_prefix}{name.upper()}`")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def _model(spec: str) -> tuple[type[BaseModel], str | None]:
    module, name = spec.split(":")
    model = getattr(importlib.import_module(module), name)
    prefix = model.model_config.get("env_prefix") if hasattr(model, "model_config") else None
    return model, prefix or None


def expected(doc: str) -> str:
    """The doc with every field table regenerated from its model."""
    def table(match: re.Match[str]) -> str:
        model, prefix = _model(match.group("model"))
        return match.group(1) + field_table(model, prefix) + match.group(4)

    return BLOCK.sub(table, doc)


def main(paths: list[str]) -> int:
    for path in map(Path, paths):
        text = path.read_text("utf-8")
        fresh = expected(text)
        if fresh != text:
            path.write_text(fresh, "utf-8")
            print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["docs/configuration.md"]))
