"""`core.query_settings` reads what `Settings` reads: the same variables, defaults and checks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.query_settings import QuerySettings, query_settings
from core.settings import Settings

CASES = [
    {},
    {"NEWSWATCH_WAREHOUSE": "/srv/nw/wh.duckdb", "NEWSWATCH_CONFIG_DIR": "/etc/nw",
     "NEWSWATCH_READ_WAIT_SECONDS": "12.5"},
    {"newswatch_warehouse": "lower/case.duckdb", "NEWSWATCH_READ_WAIT_SECONDS": "0"},
    {"NEWSWATCH_READ_WAIT_SECONDS": "1e1"},       # not plain: Settings decides
    {"NEWSWATCH_READ_WAIT_SECONDS": " 7 "},
    {"NEWSWATCH_CONFIG_DIR": "with space/config"},
    {"NEWSWATCH_READ_COPY": "/srv/nw/copy.duckdb", "NEWSWATCH_READ_COPY_ENABLED": "yes"},
    {"NEWSWATCH_READ_COPY_ENABLED": "false"},
    {"NEWSWATCH_READ_COPY_ENABLED": "0", "NEWSWATCH_WAREHOUSE": "x/wh.duckdb"},
]


def _fields(settings: Settings | QuerySettings) -> tuple[object, ...]:
    return (settings.config_dir, settings.warehouse, settings.read_wait_seconds,
            settings.read_copy, settings.read_copy_enabled, settings.read_copy_of())


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CONFIG_DIR", "WAREHOUSE", "READ_WAIT_SECONDS", "READ_COPY",
                 "READ_COPY_ENABLED"):
        monkeypatch.delenv(f"NEWSWATCH_{name}", raising=False)
        monkeypatch.delenv(f"newswatch_{name.lower()}", raising=False)


def test_the_defaults_are_those_of_settings() -> None:
    assert _fields(QuerySettings()) == _fields(Settings())


@pytest.mark.parametrize("env", CASES)
def test_the_same_values_as_settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _fields(query_settings()) == _fields(Settings())


@pytest.mark.parametrize("wait", ["-1", "soon", "nan", ""])
def test_a_value_settings_refuses_is_refused_with_its_error(
        wait: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_READ_WAIT_SECONDS", wait)
    with pytest.raises(ValidationError, match="read_wait_seconds"):
        query_settings()
