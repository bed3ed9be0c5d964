"""data/bench/results.json: numbers only, merged per module, never half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.results import record


def test_figures_merge_and_latest_wins(tmp_path: Path) -> None:
    target = tmp_path / "bench" / "results.json"
    record({"articles_per_second": 81.2, "newswatch_f1": 0.97}, path=target)
    record({"articles_per_second": 90}, path=target)
    assert json.loads(target.read_text()) == {"articles_per_second": 90.0, "newswatch_f1": 0.97}
    assert not target.with_suffix(".json.tmp").exists()


@pytest.mark.parametrize("bad", [float("nan"), "fast", None, True])
def test_non_numbers_are_refused(tmp_path: Path, bad: object) -> None:
    with pytest.raises(ValueError, match="finite number"):
        record({"articles_per_second": bad}, path=tmp_path / "r.json")  # type: ignore[dict-item]  # a wrong type on purpose: record() must refuse it
