"""Alert policy: strict YAML for digests, quiet hours and rule options; the time arithmetic;
what a delivery run sends, holds or floods into a digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from alerts.channels import Channel
from alerts.delivery import plan_deliveries, queue_policy, settings_problems
from alerts.digests import digest_due, stream_schedule
from core.records import AlertView
from core.settings import Settings
from core.timing import DigestSchedule, QuietHours, backoff
from pipeline.config import Config, load_config
from pipeline.rule_evaluation import compile_rules
from rules.models import Rule
from tests.rules.test_rule_files import problem_lines, write_config
from warehouse.digests import StreamState
from warehouse.outbox import DEFAULT_RETRY, PendingDelivery

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"
PARIS = "Europe/Paris"   # UTC+1 in November, UTC+2 in summer


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# --- YAML -----------------------------------------------------------------------------------

POLICY_CHANNELS = """\
channels:
  - name: desk
    url: json://localhost/desk
    format: email
    timezone: Europe/Paris
    digest: {daily_at: "08:00", max_items: 20}
    quiet_hours: {from: "22:00", to: "07:00"}
  - name: chat
    url: json://localhost/chat
    digest: {every: hourly}
  - name: ops
    url: json://localhost/ops
    ops: true
"""

POLICY_RULE = """\
rules:
  - id: truce
    name: Truce
    match: {any: [truce]}
    channels: [desk, chat]
    realert: 6h
    flood_limit: 3
    digest: {every: 30m}
    template: {email: templates/truce.html.j2}
"""


def test_policy_options_load(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"truce.yaml": POLICY_RULE}, channels=POLICY_CHANNELS)
    (root / "templates").mkdir()
    (root / "templates" / "truce.html.j2").write_text("{{ title }}", "utf-8")
    config = load_config(root)
    assert config.problems == []
    desk, chat = config.channels["desk"], config.channels["chat"]
    assert desk.digest == DigestSchedule(daily_at="08:00", max_items=20)
    assert desk.quiet_hours == QuietHours.model_validate({"from": "22:00", "to": "07:00"})
    assert chat.digest is not None and chat.digest.every == timedelta(hours=1)
    assert config.ops_channels() == ["ops"] and config.ops_channels("chat") == ["ops", "chat"]
    [rule] = config.rules
    assert rule.realert == timedelta(hours=6) and rule.flood_limit == 3
    assert rule.digest is not None and rule.digest.every == timedelta(minutes=30)
    assert config.template_path(rule, "email") == root / "templates" / "truce.html.j2"
    assert config.template_path(rule, "text") is None


def test_defaults_never_realert_and_flood_at_ten() -> None:
    rule = Rule.model_validate({"id": "r", "name": "R", "match": {"any": ["x"]},
                                "channels": ["c"]})
    assert (rule.realert, rule.digest, rule.flood_limit, rule.template) == (None, None, 10, None)
    channel = Channel.model_validate({"name": "c", "url": "json://localhost/x"})
    assert (channel.digest, channel.quiet_hours, channel.ops) == (None, None, False)


@pytest.mark.parametrize(("entry", "expected"), [
    ('digest: {daily_at: "8am"}',
     "channels[0].digest.daily_at: '8am' is not a time; write a time as "
     '"HH:MM" on a 24-hour clock, in quotes, e.g. "08:00" or "22:30"'),
    ("quiet_hours: {from: 22:00, to: \"07:00\"}",
     "channels[0].quiet_hours.from: 1320 is not a time; write a time as "
     '"HH:MM" on a 24-hour clock, in quotes, e.g. "08:00" or "22:30" (unquoted, YAML reads '
     "22:00 as a number)"),
    ('quiet_hours: {from: "22:00", until: "07:00"}',
     "channels[0].quiet_hours.to: Field required\n"
     "channels[0].quiet_hours.until: unknown key; allowed: from, to"),
    ("digest: {every: weekly}",
     "channels[0].digest.every: 'weekly' is not a valid digest period: "
     "write a number and a unit (s, m, h, d, w), e.g. 90m, 6h, 2d or 1h30m; at least 5m; "
     "or write hourly or daily"),
    ("digest: {every: 1m}",
     "channels[0].digest.every: '1m': the digest period must be at least 5m; or "
     "write hourly or daily"),
    ('digest: {every: hourly, daily_at: "08:00"}',
     "channels[0].digest: give exactly one of `every` (hourly, daily, 30m, 2h) "
     'or `daily_at` ("08:00")'),
    ("digest: {evry: hourly}",
     "channels[0].digest.evry: unknown key; did you mean 'every'? allowed: every, daily_at, "
     "max_items"),
    ('quiet_hours: {from: "07:00", to: "07:00"}',
     "channels[0].quiet_hours: `from` and `to` are the same time; remove "
     "quiet_hours to have none"),
])
def test_bad_channel_policy_says_what_is_allowed(tmp_path: Path, entry: str,
                                                 expected: str) -> None:
    channels = f"channels:\n  - name: chat\n    url: json://localhost/hook\n    {entry}\n"
    root = write_config(tmp_path, {}, channels=channels)
    lines = [line.split(": ", 1)[1] for line in problem_lines(load_config(root), root)
             if line.startswith("channels.yaml")]
    assert lines == expected.split("\n")


@pytest.mark.parametrize(("entry", "expected"), [
    ("realert: 6 hours", "rules[0].realert: '6 hours' is not a valid re-alert window: "
     "write a number and a unit (s, m, h, d, w), e.g. 90m, 6h, 2d or 1h30m; at least 1m"),
    ("flood_limit: 0", "rules[0].flood_limit: Input should be greater than or equal to 1"),
    ("template: {email: /etc/passwd}", "rules[0].template: '/etc/passwd': give a "
     "path inside the config folder, relative to it, e.g. templates/ceasefire.html.j2"),
    ("template: {pdf: t.j2}", "rules[0].template.pdf.[key]: Input should be 'email', "
     "'slack', 'markdown' or 'text'"),
    ("template: {email: missing.j2}", "rules[0].template: template file(s) not found: "
     "missing.j2 (paths are relative to CONFIG)"),
])
def test_bad_rule_policy_is_reported(tmp_path: Path, entry: str, expected: str) -> None:
    rule = f"rules:\n  - id: r\n    name: R\n    match: {{any: [x]}}\n    channels: [chat]\n" \
           f"    {entry}\n"
    root = write_config(tmp_path, {"r.yaml": rule})
    config = load_config(root)
    lines = [line.split(": ", 1)[1].replace(str(root), "CONFIG")
             for line in problem_lines(config, root)]
    assert lines == [expected]
    assert config.rules == []


def test_the_repository_config_compiles_and_routes_as_its_files_say() -> None:
    """The shipped config/ (tests/test_shipped_config.py checks it loads without problems):
    its rules compile, its channels are those channels.yaml names, and its alert policy
    follows the files: rules with `digest:` go to their own digest, the others at once."""
    config = load_config(REPO_CONFIG)
    assert config.problems == []
    compiled = compile_rules(config.rules, config.entities)
    assert compiled.problems == []
    assert [r.id for r in compiled.compiled.rules] == [r.id for r in config.rules if r.enabled]
    listed = yaml.safe_load((REPO_CONFIG / "channels.yaml").read_text("utf-8"))["channels"]
    assert list(config.channels) == [c["name"] for c in listed]
    assert all(set(rule.channels) <= set(config.channels) for rule in config.rules)
    policy = queue_policy(config)
    digests = [r for r in config.rules if r.digest is not None]
    assert digests, "the shipped watchlist rule sends a daily digest"
    for rule in config.rules:
        for channel in rule.channels:
            stream = policy.alert_streams.get((rule.id, channel))
            if rule.digest is None:
                assert stream is None, (rule.id, channel)   # no shipped channel has a digest
            else:
                assert stream == f"rule:{rule.id}"
                assert stream_schedule(config, channel, stream) == rule.digest
    assert settings_problems(Settings(ops_channel=next(iter(config.channels))), config) == []


# --- time ------------------------------------------------------------------------------------

def test_hourly_and_every_periods_start_on_local_boundaries() -> None:
    hourly = DigestSchedule.model_validate({"every": "hourly"})
    assert hourly.latest_boundary(at("2026-11-23T10:59:59+00:00"), PARIS) == at(
        "2026-11-23T10:00:00+00:00")
    assert hourly.latest_boundary(at("2026-11-23T11:00:00+00:00"), PARIS) == at(
        "2026-11-23T11:00:00+00:00")
    # India is UTC+5:30: hours start at :30 UTC
    assert hourly.latest_boundary(at("2026-11-23T10:20:00+00:00"), "Asia/Kolkata") == at(
        "2026-11-23T09:30:00+00:00")
    three = DigestSchedule.model_validate({"every": "3h"})
    assert three.latest_boundary(at("2026-11-23T10:30:00+01:00"), PARIS) == at(
        "2026-11-23T09:00:00+01:00")


def test_daily_at_is_local_time_across_daylight_saving() -> None:
    daily = DigestSchedule(daily_at="08:00")
    assert daily.latest_boundary(at("2026-11-23T07:59:00+01:00"), PARIS) == at(
        "2026-11-22T08:00:00+01:00")
    assert daily.latest_boundary(at("2026-11-23T08:00:00+01:00"), PARIS) == at(
        "2026-11-23T08:00:00+01:00")
    # the night summer time ends (25 Oct 2026), 08:00 moves from 06:00 to 07:00 UTC
    assert daily.latest_boundary(at("2026-10-25T12:00:00+00:00"), PARIS) == at(
        "2026-10-25T07:00:00+00:00")
    assert daily.latest_boundary(at("2026-10-24T12:00:00+00:00"), PARIS) == at(
        "2026-10-24T06:00:00+00:00")


def test_quiet_hours_across_midnight_end_at_local_morning() -> None:
    quiet = QuietHours.model_validate({"from": "22:00", "to": "07:00"})
    assert quiet.end_after(at("2026-11-23T21:59:00+01:00"), PARIS) is None
    assert quiet.end_after(at("2026-11-23T22:00:00+01:00"), PARIS) == at(
        "2026-11-24T07:00:00+01:00")
    assert quiet.end_after(at("2026-11-24T06:59:00+01:00"), PARIS) == at(
        "2026-11-24T07:00:00+01:00")
    assert quiet.end_after(at("2026-11-24T07:00:00+01:00"), PARIS) is None
    lunch = QuietHours.model_validate({"from": "12:00", "to": "13:30"})
    assert lunch.end_after(at("2026-11-24T12:10:00+00:00"), "UTC") == at(
        "2026-11-24T13:30:00+00:00")
    assert lunch.end_after(at("2026-11-24T11:00:00+00:00"), "UTC") is None


def test_backoff_doubles_from_a_minute_up_to_an_hour() -> None:
    assert [backoff(n) for n in range(0, 9)] == [timedelta(0)] + [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60)]
    assert backoff(1000) == timedelta(hours=1)


# --- what a run sends ------------------------------------------------------------------------

def _rule(rule_id: str, severity: str = "medium", **extra: object) -> Rule:
    return Rule.model_validate({"id": rule_id, "name": rule_id.title(), "severity": severity,
                                "match": {"any": ["x"]}, "channels": ["desk"], **extra})


def _pending(n: int, rule: str = "r", severity: str = "medium",
             channel: str = "desk") -> list[PendingDelivery]:
    return [PendingDelivery(f"{rule}-{i}", channel, 0, AlertView(
        alert_id=f"{rule}-{i}", rule_id=rule, rule_name=rule.title(), severity=severity,
        title=f"story {i}", url="https://example.org", source_name="S", published_at=None,
        sentence=None, terms=())) for i in range(n)]


def _config(rules: list[Rule], **channel: object) -> Config:
    desk = Channel.model_validate({"name": "desk", "url": "json://localhost/x", **channel})
    return Config(rules=rules, channels={"desk": desk})


def test_more_than_the_flood_limit_go_as_one_digest_in_place() -> None:
    config = _config([_rule("r", flood_limit=2), _rule("s")])
    due = [*_pending(1, "s"), *_pending(3, "r"), *_pending(1, "s")[:0]]
    plan = plan_deliveries(due, config, at("2026-11-23T12:00:00+00:00"))
    [first, flood] = plan.messages["desk"]
    assert (first.flood_rule, [p.alert_id for p in first.items]) == (None, ["s-0"])
    assert (flood.flood_rule, [p.alert_id for p in flood.items]) == ("r", ["r-0", "r-1", "r-2"])
    assert plan.held == []
    # At the limit, one by one.
    plan = plan_deliveries(_pending(2, "r"), config, at("2026-11-23T12:00:00+00:00"))
    assert [m.flood_rule for m in plan.messages["desk"]] == [None, None]


def test_quiet_hours_hold_all_but_critical() -> None:
    config = _config([_rule("r"), _rule("c", "critical")], timezone=PARIS,
                     quiet_hours={"from": "22:00", "to": "07:00"})
    night = at("2026-11-23T23:30:00+01:00")
    plan = plan_deliveries([*_pending(2, "r"), *_pending(1, "c", "critical")], config, night)
    assert [p.alert_id for m in plan.messages["desk"] for p in m.items] == ["c-0"]
    assert [(h.pending.alert_id, h.until, h.stream) for h in plan.held] == [
        ("r-0", at("2026-11-24T07:00:00+01:00"), None),
        ("r-1", at("2026-11-24T07:00:00+01:00"), None)]
    day = at("2026-11-24T07:00:00+01:00")
    assert len(plan_deliveries(_pending(2, "r"), config, day).sending) == 2


def test_quiet_hours_on_a_digest_channel_hold_for_the_digest() -> None:
    config = _config([_rule("r")], quiet_hours={"from": "22:00", "to": "07:00"},
                     digest={"every": "hourly"})
    plan = plan_deliveries(_pending(1), config, at("2026-11-23T23:00:00+00:00"))
    assert [(h.until, h.stream) for h in plan.held] == [(None, "channel")]


def test_queue_policy_routes_alerts_and_copies() -> None:
    rules = [_rule("plain"), _rule("urgent", "critical"),
             _rule("daily", digest={"daily_at": "08:00"}, realert="6h")]
    rules = [r.model_copy(update={"channels": ["desk", "chat"]}) for r in rules]
    config = _config(rules)
    config.channels["chat"] = Channel.model_validate(
        {"name": "chat", "url": "json://localhost/y", "digest": {"every": "hourly"}})
    policy = queue_policy(config)
    assert policy.realert == {"daily": timedelta(hours=6)}
    assert policy.alert_streams == {
        ("plain", "chat"): "channel",                 # a digest channel: alerts wait
        ("daily", "desk"): "rule:daily", ("daily", "chat"): "rule:daily"}   # critical: never
    assert policy.copy_streams == {
        ("plain", "chat"): "channel", ("urgent", "chat"): "channel",
        ("daily", "desk"): "rule:daily", ("daily", "chat"): "rule:daily"}
    assert stream_schedule(config, "chat", "channel") == DigestSchedule.model_validate(
        {"every": "hourly"})
    assert stream_schedule(config, "desk", "rule:daily") == DigestSchedule(daily_at="08:00")
    assert stream_schedule(config, "desk", "rule:gone") is None


def _state(oldest: str, last_period: str | None = None, failures: int = 0,
           last_failure: str | None = None) -> StreamState:
    return StreamState("desk", "channel", at(oldest), 1,
                       at(last_period) if last_period else None, failures,
                       at(last_failure) if last_failure else None)


def test_a_digest_is_due_once_per_period() -> None:
    hourly = DigestSchedule.model_validate({"every": "hourly"})
    channel = Channel.model_validate({"name": "desk", "url": "json://localhost/x"})

    def due(state: StreamState, now: str) -> datetime | None:
        return digest_due(state, hourly, channel, at(now), DEFAULT_RETRY)

    # Queued in this period: waits for the period to end.
    assert due(_state("2026-11-23T10:20:00+00:00"), "2026-11-23T10:59:00+00:00") is None
    assert due(_state("2026-11-23T10:20:00+00:00"), "2026-11-23T11:05:00+00:00") == at(
        "2026-11-23T11:00:00+00:00")
    # The 11:00 digest was sent: not again before 12:00, even after a restart.
    sent = _state("2026-11-23T10:20:00+00:00", last_period="2026-11-23T11:00:00+00:00")
    assert due(sent, "2026-11-23T11:50:00+00:00") is None
    assert due(sent, "2026-11-23T12:00:00+00:00") == at("2026-11-23T12:00:00+00:00")
    # After a failed attempt, not before the backoff.
    failed = _state("2026-11-23T10:20:00+00:00", failures=2,
                    last_failure="2026-11-23T11:05:00+00:00")
    assert due(failed, "2026-11-23T11:06:00+00:00") is None
    assert due(failed, "2026-11-23T11:07:00+00:00") == at("2026-11-23T11:00:00+00:00")
    # Quiet hours hold digests too; unscheduled streams are due at once.
    quiet = channel.model_copy(update={"quiet_hours": QuietHours.model_validate(
        {"from": "11:00", "to": "12:00"})})
    assert digest_due(_state("2026-11-23T10:20:00+00:00"), hourly, quiet,
                      at("2026-11-23T11:30:00+00:00"), DEFAULT_RETRY) is None
    assert digest_due(_state("2026-11-23T10:20:00+00:00"), None, channel,
                      at("2026-11-23T10:30:00+00:00"), DEFAULT_RETRY) == at(
        "2026-11-23T10:30:00+00:00")


def test_schedules_can_be_built_in_code() -> None:
    with pytest.raises(ValidationError):
        DigestSchedule()
    assert DigestSchedule(every=timedelta(minutes=15)).describe() == "every 15m"
    assert DigestSchedule(daily_at="08:00").describe() == "daily at 08:00"
    assert DigestSchedule.model_validate({"every": "hourly"}).describe() == "hourly"


def test_settings_that_do_not_fit_the_config_are_named() -> None:
    config = _config([_rule("r")])
    assert settings_problems(Settings(ops_channel="desk"), config) == []
    assert settings_problems(Settings(ops_channel="pager"), config) == [
        "NEWSWATCH_OPS_CHANNEL names 'pager', which is not a channel in channels.yaml (desk)"]
