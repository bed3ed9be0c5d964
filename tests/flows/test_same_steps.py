"""The same steps, the same result: one demo scenario run through the monitor flow, the staged
flows (scrape, then load) and the plain runner, each on a fresh warehouse with its own SMTP
inbox, must store and send the same things.

The scenario has something for every post-load step: articles and stories from the demo
sites, rules that match and alert, a rule file that is broken (a config problem told to the
ops channel) and a source that fails (a source-health notice, raised after one failed run).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from core.settings import Settings
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer
from flows.monitor import monitor_flow
from flows.scale import load_staged_flow, scrape_flow
from pipeline.runner import run_plain
from pipeline.summary import RunSummary

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
OPS_ENV = "NEWSWATCH_TEST_SAME_STEPS_OPS_URL"
OPS = "ops@newswatch.localhost"
BROKEN = """\
rules:
  - id: broken
    name: Broken
    match: {any: [truce]}
    chanels: [desk-email]
"""
OPS_CHANNEL = f"""
  - name: ops-email
    url: {{$env: {OPS_ENV}}}
    format: text
    ops: true
"""
RUNNERS = ("monitor", "staged", "plain")


@dataclass(frozen=True)
class Outcome:
    """What a run left in its warehouse and its inbox, free of times and run ids."""

    articles: list[str]
    stories: list[tuple[str, list[str]]]          # story id, its article ids
    matches: list[tuple[str, str]]                # rule, article
    alerts: list[tuple[str, str, str]]            # alert, rule, story
    sent: list[tuple[str, str]]                   # alert, channel
    mails: list[tuple[tuple[str, ...], str]]      # recipients, subject
    health: list[tuple[str, str, str, bool]]      # source, problem, detail, ops told
    problems: list[tuple[str, bool]]              # config problem, ops told
    runs: list[tuple[int, int, int, int]]         # sources, articles new, matches, sent


def _config(tmp_path: Path, server: DemoNewsServer) -> Path:
    config = write_demo_config(tmp_path / "config", server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    (config / "rules" / "broken.yaml").write_text(BROKEN, "utf-8")
    with (config / "channels.yaml").open("a", encoding="utf-8") as channels:
        channels.write(OPS_CHANNEL)
    path = config / "sources.yaml"
    sources = yaml.safe_load(path.read_text("utf-8"))
    sources["sources"].append({"id": "unavailable", "url": server.error_feed_url})
    path.write_text(yaml.safe_dump(sources), "utf-8")
    return config


async def _run(runner: str, settings: Settings, now: datetime) -> RunSummary:
    if runner == "monitor":
        return await monitor_flow(settings=settings, run_label="test", now=now)
    if runner == "staged":
        await scrape_flow(settings=settings)
        return await load_staged_flow(settings=settings, run_label="test", now=now)
    return (await run_plain(settings, now)).summary


def _outcome(warehouse: Path, inbox: LoopbackMailbox) -> Outcome:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        def rows(sql: str) -> list[Any]:
            return [tuple(r) if len(r) > 1 else r[0] for r in con.execute(sql).fetchall()]
        return Outcome(
            articles=rows("SELECT article_id FROM articles ORDER BY 1"),
            stories=rows("""SELECT s.story_id, list(a.article_id ORDER BY a.article_id)
                            FROM stories s JOIN articles a USING (story_id)
                            GROUP BY 1 ORDER BY 1"""),
            matches=rows("SELECT rule_id, article_id FROM matches ORDER BY 1, 2"),
            alerts=rows("SELECT alert_id, rule_id, story_id FROM alerts ORDER BY 1"),
            sent=rows("SELECT alert_id, channel FROM deliveries WHERE status = 'sent' "
                      "ORDER BY 1, 2"),
            mails=sorted((tuple(m.recipients), m.subject) for m in inbox.received),
            health=rows("""SELECT source_id, problem, detail, notified_at IS NOT NULL
                           FROM source_alerts ORDER BY 1, 2"""),
            problems=rows("SELECT problem, notified_at IS NOT NULL FROM config_problems "
                          "ORDER BY 1"),
            runs=rows("SELECT sources, articles_new, matches_new, alerts_sent FROM runs"))
    finally:
        con.close()


def _through(runner: str, config: Path, root: Path, now: datetime,
             monkeypatch: pytest.MonkeyPatch) -> tuple[RunSummary, Outcome]:
    settings = Settings(config_dir=config, warehouse=root / "wh.duckdb",
                        staging_dir=root / "staging", fetch_retries=0, source_failure_runs=1)
    with LoopbackMailbox() as inbox:
        monkeypatch.setenv(DEMO_EMAIL_ENV, inbox.apprise_url())
        monkeypatch.setenv(OPS_ENV, inbox.apprise_url(to=OPS))
        summary = asyncio.run(_run(runner, settings, now))
        return summary, _outcome(settings.warehouse, inbox)


def _figures(summary: RunSummary) -> dict[str, object]:
    return {"articles_new": summary.articles_new, "stories_new": summary.stories_new,
            "matches": summary.matches, "alerts_queued": summary.alerts_queued,
            "alerts_sent": summary.alerts_sent, "ops_messages": summary.ops_messages,
            "source_notices": summary.source_notices,
            "config_problems": summary.config_problems,
            "delivery_failures": summary.delivery_failures,
            # the staged loader lists the sources of its batches as the scrape's runners do
            "sources": sorted(summary.sources, key=lambda s: s.source_id)}


def test_every_runner_stores_and_sends_the_same(
        prefect_harness: None, demo_server: DemoNewsServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(tmp_path, demo_server)
    now = datetime.now(UTC)
    done = {runner: _through(runner, config, tmp_path / runner, now, monkeypatch)
            for runner in RUNNERS}
    summaries = {runner: summary for runner, (summary, _) in done.items()}
    outcomes = {runner: outcome for runner, (_, outcome) in done.items()}

    # The scenario exercises every step (else agreeing would prove little).
    plain = outcomes["plain"]
    assert plain.articles and plain.matches and plain.sent
    assert plain.runs == [(4, len(plain.articles), len(plain.matches), len(plain.sent))]
    assert len(summaries["plain"].sources) == 4 and summaries["plain"].errors
    assert len(plain.stories) < len(plain.articles), "no story with several copies?"
    assert any("broken.yaml" in problem for problem, _ in plain.problems)
    assert all(told for _, told in plain.problems)
    assert [(s, p, told) for s, p, _, told in plain.health] == [("unavailable", "failing", True)]
    ops_mails = [subject for recipients, subject in plain.mails if recipients == (OPS,)]
    assert len(ops_mails) == 2 and any("config problem(s)" in s for s in ops_mails)

    for runner in ("monitor", "staged"):
        assert outcomes[runner] == plain, f"{runner} differs from the plain runner"
        assert _figures(summaries[runner]) == _figures(summaries["plain"]), runner
    assert summaries["plain"].ops_messages == 2
