"""Unknown keys that look like type names ("A", "Match", "str") are still the user's keys:
reported at their line, never a crash (found by tests/property: `A:` in channels.yaml raised
IndexError out of load_config)."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import load_config

RULE = """rules:
  - id: border
    name: Border
    Match: {any: [Corvania]}
    match: {any: [Estmark]}
    channels: [desk]
"""


def _problems(tmp_path: Path, channels: str, rule: str = "") -> list[str]:
    (tmp_path / "rules").mkdir()
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: one\n    url: http://news.example/feed.xml\n", "utf-8")
    (tmp_path / "channels.yaml").write_text(channels, "utf-8")
    if rule:
        (tmp_path / "rules" / "r.yaml").write_text(rule, "utf-8")
    return [str(p) for p in load_config(tmp_path).problems]


def test_a_capitalised_top_level_key_is_an_unknown_key(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "A:\n")
    assert f"{tmp_path / 'channels.yaml'}:1:1: A: unknown key; allowed: channels" in problems


def test_a_capitalised_key_in_a_rule_points_at_its_line(tmp_path: Path) -> None:
    channels = "channels:\n  - name: desk\n    url: {$env: DESK_URL}\n"
    problems = _problems(tmp_path, channels, RULE)
    where = f"{tmp_path / 'rules' / 'r.yaml'}:4:5: rules[0].Match: unknown key; did you mean "
    assert any(p.startswith(f"{where}'match'?") for p in problems), problems
