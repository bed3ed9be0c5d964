"""The settings `newswatch sql` reads, straight from the environment, without pydantic.

`newswatch sql` should answer in well under half a second, and building `core.settings.Settings`
(pydantic-settings, every field validated, a cron parsed) takes about a fifth of that. These
are the same NEWSWATCH_* variables, with the same defaults and checks, matched without regard
to case as pydantic-settings matches them; tests/core/test_query_settings.py holds them equal
to `Settings`. A value that does not parse is left to `Settings`, whose error names it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class QuerySettings:
    config_dir: Path = Path("config")
    warehouse: Path = Path("data/newswatch.duckdb")
    read_wait_seconds: float = 5.0


# A plain number of seconds; anything else (empty, negative, "inf", "1e3") is left to Settings.
_SECONDS = re.compile(r"\d+(\.\d+)?")


def query_settings() -> QuerySettings:
    env = {name.upper(): value for name, value in os.environ.items()}
    config_dir, warehouse, wait = (env.get(f"NEWSWATCH_{field.upper()}") for field in
                                   ("config_dir", "warehouse", "read_wait_seconds"))
    if "" in (config_dir, warehouse) or (wait is not None and not _SECONDS.fullmatch(wait)):
        return _validated()
    defaults = QuerySettings()
    return QuerySettings(
        config_dir=Path(config_dir) if config_dir is not None else defaults.config_dir,
        warehouse=Path(warehouse) if warehouse is not None else defaults.warehouse,
        read_wait_seconds=float(wait) if wait is not None else defaults.read_wait_seconds)


def _validated() -> QuerySettings:
    from core.settings import Settings

    settings = Settings()   # raises the ValidationError that names the variable
    return QuerySettings(settings.config_dir, settings.warehouse, settings.read_wait_seconds)
