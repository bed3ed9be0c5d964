"""The config loader on random YAML: every problem reported as a ConfigProblem with its
file, nothing raised, whatever the files hold."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ConfigProblem
from core.yamlfile import read_yaml
from pipeline.config import load_config

from .strategies import FUZZ

GOOD_RULE = """rules:
  - id: border
    name: Border
    match: {any: [Corvania, Estmark]}
    channels: [desk]
"""
GOOD_SOURCES = "sources:\n  - id: one\n    url: http://news.example/feed.xml\n"
GOOD_CHANNELS = "channels:\n  - name: desk\n    url: {$env: DESK_URL}\n"

KEYS = st.sampled_from(["id", "name", "url", "match", "any", "all", "not", "channels",
                        "severity", "sources", "rules", "channels", "$env", "digest", "kind",
                        "max_articles", "interval", "cron", "quiet_hours", "format", "chanels"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True), st.text(max_size=30))
TREES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(KEYS, st.text(max_size=8)), inner,
                                                 max_size=5)), max_leaves=25)
# Documents shaped like ours: the right top-level key over random content.
SHAPED = st.builds(lambda key, items: {key: items},
                   st.sampled_from(["rules", "sources", "channels"]), st.lists(TREES, max_size=4))
YAML_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list("{}[]:-,&*!|>'\"#%@` \n\tab01")), max_size=200),
    st.one_of(TREES, SHAPED).map(lambda t: yaml.safe_dump(t, allow_unicode=True)),
)


def _load(files: dict[str, str]) -> list[ConfigProblem]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "rules").mkdir()
        for name, text in files.items():
            (root / name).write_text(text, "utf-8", errors="surrogatepass")
        config = load_config(root)
        for problem in config.problems:
            assert isinstance(problem, ConfigProblem) and str(problem)
            assert problem.file
        if files.get("rules/good.yaml") and files.get("channels.yaml") == GOOD_CHANNELS:
            # One broken file never hides a good one.
            assert "border" in [r.id for r in config.rules]
        return config.problems


def test_the_good_files_load() -> None:
    assert _load({"sources.yaml": GOOD_SOURCES, "channels.yaml": GOOD_CHANNELS,
                  "rules/good.yaml": GOOD_RULE}) == []


@FUZZ
@given(YAML_TEXT)
def test_random_rule_file_next_to_a_good_one(text: str) -> None:
    _load({"sources.yaml": GOOD_SOURCES, "channels.yaml": GOOD_CHANNELS,
           "rules/good.yaml": GOOD_RULE, "rules/random.yaml": text})


@FUZZ
@given(YAML_TEXT, YAML_TEXT)
def test_random_sources_and_channels(sources: str, channels: str) -> None:
    _load({"sources.yaml": sources, "channels.yaml": channels, "rules/good.yaml": GOOD_RULE})


@FUZZ
@given(YAML_TEXT)
def test_read_yaml_reports_instead_of_raising(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.yaml"
        path.write_text(text, "utf-8", errors="surrogatepass")
        data, node, problems = read_yaml(path)
        assert all(isinstance(p, ConfigProblem) for p in problems)
        assert (data is None and node is None) or not problems
