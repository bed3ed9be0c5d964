"""Saved queries: `config/queries/NAME.sql`, with `$name` parameters given on the command line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from warehouse.errors import QueryError

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def saved_query_names(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.sql")) if folder.is_dir() else []


def load_saved_query(folder: Path, name: str) -> str:
    path = folder / f"{name}.sql"
    if not _NAME.match(name) or not path.is_file():
        known = ", ".join(saved_query_names(folder)) or "none"
        raise QueryError(f"no saved query {name!r} in {folder}; saved queries: {known}")
    return path.read_text("utf-8")


def query_parameters(sql: str) -> list[str]:
    """The `$name` parameters a query uses, in order of first use (string literals ignored)."""
    without_strings = re.sub(r"'(?:[^']|'')*'", "''", sql)
    return list(dict.fromkeys(_PARAM.findall(without_strings)))


def parse_params(pairs: list[str], sql: str) -> dict[str, Any]:
    """`key=value` pairs to typed values; every parameter the query uses must be given."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise QueryError(f"--param {pair!r}: write it as name=value")
        values[key.strip()] = _typed(raw)
    wanted = query_parameters(sql)
    missing = [p for p in wanted if p not in values]
    if missing:
        raise QueryError(f"the query needs --param for: {', '.join(missing)}")
    unused = [k for k in values if k not in wanted]
    if unused:
        raise QueryError(f"the query has no parameter {', '.join(unused)}; it uses: "
                         f"{', '.join(wanted) or 'none'}")
    return values


def _typed(raw: str) -> Any:
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            continue
    return raw
