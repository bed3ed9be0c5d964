"""Crash safety: a monitor run SIGKILLed at each step, then run again.

Real parts throughout: the demo sites over HTTP and an SMTP inbox in this process, a DuckDB
file, and a child process (tests/flows/crash_child.py: the monitor flow's steps without
Prefect's server) that kills itself at a named point (core/crash_points.py). The points sit
where a writer connection is still open, so what the crashed run committed lives only in
DuckDB's write-ahead log until the next open replays it. The promise tested: a rerun sends
what was pending and nothing more; a crash between sending and recording may repeat that one
message, nothing else is ever sent twice, and nothing is lost.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from core.crash_points import CRASH_AT_ENV
from core.settings import Settings
from demo.clock import ADVANCE_HOURS
from demo.mailbox import LoopbackMailbox, ReceivedMail
from demo.server import DemoNewsServer
from tests.flows import crash_child

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e

# One rule on the shipped email channel that the demo news answers with six stories, all
# queued in one run: enough to crash between messages, and fewer than the flood limit, so
# each goes out as an email of its own.
RULE = """\
rules:
  - id: border
    name: Corvania-Estmark border
    severity: high
    match: {any: [Corvania, Estmark, Serin Valley]}
    channels: [desk-email]
"""
T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
# A delivery is marked 'sending' with its attempt counted before it is sent, so a crash
# mid-send is bounded: the interrupted attempt counts as a failed one and the delivery is due
# again after the backoff that attempt earned (the default NEWSWATCH_DELIVERY_BACKOFF_SECONDS
# after a first attempt). Reruns after such a crash therefore pass `now` that much later; a
# rerun at T0 would rightly send nothing yet.
RETRY_AT = T0 + timedelta(seconds=Settings.model_fields["delivery_backoff_seconds"].default)


@dataclass
class World:
    server: DemoNewsServer
    inbox: LoopbackMailbox
    config_dir: Path
    warehouse: Path

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


@pytest.fixture
def world(demo_server: DemoNewsServer, mailbox: LoopbackMailbox, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name in [k for k in os.environ if k.startswith("NEWSWATCH_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv(DEMO_EMAIL_ENV, mailbox.apprise_url())   # for runs in this process
    config = write_demo_config(tmp_path / "config", demo_server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    for rule_file in (config / "rules").iterdir():
        rule_file.unlink()
    (config / "rules" / "border.yaml").write_text(RULE, "utf-8")
    demo_server.clock.advance(ADVANCE_HOURS)
    yield World(demo_server, mailbox, config, tmp_path / "wh.duckdb")


def _run_child(world: World, now: datetime, crash_at: str | None = None) -> dict[str, object]:
    """One monitor run in a fresh process. With `crash_at`, asserts it died by SIGKILL there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    env[DEMO_EMAIL_ENV] = world.inbox.apprise_url()   # a channel URL, as in production
    if crash_at:
        env[CRASH_AT_ENV] = crash_at
    done = subprocess.run(
        [sys.executable, "-m", "tests.flows.crash_child", str(world.config_dir),
         str(world.warehouse), now.isoformat()],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    if crash_at:
        assert done.returncode == -signal.SIGKILL, done.stderr[-3000:]
        assert done.stdout == "", "the run went on past the crash point"
        return {}
    assert done.returncode == 0, done.stderr[-3000:]
    return _checked(json.loads(done.stdout.strip().splitlines()[-1]))


def _run_here(world: World, now: datetime) -> dict[str, object]:
    """One more run, in this process (cheaper than a child) once the crash is behind us."""
    return _checked(crash_child.run_once(world.config_dir, world.warehouse, now))


def _checked(summary: dict[str, object]) -> dict[str, object]:
    assert summary["problems"] == [] and summary["fetch_errors"] == []
    assert summary["failures"] == []
    return summary


def _alert_urls(world: World) -> dict[str, str]:
    return {str(aid): str(url) for aid, url in world.rows(
        "SELECT al.alert_id, a.url FROM alerts al JOIN articles a USING (article_id)")}


def _owner(urls: dict[str, str], mail: ReceivedMail) -> str:
    """The alert an email is for, by the link to the alert's article: exactly one."""
    html = mail.part("text/html")
    owners = [aid for aid, url in urls.items() if f'href="{url}"' in html]
    assert len(owners) == 1, f"email {mail.subject!r} matches alerts {owners}"
    return owners[0]


def _emails_per_alert(world: World) -> Counter[str]:
    """Emails received per alert (one alert per (rule, story)), zero for those without."""
    urls = _alert_urls(world)
    counts = Counter(dict.fromkeys(urls, 0))
    counts.update(_owner(urls, mail) for mail in world.inbox.received)
    return counts


def _alert_count(world: World) -> int:
    """Alerts, checked against the stories the rule matched: none lost at queueing."""
    [(alerts, stories)] = world.rows(
        "SELECT (SELECT count(*) FROM alerts), (SELECT count(DISTINCT story_id) FROM matches)")
    assert alerts == stories
    assert isinstance(alerts, int) and alerts >= 4, "demo content changed?"
    return alerts


def _deliveries(world: World) -> dict[str, tuple[object, ...]]:
    """Per alert: status, attempts, next attempt, sent at."""
    return {str(r[0]): r[1:] for r in world.rows(
        "SELECT alert_id, status, attempts, next_attempt_at, sent_at FROM v_alerts")}


def test_killed_after_the_outbox_write_the_rerun_sends_each_alert_once(world: World) -> None:
    _run_child(world, T0, crash_at="after_outbox_write")
    alerts = _alert_count(world)
    # Every delivery is marked sending with one attempt counted; nothing went out.
    assert world.inbox.received == []
    assert set(_deliveries(world).values()) == {("sending", 1, RETRY_AT, None)}

    rerun = _run_child(world, RETRY_AT)
    assert (rerun["articles_new"], rerun["alerts_queued"], rerun["sent"]) == (0, 0, alerts)
    assert set(_emails_per_alert(world).values()) == {1}
    assert len(world.inbox.received) == alerts
    # Sent, with the interrupted attempt counted as well as the one that worked.
    assert set(_deliveries(world).values()) == {("sent", 2, None, RETRY_AT)}

    # And nothing more, ever.
    assert _run_here(world, RETRY_AT + timedelta(hours=2))["sent"] == 0
    assert len(world.inbox.received) == alerts


def test_killed_after_a_send_only_that_message_may_arrive_twice(world: World) -> None:
    # Killed once the third message is accepted: two before it were sent and recorded, the
    # third is in flight (sent, not recorded), the rest were never sent.
    _run_child(world, T0, crash_at="after_send:3")
    alerts = _alert_count(world)
    urls = _alert_urls(world)
    *done, in_flight = [_owner(urls, mail) for mail in world.inbox.received]
    assert len(done) == 2 and len({*done, in_flight}) == 3
    state = _deliveries(world)
    assert {aid: state[aid] for aid in done} == dict.fromkeys(done, ("sent", 1, None, T0))
    assert {aid: s for aid, s in state.items() if aid not in done} == dict.fromkeys(
        set(state) - set(done), ("sending", 1, RETRY_AT, None))

    rerun = _run_child(world, RETRY_AT)
    assert (rerun["alerts_queued"], rerun["sent"]) == (0, alerts - 2)
    # The message in flight at the crash arrived twice; every other alert exactly once.
    arrived = _emails_per_alert(world)
    assert arrived == Counter({aid: 2 if aid == in_flight else 1 for aid in urls})
    assert len(world.inbox.received) == alerts + 1
    state = _deliveries(world)
    assert {aid: s for aid, s in state.items() if aid not in done} == dict.fromkeys(
        set(state) - set(done), ("sent", 2, None, RETRY_AT))
    assert {aid: state[aid] for aid in done} == dict.fromkeys(done, ("sent", 1, None, T0))

    assert _run_here(world, RETRY_AT + timedelta(hours=2))["sent"] == 0
    assert len(world.inbox.received) == alerts + 1


def test_killed_after_the_load_the_rerun_evaluates_what_was_loaded(world: World) -> None:
    _run_child(world, T0, crash_at="after_load")
    [(articles, urls, evaluated)] = world.rows(
        "SELECT count(*), count(DISTINCT url), count(evaluated_at) FROM articles")
    assert isinstance(articles, int) and articles > 0
    assert (urls, evaluated) == (articles, 0)
    assert world.rows("SELECT (SELECT count(*) FROM matches), (SELECT count(*) FROM alerts), "
                      "(SELECT count(*) FROM deliveries)") == [(0, 0, 0)]
    assert world.inbox.received == []

    # Nothing was attempted, so nothing backs off: the rerun may come at once.
    rerun = _run_child(world, T0)
    alerts = _alert_count(world)
    assert rerun["articles_new"] == 0
    assert rerun["evaluated"] == articles      # the crashed run's articles, each once
    assert (rerun["alerts_queued"], rerun["sent"]) == (alerts, alerts)
    assert set(_emails_per_alert(world).values()) == {1}
    assert len(world.inbox.received) == alerts
    assert world.rows("SELECT count(*), count(DISTINCT url), count(evaluated_at) "
                      "FROM articles") == [(articles, articles, articles)]
    assert set(_deliveries(world).values()) == {("sent", 1, None, T0)}
