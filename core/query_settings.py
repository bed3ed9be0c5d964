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
    read_copy: Path | None = None
    read_copy_enabled: bool = True

    def read_copy_of(self, warehouse: Path | None = None) -> Path | None:
        """As `Settings.read_copy_of`: the read copy of `warehouse`, None when copies are off."""
        if not self.read_copy_enabled:
            return None
        if warehouse is None or warehouse.resolve() == self.warehouse.resolve():
            return self.read_copy or default_read_copy(self.warehouse)
        return default_read_copy(warehouse)


def default_read_copy(warehouse: Path) -> Path:
    """`data/newswatch.duckdb` -> `data/newswatch.read.duckdb`."""
    return warehouse.with_name(f"{warehouse.stem}.read.duckdb")


# A plain number of seconds; anything else (empty, negative, "inf", "1e3") is left to Settings.
_SECONDS = re.compile(r"\d+(\.\d+)?")
# The spellings pydantic reads as booleans; anything else is left to Settings.
_BOOLS = {"true": True, "1": True, "yes": True, "on": True, "t": True, "y": True,
          "false": False, "0": False, "no": False, "off": False, "f": False, "n": False}


def query_settings() -> QuerySettings:
    env = {name.upper(): value for name, value in os.environ.items()}
    config_dir, warehouse, wait, copy, enabled = (
        env.get(f"NEWSWATCH_{field.upper()}") for field in
        ("config_dir", "warehouse", "read_wait_seconds", "read_copy", "read_copy_enabled"))
    if ("" in (config_dir, warehouse, copy) or (wait is not None and not _SECONDS.fullmatch(wait))
            or (enabled is not None and enabled.strip().lower() not in _BOOLS)):
        return _validated()
    defaults = QuerySettings()
    return QuerySettings(
        config_dir=Path(config_dir) if config_dir is not None else defaults.config_dir,
        warehouse=Path(warehouse) if warehouse is not None else defaults.warehouse,
        read_wait_seconds=float(wait) if wait is not None else defaults.read_wait_seconds,
        read_copy=Path(copy) if copy is not None else None,
        read_copy_enabled=_BOOLS[enabled.strip().lower()] if enabled is not None else True)


def _validated() -> QuerySettings:
    from core.settings import Settings

    settings = Settings()   # raises the ValidationError that names the variable
    return QuerySettings(settings.config_dir, settings.warehouse, settings.read_wait_seconds,
                         settings.read_copy, settings.read_copy_enabled)
