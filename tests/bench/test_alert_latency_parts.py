"""The parts of bench/alert_latency.py that decide what is measured: probe stories each unlike
the others (so none is taken for a copy and left without its own alert), and the ranks."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.alert_latency import PROBES, SITES, nearest_rank, probe_story


def test_probe_stories_are_distinct_ceasefire_stories() -> None:
    when = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    probes = [probe_story(i, SITES[i % len(SITES)], when) for i in range(PROBES)]
    assert len({p.headline for p in probes}) == PROBES
    assert len({(p.site, p.path) for p in probes}) == PROBES
    assert all("ceasefire" in p.full_text().lower() for p in probes)
    words = [set(" ".join(p.paragraphs[1:]).split()) for p in probes]
    overlap = max(len(a & b) / len(a | b) for i, a in enumerate(words) for b in words[i + 1:])
    assert overlap < 0.2


def test_nearest_rank() -> None:
    values = [float(v) for v in range(1, 13)]   # 12 latencies
    assert nearest_rank(values, 0.5) == 6.0
    assert nearest_rank(values, 0.95) == 12.0
    assert nearest_rank([3.0], 0.95) == 3.0
