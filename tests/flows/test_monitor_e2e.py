"""The whole pipeline for real: Prefect flow, demo sites over HTTP, DuckDB file, SMTP inbox."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from core.settings import Settings
from demo.articles import ARTICLES, DemoArticle
from demo.clock import ADVANCE_HOURS
from demo.mailbox import LoopbackMailbox, ReceivedMail
from demo.server import DemoNewsServer
from flows.monitor import RunSummary, monitor_flow
from pipeline import progress
from tests.sql import one_row

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def _run(settings: Settings, now: datetime | None = None) -> RunSummary:
    return asyncio.run(monitor_flow(settings=settings, run_label="test", now=now))


def _counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: one_row(con, f"SELECT count(*) FROM {t}")[0]
                for t in ("articles", "article_urls", "stories", "matches", "alerts",
                          "deliveries", "article_versions")}
    finally:
        con.close()


def _settings(tmp_path: Path, server: DemoNewsServer) -> Settings:
    config = write_demo_config(tmp_path / "config", server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    # These runs follow the one ceasefire story's alert; the summit rule's alerts are
    # shown by `newswatch demo` and tests/rules/test_event_attach.py.
    (config / "rules" / "summits.yaml").unlink()
    return Settings(config_dir=config, warehouse=tmp_path / "wh.duckdb", fetch_retries=0)


def _url(server: DemoNewsServer, article: DemoArticle) -> str:
    return f"{server.base_url}/{article.site}/{article.path}"


def _check_wire_mail(mail: ReceivedMail, wire: list[DemoArticle],
                     server: DemoNewsServer) -> None:
    """The one email for the wire story: headline, link and sentence, in both parts."""
    html, text = mail.part("text/html"), mail.part("text/plain")
    assert any(a.headline in mail.subject for a in wire)
    urls = {_url(server, a) for a in wire}
    assert any(f'href="{u}"' in html for u in urls)
    # The ceasefire rule asks for "ceasefire" with what happens to it ("talks"): both marked.
    assert ("open <mark>talks</mark> on a <mark>ceasefire</mark> in the disputed border region"
            in html)
    assert "Also carried by" in html
    assert "ceasefire" in text
    assert any(u in text for u in urls), "the plain-text part must carry the link too"


def _matched_urls(warehouse: Path) -> set[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {r[0] for r in con.execute(
            "SELECT a.url FROM matches m JOIN articles a USING (article_id)").fetchall()}
    finally:
        con.close()


def _copies_and_sent(warehouse: Path, urls: list[str]) -> tuple[tuple[int, int], int]:
    """(copies stored of these URLs, the stories they are in), deliveries sent."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        copies = one_row(
            con, """SELECT count(*), count(DISTINCT story_id) FROM articles a
                    WHERE url IN (SELECT unnest(?))""", [urls])
        sent = one_row(con, "SELECT count(*) FROM deliveries WHERE status = 'sent'")
    finally:
        con.close()
    return (copies[0], copies[1]), sent[0]


def _first_run(settings: Settings, server: DemoNewsServer, mailbox: LoopbackMailbox,
               visible: list[DemoArticle]) -> list[DemoArticle]:
    """Everything visible is stored, progress is reported, one mail for the wire story and
    nothing for the distractors. Returns the wire story's copies."""
    events: list[tuple[str, int]] = []
    with progress.listening(lambda event, amount: events.append((event, amount))):
        first = _run(settings)
    assert first.articles_new == len(visible)
    # What `newswatch run` shows in a terminal: each source done, articles, alerts sent.
    assert sorted(e for e, _ in events) == ["alerts"] + ["source"] * len(server.sites())
    assert sum(n for e, n in events if e == "source") == len(visible)
    assert [n for e, n in events if e == "alerts"] == [1]
    assert first.errors == 0 and first.config_problems == []

    # Exactly one email for the wire story two sites carry.
    wire = [a for a in visible if "ceasefire" in a.labels]
    assert len({a.story for a in wire}) == 1 and len(wire) == 2, "demo content changed?"
    assert len(mailbox.received) == 1
    _check_wire_mail(mailbox.received[0], wire, server)
    # Distractors (sidebar links, sports truce, the verb cease, fire) raised nothing.
    assert _matched_urls(settings.warehouse) == {_url(server, a) for a in wire}
    return wire


def test_monitor_alerts_once_per_story_and_only_on_real_matches(
        prefect_harness: None, demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEMO_EMAIL_ENV, mailbox.apprise_url())
    settings = _settings(tmp_path, demo_server)
    visible = [a for a in ARTICLES if a.published_at <= demo_server.clock.now()]
    wire = _first_run(settings, demo_server, mailbox, visible)

    # Nothing new: no mail, no rows.
    before = _counts(settings.warehouse)
    second = _run(settings)
    assert second.articles_new == 0 and second.alerts_sent == 0
    assert all(s.not_modified for s in second.sources)
    assert _counts(settings.warehouse) == before
    assert len(mailbox.received) == 1

    # The clock moves: a new ceasefire story alerts once; the third copy of the wire story
    # joins its story and does not alert again.
    demo_server.clock.advance(ADVANCE_HOURS)
    appeared = [a for a in ARTICLES if visible[0].published_at and a not in visible
                and a.published_at <= demo_server.clock.now()]
    third = _run(settings)
    assert third.articles_new == len(appeared)
    assert third.alerts_sent == 1
    mails = mailbox.received
    assert len(mails) == 2
    new_story = [a for a in appeared if "ceasefire" in a.labels and a.story != wire[0].story]
    assert len(new_story) == 1
    assert new_story[0].headline in mails[1].subject
    copies, sent = _copies_and_sent(settings.warehouse, [
        _url(demo_server, a) for a in ARTICLES if a.story == wire[0].story])
    assert copies == (3, 1)
    assert sent == 2

    # And once more with nothing new: still two emails.
    fourth = _run(settings)
    assert fourth.alerts_sent == 0 and len(mailbox.received) == 2


def test_bad_sources_are_recorded_and_the_rest_still_alert(
        prefect_harness: None, demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEMO_EMAIL_ENV, mailbox.apprise_url())
    settings = _settings(tmp_path, demo_server)
    path = settings.config_dir / "sources.yaml"
    sources = yaml.safe_load(path.read_text())
    with LoopbackMailbox() as closed:   # a port that was free: nothing listens once stopped
        dead_port = closed.port
    sources["sources"] += [
        {"id": "garbage", "url": demo_server.garbage_feed_url},
        {"id": "unavailable", "url": demo_server.error_feed_url},
        {"id": "down", "url": f"http://127.0.0.1:{dead_port}/feed.xml"}]
    path.write_text(yaml.safe_dump(sources))

    summary = _run(settings)
    by_id = {s.source_id: s for s in summary.sources}
    assert by_id["garbage"].errors and "malformed_feed" in by_id["garbage"].errors[0]
    assert by_id["unavailable"].errors and "503" in by_id["unavailable"].errors[0]
    assert by_id["down"].errors and "connect" in by_id["down"].errors[0]
    healthy = [s for s in summary.sources if s.source_id not in {"garbage", "unavailable", "down"}]
    assert all(s.new_articles > 0 and not s.errors for s in healthy)
    assert len(mailbox.received) == 1

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    health = dict(con.execute(
        "SELECT source_id, last_error FROM v_source_health WHERE errors > 0").fetchall())
    con.close()
    assert set(health) == {"garbage", "unavailable", "down"}
    assert all(health.values())


def test_a_channel_outage_delays_the_alert_and_never_loses_it(
        prefect_harness: None, demo_server: DemoNewsServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path, demo_server)
    with LoopbackMailbox() as inbox:
        inbox.refuse("451 try again later")
        monkeypatch.setenv(DEMO_EMAIL_ENV, inbox.apprise_url())
        down = _run(settings)
        assert down.alerts_sent == 0 and len(down.delivery_failures) == 1
        assert "desk-email" in down.delivery_failures[0]
        inbox.refuse(None)
        # Retried once its backoff (1 min after the first failure) has passed.
        up = _run(settings, datetime.now(UTC) + timedelta(minutes=1))
        assert up.alerts_sent == 1
        assert len(inbox.received) == 1


def test_a_missing_secret_is_named_and_the_alert_waits(
        prefect_harness: None, demo_server: DemoNewsServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEMO_EMAIL_ENV, raising=False)
    settings = _settings(tmp_path, demo_server)
    summary = _run(settings)
    assert summary.alerts_queued == 1 and summary.alerts_sent == 0
    assert DEMO_EMAIL_ENV in summary.delivery_failures[0]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    status = con.execute("SELECT status, last_error FROM deliveries").fetchall()
    con.close()
    assert status[0][0] == "pending" and DEMO_EMAIL_ENV in status[0][1]
    shutil.rmtree(tmp_path / "config")
