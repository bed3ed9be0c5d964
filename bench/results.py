"""`make bench` figures as numbers, for comparing versions: data/bench/results.json.

Each benchmark module calls `record()` with the figures it measured; keys carry their unit
(`_seconds`, `_ms_per_article`, `_mb_`, `_ratio`) and values are plain numbers. A module run on
its own updates only its own keys, so the file always holds the latest figure of each.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "data" / "bench" / "results.json"


def record(figures: dict[str, float], path: Path | None = None) -> None:
    """Merge `figures` into the results file (written whole under a temporary name, then
    renamed, so a reader never sees half a file)."""
    target = path or Path(os.environ.get("NEWSWATCH_BENCH_RESULTS", RESULTS))
    for key, value in figures.items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            raise ValueError(f"bench figure {key!r} must be a finite number, got {value!r}")
    current: dict[str, float] = {}
    if target.exists():
        try:
            current = json.loads(target.read_text(encoding="utf-8"))
        except ValueError:
            current = {}   # a damaged file is replaced by this run's figures
    current.update({key: round(float(value), 4) for key, value in figures.items()})
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    temporary.replace(target)
