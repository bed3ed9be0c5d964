"""Failing sources told to ops once, and once when they recover: real HTTP on 127.0.0.1 (the
demo's pages through the counting server), a real DuckDB file and real SMTP inboxes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from alerts.source_notices import SourceAlertReport, check_sources, render_notices
from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from core.settings import Settings
from demo.clock import DemoClock
from demo.mailbox import LoopbackMailbox
from demo.routes import DemoApp
from demo.server import DemoNewsServer
from flows.monitor import RunSummary, monitor_flow
from pipeline.config import load_config
from pipeline.fetching import fetch_policy
from scrapers.fetch import Fetcher
from scrapers.pipeline import scrape_source
from tests.alerts.hostile_strings import LIVE
from tests.alerts.service_http import Services, services
from tests.scrapers.hostile_server import (
    HostileRequest,
    HostileServer,
    demo_app,
    reply,
    robots_txt,
)
from warehouse.articles import load_results, register_sources, source_state
from warehouse.connection import writer
from warehouse.source_health import Notice

__all__ = ["services"]   # the fixture
REPO = Path(__file__).resolve().parents[2]
FEED = "/harbour-times/feed.xml"
T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def site() -> Iterator[HostileServer]:
    with HostileServer() as server:
        server.fallback = demo_app(DemoApp(DemoClock(), server.base_url))
        yield server


def _settings(tmp_path: Path, site: HostileServer, monkeypatch: pytest.MonkeyPatch,
              inboxes: dict[str, LoopbackMailbox]) -> Settings:
    config = tmp_path / "config"
    (config / "rules").mkdir(parents=True)
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [
        {"id": "harbour-times", "name": "The Harbour Times", "url": site.base_url + FEED}]}))
    channels = []
    for name, box in inboxes.items():
        variable = f"OPS_TEST_{name.upper().replace('-', '_')}_URL"
        monkeypatch.setenv(variable, box.apprise_url(to=f"{name}@newswatch.localhost"))
        channels.append({"name": name, "url": {"$env": variable}, "format": "email",
                         "ops": True})
    (config / "channels.yaml").write_text(yaml.safe_dump({"channels": channels}))
    return Settings(config_dir=config, warehouse=tmp_path / "wh.duckdb", fetch_retries=0)


def one_run(settings: Settings, now: datetime) -> SourceAlertReport:
    """What the monitor flow does for this up to the health check, without Prefect."""
    config = load_config(settings.config_dir)
    assert config.problems == []
    [source] = config.sources

    async def scrape_and_check() -> SourceAlertReport:
        with writer(settings.warehouse) as con:
            register_sources(con, config.sources)
            known, validators = source_state(con, source.id)
        async with Fetcher(fetch_policy(settings)) as fetcher:
            result = await scrape_source(source, fetcher, known_urls=known, validators=validators)
        with writer(settings.warehouse) as con:
            load_results(con, f"run-{now:%H%M%S%f}", [result])
        return await check_sources(settings, config, now=now, source_ids=[source.id])
    return asyncio.run(scrape_and_check())


def test_a_failing_source_alerts_once_and_recovers_once(
        tmp_path: Path, site: HostileServer, mailbox: LoopbackMailbox,
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path, site, monkeypatch, {"ops-mail": mailbox})
    hour = iter(range(100))

    def run() -> SourceAlertReport:
        return one_run(settings, T0 + timedelta(hours=next(hour)))

    assert run().changes == []                                   # healthy, articles stored
    site.route(FEED, reply(503, b"down for maintenance"))
    assert [run().changes, run().changes] == [[], []]            # two failures: not yet
    assert mailbox.received == []
    third = run()
    assert [(c.problem, c.recovered) for c in third.changes] == [("failing", False)]
    assert third.sent == 1 and third.failures == []
    [mail] = mailbox.received
    assert mail.recipients == ["ops-mail@newswatch.localhost"]
    assert mail.subject == "[newswatch] sources: The Harbour Times failing"
    body = mail.part("text/html")
    assert "FAILING: The Harbour Times (harbour-times): its feed failed in the last 3 runs" in body
    assert f"server_error: HTTP 503 Service Unavailable ({site.base_url}{FEED})" in body
    for _ in range(3):                                            # still failing: no repeats
        assert run().sent == 0
    assert len(mailbox.received) == 1

    del site.routes[FEED]
    back = run()
    assert [(c.problem, c.recovered) for c in back.changes] == [("failing", True)]
    assert len(mailbox.received) == 2
    recovery = mailbox.received[1]
    assert recovery.subject == "[newswatch] sources: The Harbour Times recovered"
    assert ("RECOVERED: The Harbour Times (harbour-times), failing since 2026-11-21 15:00 UTC: "
            "its feed answers again") in recovery.part("text/html")
    assert run().sent == 0 and len(mailbox.received) == 2


def test_an_ops_channel_outage_delays_the_notice_and_never_repeats_it(
        tmp_path: Path, site: HostileServer, mailbox: LoopbackMailbox,
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path, site, monkeypatch, {"ops-mail": mailbox})
    site.route(FEED, reply(503, b"down"))
    mailbox.refuse("451 try again later")
    reports = [one_run(settings, T0 + timedelta(hours=h)) for h in range(3)]
    assert [len(r.changes) for r in reports] == [0, 0, 1]
    assert reports[2].sent == 0
    assert reports[2].failures and reports[2].failures[0].startswith("ops-mail (ops, source ")
    mailbox.refuse(None)
    later = one_run(settings, T0 + timedelta(hours=3))
    assert later.changes == [] and later.sent == 1      # the waiting notice, now delivered
    assert [m.subject for m in mailbox.received] == [
        "[newswatch] sources: The Harbour Times failing"]
    assert one_run(settings, T0 + timedelta(hours=4)).sent == 0
    assert len(mailbox.received) == 1


def test_one_broken_ops_channel_does_not_stop_the_other(
        tmp_path: Path, site: HostileServer, mailbox: LoopbackMailbox,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with LoopbackMailbox() as broken:
        broken.refuse("554 no thanks")
        settings = _settings(tmp_path, site, monkeypatch,
                             {"broken-ops": broken, "ops-mail": mailbox})
        site.route(FEED, reply(503, b"down"))
        reports = [one_run(settings, T0 + timedelta(hours=h)) for h in range(4)]
    assert reports[2].sent == 1 and len(reports[2].failures) == 1
    assert "broken-ops" in reports[2].failures[0]
    assert reports[3].sent == 0                      # told once: not again for the other
    assert len(mailbox.received) == 1


def test_a_feed_robots_txt_forbids_counts_as_failing(
        tmp_path: Path, site: HostileServer, mailbox: LoopbackMailbox,
        monkeypatch: pytest.MonkeyPatch) -> None:
    site.route("/robots.txt", robots_txt("User-agent: newswatch\nDisallow: /harbour-times/\n"))
    settings = _settings(tmp_path, site, monkeypatch, {"ops-mail": mailbox})
    reports = [one_run(settings, T0 + timedelta(hours=h)) for h in range(3)]
    assert site.hits[FEED] == 0
    [raised] = reports[2].changes
    assert "robots: robots.txt disallows this URL for newswatch" in raised.detail
    assert "robots.txt disallows" in mailbox.received[0].part("text/html")


def test_remote_text_in_a_notice_is_escaped(tmp_path: Path, site: HostileServer,
                                            mailbox: LoopbackMailbox,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def rude(req: HostileRequest) -> None:   # a reason phrase is the server's to choose
        handler = req._handler
        handler.send_response(503, "<b>Down</b> <!channel> @here")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    site.route(FEED, rude)
    settings = _settings(tmp_path, site, monkeypatch, {"ops-mail": mailbox})
    for h in range(3):
        one_run(settings, T0 + timedelta(hours=h))
    body = mailbox.received[0].part("text/html")
    assert "<b>Down</b>" not in body and "&lt;b&gt;Down&lt;/b&gt;" in body
    assert "@here" not in body                         # defused with a zero-width joiner


@pytest.mark.parametrize("fmt", ["email", "slack", "markdown", "text"])
def test_every_format_renders_every_kind_of_notice(fmt: str) -> None:
    notices = [Notice("a", "Alpha *news*", "failing", T0, False, "its feed failed <x>"),
               Notice("b", "Beta", "stale", T0, False, "no new article for 30 h"),
               Notice("c", "Gamma", "failing", T0, True, "its feed answers again")]
    rendered = render_notices(notices, fmt)
    assert rendered.title == "[newswatch] sources: 1 failing, 1 gone quiet, 1 recovered"
    for word in ("FAILING", "GONE QUIET", "RECOVERED", "Beta", "v_source_health"):
        assert word in rendered.body
    assert "<x>" not in rendered.body or fmt == "text"
    assert "*news*" not in rendered.body or fmt in ("email", "text")


@pytest.mark.e2e
def test_the_monitor_flow_tells_ops_after_the_third_failed_run(
        prefect_harness: None, demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEMO_EMAIL_ENV, mailbox.apprise_url())
    config = write_demo_config(tmp_path / "config", demo_server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    sources = yaml.safe_load((config / "sources.yaml").read_text())
    sources["sources"].append({"id": "unavailable", "url": demo_server.error_feed_url})
    (config / "sources.yaml").write_text(yaml.safe_dump(sources))
    settings = Settings(config_dir=config, warehouse=tmp_path / "wh.duckdb", fetch_retries=0,
                        ops_channel="desk-email")

    def run() -> RunSummary:
        return asyncio.run(monitor_flow(settings=settings, run_label="test"))
    first, second, third, fourth = run(), run(), run(), run()
    assert first.source_notices == second.source_notices == [] == fourth.source_notices
    [notice] = third.source_notices
    assert notice.startswith("FAILING: unavailable (unavailable): its feed failed in the "
                             "last 3 runs; it has never answered; last error: server_error: "
                             "HTTP 503")
    assert (third.ops_messages, fourth.ops_messages) == (1, 0)
    subjects = [m.subject for m in mailbox.received]
    assert subjects.count("[newswatch] sources: unavailable failing") == 1
    # ...and the alerts of the first run (the ceasefire story among them), nothing else.
    assert any(s.startswith("[newswatch] Ceasefire:") for s in subjects)
    assert len(subjects) == 1 + first.alerts_sent
    assert second.alerts_sent == third.alerts_sent == fourth.alerts_sent == 0


def test_a_reason_phrase_reaches_slack_as_text_never_a_link_or_a_ping(
        tmp_path: Path, site: HostileServer, services: Services,
        monkeypatch: pytest.MonkeyPatch) -> None:
    reason = "[Feed moved: sign in](https://evil.example) [.](!channel) <@&987> @here"

    def rude(req: HostileRequest) -> None:
        handler = req._handler
        handler.send_response(503, reason)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    site.route(FEED, rude)
    with LoopbackMailbox() as unused:
        settings = _settings(tmp_path, site, monkeypatch, {"unused": unused})
    monkeypatch.setenv("OPS_TEST_SLACK_URL", services.url("slack"))
    (settings.config_dir / "channels.yaml").write_text(yaml.safe_dump({"channels": [
        {"name": f"ops-{fmt}", "url": {"$env": "OPS_TEST_SLACK_URL"}, "format": fmt,
         "ops": True} for fmt in ("slack", "markdown")]}))
    reports = [one_run(settings, T0 + timedelta(hours=h)) for h in range(3)]
    assert reports[2].sent == 2 and reports[2].failures == []
    blocks, legacy = services.payloads("slack")
    Z = "\u200d"
    line = (f"• FAILING: The Harbour Times (harbour-times): its feed failed in the last 3 runs; "
            "it has never answered; last error: server\u02cderror: HTTP 503 [Feed moved: sign in]"
            f"(https://evil.example) [.](!channel) &lt;{Z}@{Z}&amp;987&gt; @{Z}here "
            f"({site.base_url}{FEED})")
    assert blocks["attachments"][0]["blocks"][2]["text"]["text"] == line
    text = legacy["attachments"][0]["text"]
    assert ("HTTP 503 [Feed moved: sign in](https://evil.example) [.](!channel) "
            f"&lt;{Z}@{Z}&amp;987&gt; @{Z}here") in text
    for payload in (blocks, legacy):
        raw = json.dumps(payload, ensure_ascii=False)
        assert LIVE["slack"].findall(raw) == []
        assert "<https://evil" not in raw and "<!channel" not in raw
