"""The configuration newswatch ships with: valid as loaded, well described, and every variable
it reads listed in .env.example.

The feed addresses themselves cannot be tested here: the tests run without internet access.
They were checked against the outlets' published feed addresses when written; on a machine
with internet, `newswatch run` reports any that fail (and `v_source_health` keeps the record).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from core.settings import Settings
from pipeline.config import load_config

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config"


def _env_example() -> set[str]:
    """Variable names in .env.example, set or commented out (`# NAME=value`)."""
    text = (REPO / ".env.example").read_text("utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def test_the_shipped_config_loads_without_problems() -> None:
    config = load_config(CONFIG)
    assert config.problems == []
    assert config.rules and config.channels


def test_at_least_fifteen_real_world_news_sources() -> None:
    sources = load_config(CONFIG).sources
    assert len(sources) >= 15
    enabled = [s for s in sources if s.enabled]
    assert len(enabled) >= 15
    hosts = {urlsplit(s.url).hostname for s in sources}
    assert len(hosts) >= 15, "mostly different outlets, not one outlet's sections"
    for source in sources:
        assert source.url.startswith("https://"), source.id
        host = urlsplit(source.url).hostname or ""
        assert "." in host and not host.endswith((".example", ".localhost", ".invalid")), host
        assert source.name and source.language, f"{source.id}: give a name and a language"
        assert source.interval or source.cron, f"{source.id}: give an interval"


def test_every_source_says_what_it_is() -> None:
    """Each entry's `- id:` line carries a comment naming the outlet and what it covers."""
    lines = (CONFIG / "sources.yaml").read_text("utf-8").splitlines()
    entries = [line for line in lines if re.match(r"\s*- id:", line)]
    assert len(entries) == len(load_config(CONFIG).sources)
    for line in entries:
        assert re.search(r"#\s*\S.{10,}", line), f"no comment on: {line.strip()}"


def test_env_example_lists_every_setting_and_secret() -> None:
    listed = _env_example()
    settings = {f"NEWSWATCH_{name.upper()}" for name in Settings.model_fields}
    assert settings <= listed, f"missing from .env.example: {sorted(settings - listed)}"
    secrets = set()
    for path in sorted(CONFIG.rglob("*.y*ml")):
        secrets |= set(re.findall(r"\{\s*\$env:\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}",
                                  path.read_text("utf-8")))
    assert secrets, "the shipped channels read their URLs from the environment"
    assert secrets <= listed, f"missing from .env.example: {sorted(secrets - listed)}"
    channels = yaml.safe_load((CONFIG / "channels.yaml").read_text("utf-8"))["channels"]
    assert {c["format"] for c in channels} >= {"email", "slack"}


def test_env_example_names_only_variables_newswatch_reads() -> None:
    known = {f"NEWSWATCH_{name.upper()}" for name in Settings.model_fields}
    for path in sorted(CONFIG.rglob("*.y*ml")):
        known |= set(re.findall(r"\$env:\s*([A-Za-z_][A-Za-z0-9_]*)", path.read_text("utf-8")))
    stray = {v for v in _env_example() if v.startswith("NEWSWATCH_")} - known
    assert not stray, f".env.example lists variables nothing reads: {sorted(stray)}"
