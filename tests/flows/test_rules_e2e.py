"""Rules through the real monitor flow: demo sites over HTTP, DuckDB file, SMTP inbox.

A broken rule file is skipped and reported (summary, artifact, ops channel once); the watchlist's
mentions are stored for every new article; a threshold rule alerts once when crossed."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import duckdb
import pytest
from prefect.client.orchestration import get_client

from alerts.escaping import md, plain
from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from core.settings import Settings
from demo.articles import ARTICLES, DemoArticle
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer
from flows.monitor import RunSummary, monitor_flow
from tests.sql import one_row

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
OPS_ENV = "NEWSWATCH_TEST_OPS_URL"

ENTITY = """
  - id: adrian-volkas
    name: Adrian Volkas
    kind: person
    aliases: [Volkas]
    titles: [Corvanian president]
"""
WAVE = """\
rules:
  - id: border-wave
    kind: threshold
    name: Border conflict wave
    match: {any: [Corvania]}
    threshold: {articles: 3, sources: 2, within: 2d}
    channels: [desk-email]
"""
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


def _run(settings: Settings) -> RunSummary:
    return asyncio.run(monitor_flow(settings=settings, run_label="test"))


def _text(article: DemoArticle) -> str:
    return " ".join([article.headline, article.summary or "", *article.paragraphs])


async def _artifact() -> str:
    async with get_client() as client:
        artifact = await client.read_latest_artifacts()
    return " ".join(str(a.data) for a in artifact if a.key == "monitor-run")


def test_broken_rules_are_skipped_and_told_once_and_the_rest_alert(
        prefect_harness: None, demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEMO_EMAIL_ENV, mailbox.apprise_url())
    monkeypatch.setenv(OPS_ENV, mailbox.apprise_url(to="ops@newswatch.localhost"))
    config = write_demo_config(tmp_path / "config", demo_server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    with (config / "entities.yaml").open("a", encoding="utf-8") as watchlist:
        watchlist.write(ENTITY)   # the demo's president beside the real-world watchlist
    (config / "rules" / "wave.yaml").write_text(WAVE, "utf-8")
    (config / "rules" / "broken.yaml").write_text(BROKEN, "utf-8")
    with (config / "channels.yaml").open("a", encoding="utf-8") as channels:
        channels.write(OPS_CHANNEL)
    settings = Settings(config_dir=config, warehouse=tmp_path / "wh.duckdb", fetch_retries=0)
    visible = [a for a in ARTICLES if a.published_at <= demo_server.clock.now()]

    first = _run(settings)
    broken = f"{config / 'rules' / 'broken.yaml'}:5:5: rules[0].chanels: unknown key"
    assert any(p.startswith(broken) for p in first.config_problems), first.config_problems
    assert first.ops_messages == 1
    # The artifact is markdown: the problem is there, escaped so no link or emphasis forms.
    assert md(plain(broken)) in asyncio.run(_artifact())
    ops = [m for m in mailbox.received if m.recipients == ["ops@newswatch.localhost"]]
    assert len(ops) == 1
    assert f"{len(first.config_problems)} config problem(s)" in ops[0].subject
    assert broken in ops[0].part("text/plain")

    # The valid rules ran: the ceasefire alert, and one alert for the threshold crossing,
    # naming the sources that made it cross.
    desk = [m for m in mailbox.received if m.recipients == ["desk@newswatch.localhost"]]
    wave = [m for m in desk if "Border conflict wave" in m.part("text/plain")]
    assert len(wave) == 1
    corvania = [a for a in visible if "corvania" in _text(a).lower()]
    sources = sorted({a.site for a in corvania})
    assert len(sources) >= 2, "demo content changed?"
    found = re.search(r"(\d+) articles from (\d+) sources within 2d",
                      wave[0].part("text/plain"))
    assert found and (int(found.group(1)), int(found.group(2))) == (len(corvania), len(sources))
    assert any("ceasefire" in m.part("text/plain").lower() for m in desk if m not in wave)

    # Every new article's watchlist mentions are stored, with offsets into its field.
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    mentioned = {r[0] for r in con.execute(
        "SELECT a.url FROM entity_mentions JOIN articles a USING (article_id)").fetchall()}
    bad_offsets = one_row(
        con, """SELECT count(*) FROM entity_mentions e JOIN articles a USING (article_id)
           WHERE substr(CASE e.field WHEN 'title' THEN a.title WHEN 'summary' THEN a.summary
                        ELSE a.body END, e.start_offset + 1, e.end_offset - e.start_offset)
                 <> e.surface""")[0]
    con.close()
    expected = {f"{demo_server.base_url}/{a.site}/{a.path}" for a in visible
                if "volkas" in _text(a).lower()}
    assert expected and mentioned == expected
    assert bad_offsets == 0

    # Nothing new, same problem: not told again, and the threshold does not fire again.
    sent = len(mailbox.received)
    second = _run(settings)
    assert second.config_problems == first.config_problems
    assert second.ops_messages == 0 and len(mailbox.received) == sent
