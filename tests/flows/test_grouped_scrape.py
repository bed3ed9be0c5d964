"""Prefect's cost per run, not per source: the monitor flow scrapes its sources in a bounded
number of tasks (flows/monitor.py: one per 250 sources, at most SCRAPE_TASKS), so a run over
40 sources creates as many task runs as one over 5; a source raising inside a group's task
does not stop the other sources of that group; and the run's artifact lists every source's
outcome."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import UUID

import pytest
import yaml

from core.settings import Settings
from flows.monitor import SCRAPE_TASKS, monitor_flow, scrape_groups
from pipeline.summary import RunSummary
from tests.flows.buggy_source import raise_for
from tests.scrapers.hostile_server import HostileServer, reply

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>'
        b"<link>http://127.0.0.1/</link><description>d</description></channel></rss>")


def _settings(tmp_path: Path, server: HostileServer, count: int) -> Settings:
    """`count` sources, each an empty RSS feed on the loopback server; no rules or channels."""
    config = tmp_path / f"config-{count}"
    (config / "rules").mkdir(parents=True)
    sources = [{"id": f"src-{i:02d}", "robots": False, "allow_private_addresses": True,
                "url": server.route(f"/feed/{count}/{i}", reply(
                    200, FEED, {"Content-Type": "application/rss+xml"}))}
               for i in range(count)]
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}), "utf-8")
    (config / "channels.yaml").write_text("channels: []\n", "utf-8")
    return Settings(config_dir=config, warehouse=tmp_path / f"wh-{count}.duckdb",
                    fetch_retries=0)


async def _task_runs(run_id: str) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[UUID(run_id)])))
    return sorted(r.name for r in runs)


async def _artifact(run_id: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async with get_client() as client:
        artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(run_id)])))
    return " ".join(str(a.data) for a in artifacts if a.key == "monitor-run")


def _run(settings: Settings) -> RunSummary:
    return asyncio.run(monitor_flow(settings=settings, run_label="grouped"))


def test_task_runs_do_not_grow_with_the_sources(prefect_harness: None,
                                                  tmp_path: Path) -> None:
    counts = {}
    with HostileServer() as server:
        for count in (5, 40):
            summary = _run(_settings(tmp_path, server, count))
            assert len(summary.sources) == count and summary.errors == 0
            names = asyncio.run(_task_runs(summary.run_id))
            scrapes = [n for n in names if n.startswith("scrape ")]
            assert len(scrapes) == 1, names
            counts[count] = len(names)
    assert counts[5] == counts[40], counts
    # Scrape, load, source health; nothing to evaluate, deliver or digest: those stages were
    # skipped, not run as tasks.
    assert counts[40] == 3, counts


def test_the_scrape_tasks_are_bounded() -> None:
    assert [scrape_groups(n) for n in (0, 1, 250, 251, 999, 1000, 1001, 100_000)] == [
        1, 1, 1, 2, 4, 4, SCRAPE_TASKS, SCRAPE_TASKS]


def test_a_source_raising_in_a_group_does_not_stop_its_group(
        prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raise_for("src-00", monkeypatch)

    with HostileServer() as server:
        summary = _run(_settings(tmp_path, server, 9))
    errors = {s.source_id: s.errors for s in summary.sources}
    assert len(errors) == 9
    assert errors.pop("src-00")[0].startswith("internal_error: unexpected RuntimeError")
    assert all(e == [] for e in errors.values())   # all of them shared its task
    assert all(s.entries == 0 and s.source_id for s in summary.sources)

    markdown = asyncio.run(_artifact(summary.run_id))
    for i in range(9):
        assert f"| src-{i:02d} |" in markdown.replace("\\-", "-")
    assert "internal\\_error" in markdown or "internal_error" in markdown
