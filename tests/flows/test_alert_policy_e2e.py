"""Alert policy end to end: the Prefect monitor flow, the demo sites, SMTP inboxes, a DuckDB
file, and an alerting clock passed in so hours pass in a moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypedDict, Unpack

import duckdb
import pytest

from cli.demo import write_demo_config
from core.settings import Settings
from demo.articles import ARTICLES
from demo.mailbox import LoopbackMailbox, ReceivedMail
from demo.server import DemoNewsServer
from flows.digest import digest_flow
from flows.monitor import RunSummary, monitor_flow

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e

# With the demo sites' clock 19 h on, both ceasefire stories are out: the wire story (three
# copies) and "Ceasefire takes hold".
DEMO_HOURS = 19
CEASEFIRE = [a for a in ARTICLES if "ceasefire" in a.labels]
WIRE_HEADLINES = {a.headline for a in CEASEFIRE if a.story is not None}
[TAKES_HOLD] = [a.headline for a in CEASEFIRE if a.story is None]


class _SettingsOverrides(TypedDict, total=False):
    delivery_max_attempts: int


def _setup(tmp_path: Path, server: DemoNewsServer, monkeypatch: pytest.MonkeyPatch,
           channels: dict[str, tuple[LoopbackMailbox, str]], rule: str,
           **settings: Unpack[_SettingsOverrides]) -> Settings:
    config = write_demo_config(tmp_path / "config", server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    lines = ["channels:"]
    for name, (box, extra) in channels.items():
        variable = f"E2E_{name.upper()}_URL"
        monkeypatch.setenv(variable, box.apprise_url())
        lines += [f"  - name: {name}", f"    url: {{$env: {variable}}}", "    format: email",
                  *(f"    {line}" for line in extra.splitlines() if line)]
    (config / "channels.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    for shipped in (config / "rules").iterdir():   # this test's one rule, on its own channels
        shipped.unlink()
    (config / "rules" / "ceasefire.yaml").write_text(rule, "utf-8")
    server.clock.advance(DEMO_HOURS)
    return Settings(config_dir=config, warehouse=tmp_path / "wh.duckdb", fetch_retries=0,
                    **settings)


def _run(settings: Settings, now: datetime) -> RunSummary:
    summary = asyncio.run(monitor_flow(settings=settings, run_label="test", now=now))
    assert summary.config_problems == []
    return summary


def _rows(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _headlines(mail: ReceivedMail) -> set[str]:
    html = mail.part("text/html")
    return {h for h in {*WIRE_HEADLINES, TAKES_HOLD} if h in html or h in mail.subject}


def test_an_outage_delays_alerts_in_order_and_a_dead_channel_is_given_up(
        prefect_harness: None, demo_server: DemoNewsServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with LoopbackMailbox() as desk, LoopbackMailbox() as pager, LoopbackMailbox() as ops:
        settings = _setup(tmp_path, demo_server, monkeypatch, {
            "desk": (desk, ""), "pager": (pager, ""), "ops": (ops, "ops: true")}, """\
rules:
  - id: ceasefire
    name: Ceasefire
    severity: high
    match: {any: [ceasefire]}
    channels: [desk, pager]
""", delivery_max_attempts=3)
        attempts = ("SELECT channel, status, attempts, next_attempt_at FROM deliveries "
                    "ORDER BY channel, alert_id")
        desk.refuse("451 try again later")
        pager.refuse("550 mailbox unavailable")
        t0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

        # Run 1: both channels down. Each is tried once (its first failure stops it).
        down = _run(settings, t0)
        assert (down.alerts_queued, down.alerts_sent) == (2, 0)
        assert sorted(f.split(":")[0] for f in down.delivery_failures) == ["desk", "pager"]
        assert {(c, s, a, n) for c, s, a, n in _rows(settings, attempts)} == {
            ("desk", "pending", 1, t0 + timedelta(minutes=1)),
            ("pager", "pending", 1, t0 + timedelta(minutes=1))}

        # Run 2, 30 s later: backing off, so nothing is attempted.
        waiting = _run(settings, t0 + timedelta(seconds=30))
        assert (waiting.alerts_sent, waiting.delivery_failures) == (0, [])
        assert {row[2] for row in _rows(settings, attempts)} == {1}

        # Run 3, after the backoff: tried again, still down; next wait 2 min.
        again = _run(settings, t0 + timedelta(minutes=1))
        assert again.alerts_sent == 0 and len(again.delivery_failures) == 2
        assert {(a, n) for _, _, a, n in _rows(settings, attempts)} == {
            (2, t0 + timedelta(minutes=3))}

        # Run 4: desk is back and gets both alerts, once each, oldest story first; the pager
        # uses its last attempt and is given up, and the ops channel hears of it once.
        desk.refuse(None)
        back = _run(settings, t0 + timedelta(minutes=3))
        assert back.alerts_sent == 2 and back.ops_messages == 1
        subjects = [m.subject for m in desk.received]
        assert len(subjects) == 2
        assert any(h in subjects[0] for h in WIRE_HEADLINES) and TAKES_HOLD in subjects[1]
        assert _rows(settings, "SELECT channel, status, count(*), max(attempts) FROM v_alerts "
                               "GROUP BY ALL ORDER BY channel") == [
            ("desk", "sent", 2, 3), ("pager", "failed", 2, 3)]
        [notice] = ops.received
        text = notice.part("text/plain")
        assert "Not delivered to channel pager" in text and "gave up after 3 attempt(s)" in text
        assert TAKES_HOLD in text and any(h in text for h in WIRE_HEADLINES)
        assert "E2E_PAGER_URL" not in text and pager.apprise_url() not in text

        # Run 5, hours later: nothing is sent twice, the ops channel is not told again.
        quiet = _run(settings, t0 + timedelta(hours=3))
        assert (quiet.alerts_sent, quiet.ops_messages, quiet.delivery_failures) == (0, 0, [])
        assert (len(desk.received), len(ops.received), len(pager.received)) == (2, 1, 0)


def test_flood_quiet_hours_and_a_daily_digest(
        prefect_harness: None, demo_server: DemoNewsServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with LoopbackMailbox() as desk, LoopbackMailbox() as night, LoopbackMailbox() as daily:
        settings = _setup(tmp_path, demo_server, monkeypatch, {
            "desk": (desk, ""),
            "night": (night, 'timezone: Europe/Paris\nquiet_hours: {from: "22:00", to: "07:00"}'),
            "daily": (daily, 'timezone: Europe/Paris\ndigest: {daily_at: "08:00"}'),
        }, """\
rules:
  - id: ceasefire
    name: Ceasefire
    severity: high
    match: {any: [ceasefire]}
    channels: [desk, night, daily]
    flood_limit: 1
""")
        evening = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)          # 22:30 in Paris

        # A first run over a backlog: two alerts for a rule whose flood limit is 1 go to the
        # desk as ONE digest; the night channel is in quiet hours; the daily one waits.
        first = _run(settings, evening)
        assert (first.alerts_queued, first.alerts_sent, first.digests_sent) == (2, 2, 1)
        assert first.alerts_held == 2
        [flood] = desk.received
        assert "Ceasefire: 2 stories" in flood.subject
        assert _headlines(flood) >= {TAKES_HOLD} and _headlines(flood) & WIRE_HEADLINES
        assert night.received == [] and daily.received == []

        # Still quiet at 06:30: nothing.
        _run(settings, evening + timedelta(hours=8))
        assert night.received == [] and daily.received == []

        # 07:10: quiet hours are over, the held alerts go out (as one digest: a flood).
        _run(settings, evening + timedelta(hours=8, minutes=40))
        [held] = night.received
        assert _headlines(held) >= {TAKES_HOLD}
        assert daily.received == []

        # 08:05: the daily digest, once; not again at 10:00 or after a restart.
        _run(settings, evening + timedelta(hours=9, minutes=35))
        [digest] = daily.received
        assert "digest (daily at 08:00): 2 stories" in digest.subject
        assert _headlines(digest) >= {TAKES_HOLD} and _headlines(digest) & WIRE_HEADLINES
        report = asyncio.run(digest_flow(settings=settings, run_label="test",
                                         now=evening + timedelta(hours=11, minutes=30)))
        assert report.sent == 0
        _run(settings, evening + timedelta(hours=12))
        assert (len(desk.received), len(night.received), len(daily.received)) == (1, 1, 1)
        assert _rows(settings, "SELECT channel, stream, status, items FROM digests "
                               "ORDER BY created_at, channel") == [
            ("desk", "flood:ceasefire", "sent", 2), ("night", "flood:ceasefire", "sent", 2),
            ("daily", "channel", "sent", 2)]
        assert _rows(settings, "SELECT DISTINCT status FROM deliveries") == [("sent",)]
