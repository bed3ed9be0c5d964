"""Two monitor runs at once on one warehouse: DuckDB's file lock serializes their write
batches; the articles are stored once, each (rule, story) alerts once, each alert is mailed
once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from demo.articles import ARTICLES
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer
from tests.sql import one_row

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("round_", range(3))
def test_two_overlapping_runs_store_once_and_alert_once(
        round_: int, demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
        tmp_path: Path) -> None:
    config = write_demo_config(tmp_path / "config", demo_server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    warehouse = tmp_path / "wh.duckdb"
    env = {**os.environ, DEMO_EMAIL_ENV: mailbox.apprise_url()}
    now = datetime.now(UTC).isoformat()
    children = [subprocess.Popen(
        [sys.executable, "-m", "tests.flows.crash_child", str(config), str(warehouse), now],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (_out, errors) in zip(children, outputs, strict=True):
        assert child.returncode == 0, errors
    summaries = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert all(s["failures"] == [] and s["fetch_errors"] == [] for s in summaries)

    visible = [a for a in ARTICLES if a.published_at <= demo_server.clock.now()]
    assert sum(s["articles_new"] for s in summaries) == len(visible)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        articles, urls = one_row(con, "SELECT count(*), count(DISTINCT url) FROM articles")
        per_story = one_row(
            con, "SELECT count(*), count(DISTINCT (rule_id, story_id)) FROM alerts")
        sent = one_row(con, "SELECT count(*) FROM deliveries WHERE status = 'sent'")[0]
        unevaluated = one_row(con, "SELECT count(*) FROM articles WHERE evaluated_at IS NULL")[0]
    finally:
        con.close()
    assert articles == urls == len(visible)
    assert per_story[0] == per_story[1] >= 1
    assert unevaluated == 0
    mails = mailbox.received
    assert sent == len(mails) == per_story[0]
    assert len({m.subject for m in mails}) == len(mails)
