"""`newswatch serve`: the deployments it builds, and a served schedule firing for real."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import yaml
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from core.schedules import Schedule
from core.settings import Settings
from demo.articles import ARTICLES
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer
from flows.serve import build_deployments, local_server, monitor_deployment_name
from flows.unresponsive import AUTOMATION_NAME
from pipeline.config import load_config
from tests.sql import one_row

REPO = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, server: DemoNewsServer, **schedule: str) -> Path:
    config = write_demo_config(tmp_path / "config", server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    (config / "rules" / "summits.yaml").unlink()   # the one ceasefire alert is what is counted
    path = config / "sources.yaml"
    data = yaml.safe_load(path.read_text())
    for source in data["sources"]:
        source.update(schedule)
    path.write_text(yaml.safe_dump(data))
    return config


def test_deployments_one_per_schedule_with_json_parameters(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [
        {"id": "bbc-world", "url": "https://example.org/a", "interval": "15m"},
        {"id": "guardian-world", "url": "https://example.org/b", "interval": "15m"},
        {"id": "un-news", "url": "https://example.org/c", "cron": "*/10 6-22 * * *"},
        {"id": "slow", "url": "https://example.org/d"},
        {"id": "off", "url": "https://example.org/e", "enabled": False}]}))
    settings = Settings(config_dir=config_dir, warehouse=tmp_path / "wh.duckdb")
    deployments = build_deployments(settings, load_config(config_dir))
    names = [d.name for d in deployments]
    assert names == ["monitor every 15m: bbc-world, guardian-world",
                     "monitor every 30m: slow",
                     "monitor cron *\u221510 6-22 * * *: un-news",
                     "digest every 5m", "maintenance cron 30 3 * * *"]
    first = deployments[0]
    assert first.parameters == {"source_ids": ["bbc-world", "guardian-world"],
                                "run_label": "every 15m"}
    assert first.entrypoint == "flows.monitor.monitor_flow"
    assert first.schedules is not None and deployments[2].schedules is not None
    every, cron = first.schedules[0].schedule, deployments[2].schedules[0].schedule
    assert isinstance(every, IntervalSchedule) and every.interval == timedelta(minutes=15)
    assert isinstance(cron, CronSchedule) and cron.cron == "*/10 6-22 * * *"
    assert all("/" not in n for n in names)


def test_long_group_names_are_shortened() -> None:
    ids = [f"s{i}" for i in range(9)]
    name = monitor_deployment_name(Schedule(interval=timedelta(hours=1)), ids)
    assert name == "monitor every 1h: s0, s1, s2, s3, s4, s5 +3 more"


@pytest.mark.e2e
def test_a_served_schedule_fires_and_completes_with_its_artifact(
        demo_server: DemoNewsServer, mailbox: LoopbackMailbox, tmp_path: Path) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowFilter,
        FlowFilterName,
    )
    from prefect.settings import PREFECT_API_URL, temporary_settings

    config = _config(tmp_path, demo_server, interval="1m")
    warehouse = tmp_path / "wh.duckdb"
    home = tmp_path / "prefect-home"
    with local_server(home=home, log=tmp_path / "server.log") as api_url:
        env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_HOME": str(home),
               "PREFECT_RUNNER_POLL_FREQUENCY": "1", "PREFECT_LOGGING_LEVEL": "INFO",
               "NEWSWATCH_CONFIG_DIR": str(config), "NEWSWATCH_WAREHOUSE": str(warehouse),
               "NEWSWATCH_FETCH_RETRIES": "0", "NEWSWATCH_DIGEST_INTERVAL": "1d",
               DEMO_EMAIL_ENV: mailbox.apprise_url()}
        log = (tmp_path / "serve.log").open("wb")
        serve = subprocess.Popen([sys.executable, "-m", "flows.serve"], cwd=REPO, env=env,
                                 stdout=log, stderr=subprocess.STDOUT)
        try:
            with temporary_settings(updates={PREFECT_API_URL: api_url}), \
                    get_client(sync_client=True) as client:
                deadline = time.monotonic() + 120
                done = None
                while done is None and time.monotonic() < deadline:
                    assert serve.poll() is None, (tmp_path / "serve.log").read_text()
                    runs = client.read_flow_runs(flow_filter=FlowFilter(
                        name=FlowFilterName(any_=["newswatch-monitor"])))
                    failed = [r for r in runs if r.state and r.state.is_final()
                              and not r.state.is_completed()]
                    assert not failed, (failed, (tmp_path / "serve.log").read_text())
                    done = next((r for r in runs if r.state and r.state.is_completed()), None)
                    time.sleep(1)
                assert done is not None, (tmp_path / "serve.log").read_text()
                assert done.name == "monitor every 1m"
                assert done.parameters["source_ids"] == [
                    s.id for s in load_config(config).sources]
                artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(any_=["monitor-run"])))
                mine = [a for a in artifacts if a.flow_run_id == done.id]
                assert mine and "New articles:" in str(mine[0].data)
                # serve created the automation that marks a run Crashed if serve dies mid-run.
                [watch] = client.read_automations_by_name(AUTOMATION_NAME)
                assert watch.enabled and "newswatch-monitor" in str(watch.trigger)
        finally:
            serve.terminate()
            serve.wait(timeout=30)
            log.close()
    visible = [a for a in ARTICLES if a.published_at <= demo_server.clock.now()]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        stored = one_row(con, "SELECT count(*) FROM articles")[0]
    finally:
        con.close()
    assert stored == len(visible)
    assert len(mailbox.received) == 1   # the one ceasefire story, once
