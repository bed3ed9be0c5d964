"""Digests, floods and give-ups for real: a DuckDB file, the SMTP inbox, a clock we move."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from alerts.channels import Channel
from alerts.delivery import deliver_alerts, queue_policy
from alerts.digests import send_due_digests
from core.records import AlertView
from core.settings import Settings
from demo.articles import ARTICLES
from demo.content.wire import SERIN_TALKS_STORY
from demo.mailbox import LoopbackMailbox
from pipeline.config import Config
from pipeline.rule_evaluation import queue_matches
from rules.matcher import CompiledRules
from rules.models import Rule
from tests.warehouse.builders import from_demo, results_by_source, source_configs
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer
from warehouse.digests import DigestLine, shown_alerts
from warehouse.evaluation import articles_to_evaluate

T0 = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
WIRE = sorted((d for d in ARTICLES if d.story == SERIN_TALKS_STORY), key=lambda d: d.published_at)
LATE_COPY = WIRE[-1]
TAKES_HOLD = next(d for d in ARTICLES if "ceasefire" in d.labels and d.story is None)
SITES = ["harbour-times", "northern-ledger", "valley-courier"]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every demo article but the last copy of the wire story, which arrives later."""
    path = tmp_path_factory.mktemp("digests") / "loaded.duckdb"
    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        load_results(con, "run-1", results_by_source(
            [from_demo(d) for d in ARTICLES if d is not LATE_COPY]))
    return path


@pytest.fixture
def settings(loaded: Path, tmp_path: Path) -> Settings:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(loaded, path)
    return Settings(warehouse=path, config_dir=tmp_path)


def rule(**extra: object) -> Rule:
    return Rule.model_validate({"id": "ceasefire", "name": "Ceasefire", "severity": "high",
                                "match": {"any": ["ceasefire"]}, "channels": ["desk"],
                                **extra})


def channel(name: str, box: LoopbackMailbox, **extra: object) -> Channel:
    variable = f"TEST_{name.upper()}_URL"
    return Channel.model_validate({"name": name, "url": {"$env": variable}, "format": "email",
                                   **extra})


def env_for(monkeypatch: pytest.MonkeyPatch, **boxes: LoopbackMailbox) -> None:
    for name, box in boxes.items():
        monkeypatch.setenv(f"TEST_{name.upper()}_URL", box.apprise_url())


def evaluate(settings: Settings, config: Config, now: datetime) -> None:
    compiled = CompiledRules(config.rules)
    with writer(settings.warehouse) as con:
        batch = articles_to_evaluate(con)
        queue_matches(con, [m for a in batch for m in compiled.evaluate(a)],
                      [a.article_id for a in batch], {r.id: r.channels for r in config.rules},
                      {r.id: r.severity for r in config.rules}, policy=queue_policy(config),
                      now=now)


def arrive_late_copy(settings: Settings) -> None:
    with writer(settings.warehouse) as con:
        load_results(con, "run-2", results_by_source([from_demo(LATE_COPY)]))


def rows(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_digest_channel_gets_one_digest_per_period_with_later_copies(
        settings: Settings, mailbox: LoopbackMailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    env_for(monkeypatch, desk=mailbox)
    config = Config(rules=[rule()], channels={"desk": channel(
        "desk", mailbox, digest={"every": "hourly"})})

    def step(now: datetime) -> int:
        asyncio.run(deliver_alerts(settings, config, now=now))
        return asyncio.run(send_due_digests(settings, config, now=now)).sent

    evaluate(settings, config, T0)
    assert rows(settings, "SELECT status, count(*) FROM deliveries GROUP BY ALL") == [
        ("digest", 2)]
    assert step(T0) == 0 and step(T0 + timedelta(minutes=30)) == 0   # the period is open
    assert step(T0 + timedelta(minutes=45)) == 1                      # 11:05: due
    [first] = mailbox.received
    part = first.message.get_body(("html",))
    assert part is not None, "the digest mail has an HTML part"
    html = part.get_content()
    assert "2 stories" in first.subject and "digest (hourly)" in first.subject
    assert WIRE[0].headline in html and TAKES_HOLD.headline in html
    assert rows(settings, "SELECT DISTINCT status, digest_id IS NOT NULL FROM deliveries") == [
        ("sent", True)]

    # The wire story's third copy arrives: no alert, a line in the next digest.
    arrive_late_copy(settings)
    evaluate(settings, config, T0 + timedelta(minutes=70))
    assert rows(settings, "SELECT reason, title FROM v_digest_items WHERE digest_id IS NULL"
                ) == [("copy", LATE_COPY.headline)]
    assert step(T0 + timedelta(minutes=80)) == 0                     # 11:40: sent this hour
    assert step(T0 + timedelta(minutes=101)) == 1                    # 12:01
    assert step(T0 + timedelta(minutes=130)) == 0
    assert len(mailbox.received) == 2
    assert "1 story" in mailbox.received[1].subject
    assert LATE_COPY.headline in mailbox.received[1].part("text/html")
    assert rows(settings, "SELECT status, items FROM digests ORDER BY created_at") == [
        ("sent", 2), ("sent", 1)]


def test_a_failed_digest_keeps_its_lines_and_is_retried_after_a_backoff(
        settings: Settings, mailbox: LoopbackMailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    env_for(monkeypatch, desk=mailbox)
    config = Config(rules=[rule(digest={"daily_at": "08:00"})],
                    channels={"desk": channel("desk", mailbox, timezone="Europe/Paris")})
    evaluate(settings, config, T0)
    mailbox.refuse("451 try again later")
    morning = datetime(2026, 11, 24, 7, 5, tzinfo=UTC)    # 08:05 in Paris
    report = asyncio.run(send_due_digests(settings, config, now=morning))
    assert report.sent == 0 and report.failures[0].startswith("desk (digest): ")
    waiting = "SELECT count(*) FROM digest_items WHERE digest_id IS NULL"
    assert rows(settings, waiting) == [(2,)]
    mailbox.refuse(None)
    soon = asyncio.run(send_due_digests(settings, config, now=morning + timedelta(seconds=30)))
    assert soon.sent == 0 and soon.failures == []                     # backing off: not tried
    later = asyncio.run(send_due_digests(settings, config, now=morning + timedelta(minutes=1)))
    assert later.sent == 1 and later.lines == 2
    assert len(mailbox.received) == 1 and rows(settings, waiting) == [(0,)]
    assert rows(settings, "SELECT status FROM digests ORDER BY created_at") == [
        ("failed",), ("sent",)]
    # Restarting does not resend: the next one is due tomorrow at 08:00.
    assert asyncio.run(send_due_digests(settings, config, now=morning + timedelta(hours=5))
                       ).sent == 0


def test_a_flood_goes_out_as_one_digest(settings: Settings, mailbox: LoopbackMailbox,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    env_for(monkeypatch, desk=mailbox)
    config = Config(rules=[rule(flood_limit=1)], channels={"desk": channel("desk", mailbox)})
    evaluate(settings, config, T0)
    report = asyncio.run(deliver_alerts(settings, config, now=T0))
    assert (report.sent, report.flood_digests) == (2, 1)
    [mail] = mailbox.received
    assert "Ceasefire: 2 stories" in mail.subject
    assert WIRE[0].headline in mail.part("text/html") and TAKES_HOLD.headline in mail.part(
        "text/html")
    [(digest_id, stream, items)] = rows(settings, "SELECT digest_id, stream, items FROM digests")
    assert (stream, items) == ("flood:ceasefire", 2)
    assert rows(settings, "SELECT DISTINCT status, digest_id FROM deliveries") == [
        ("sent", digest_id)]


def test_quiet_hours_hold_alerts_until_morning(settings: Settings, mailbox: LoopbackMailbox,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    env_for(monkeypatch, desk=mailbox)
    config = Config(rules=[rule()], channels={"desk": channel(
        "desk", mailbox, quiet_hours={"from": "22:00", "to": "07:00"})})
    night = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    evaluate(settings, config, night)
    assert asyncio.run(deliver_alerts(settings, config, now=night)).held == 2
    assert asyncio.run(deliver_alerts(settings, config, now=night + timedelta(hours=7,
                                                                              minutes=59))
                       ).sent == 0
    assert rows(settings, "SELECT DISTINCT attempts, next_attempt_at FROM deliveries") == [
        (0, datetime(2026, 11, 24, 7, 0, tzinfo=UTC))]
    assert asyncio.run(deliver_alerts(settings, config, now=night + timedelta(hours=8))
                       ).sent == 2
    assert len(mailbox.received) == 2


def test_giving_up_tells_the_ops_channel_once(settings: Settings, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    with LoopbackMailbox() as desk, LoopbackMailbox() as ops:
        env_for(monkeypatch, desk=desk, ops=ops)
        desk.refuse("550 mailbox unavailable")
        config = Config(rules=[rule()], channels={
            "desk": channel("desk", desk), "ops": channel("ops", ops, ops=True)})
        tight = settings.model_copy(update={"delivery_max_attempts": 2})
        evaluate(tight, config, T0)
        first = asyncio.run(deliver_alerts(tight, config, now=T0))
        assert (first.sent, first.gave_up, first.ops_messages) == (0, 0, 0)
        second = asyncio.run(deliver_alerts(tight, config, now=T0 + timedelta(minutes=1)))
        assert (second.gave_up, second.ops_messages) == (2, 1)
        third = asyncio.run(deliver_alerts(tight, config, now=T0 + timedelta(hours=2)))
        assert (third.sent, third.ops_messages) == (0, 0)
        [notice] = ops.received
        assert "alerts not delivered" in notice.subject
        text = notice.part("text/plain")
        assert "Not delivered to channel desk" in text and "gave up after 2 attempt(s)" in text
        assert WIRE[0].headline in text and TAKES_HOLD.headline in text
        assert "TEST_DESK_URL" not in text and desk.apprise_url() not in text
        assert desk.received == []


def test_a_rules_own_template_is_used_and_a_broken_one_falls_back(
        settings: Settings, mailbox: LoopbackMailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    env_for(monkeypatch, desk=mailbox)
    folder = settings.config_dir / "templates"
    folder.mkdir()
    (folder / "mine.html.j2").write_text("<p>MY TEMPLATE: {{ title_link }}</p>", "utf-8")
    (folder / "broken.html.j2").write_text("<p>{{ no_such_variable }}</p>", "utf-8")
    config = Config(rules=[rule(template={"email": "templates/mine.html.j2"})],
                    channels={"desk": channel("desk", mailbox)}, config_dir=settings.config_dir)
    evaluate(settings, config, T0)
    first = asyncio.run(deliver_alerts(settings, config, now=T0))
    assert first.sent == 2
    assert all("MY TEMPLATE: <a href=" in m.part("text/html") for m in mailbox.received)
    # Swap in a template that fails: the alert still goes, with the built-in template.
    broken = Config(rules=[rule(template={"email": "templates/broken.html.j2"})],
                    channels=config.channels, config_dir=settings.config_dir)
    with writer(settings.warehouse) as con:
        con.execute("UPDATE deliveries SET status = 'pending', attempts = 0")
    assert asyncio.run(deliver_alerts(settings, broken, now=T0)).sent == 2
    later = [m.part("text/html") for m in mailbox.received[2:]]
    assert len(later) == 2 and not any("MY TEMPLATE" in html for html in later)
    assert any(TAKES_HOLD.headline in html for html in later)


def test_a_digest_lists_each_story_once() -> None:


    def view(alert: str, title: str) -> AlertView:
        return AlertView(alert_id=alert, rule_id="r", rule_name="R", severity="low", title=title,
                         url="http://127.0.0.1/x", source_name="S", published_at=None,
                         sentence=None, terms=())

    lines = [DigestLine("1", "alert", view("a", "Story A")),
             DigestLine("2", "copy", view("a", "Story A, another site")),
             DigestLine("3", "copy", view("b", "Story B, sent last week")),
             DigestLine("4", "copy", view("b", "Story B, a third site")),
             DigestLine("5", "update", view("a", "Updated: Story A"))]
    assert [v.title for v in shown_alerts(lines)] == [
        "Story A", "More coverage: Story B, sent last week", "Updated: Story A"]
