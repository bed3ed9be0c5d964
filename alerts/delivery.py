"""Sending the immediate alerts the outbox holds, by each channel's and rule's policy.

`deliver_alerts`: due deliveries (not in backoff) are sent per channel, all channels at once,
each channel in queue order; the first failure on a channel stops that channel for this run
(the rest wait with it, so alerts arrive in order when it is back) and never delays the
others. Quiet hours hold alerts below critical (until they end, or for the channel's digest);
more than a rule's `flood_limit` alerts for one channel in one run go out as one digest.
Deliveries given up after their attempts are announced to the ops channels (alerts/ops.py).
Scheduled digests are alerts/digests.py.

Every function takes `now`, so tests move time without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.channels import Channel
from alerts.config import AlertConfig, settings_problems  # noqa: F401  (also found here)
from alerts.ops import announce_given_up
from alerts.render import Rendered, render, render_digest
from alerts.routing import QueuePolicy
from alerts.sending import failure_reason, send_messages
from core.crash_points import crash_point
from core.records import AlertView
from core.settings import Settings
from rules.models import DEFAULT_FLOOD_LIMIT
from warehouse import outbox
from warehouse.connection import writer

logger = logging.getLogger("newswatch.alerting")

CRITICAL = "critical"


def retry_policy(settings: Settings) -> outbox.Retry:
    return outbox.Retry(max_attempts=settings.delivery_max_attempts,
                        base=timedelta(seconds=settings.delivery_backoff_seconds),
                        cap=timedelta(seconds=settings.delivery_backoff_max_seconds))


def queue_policy(config: AlertConfig) -> QueuePolicy:
    """Which alerts wait for a digest, where later copies are listed, who may re-alert.

    A rule with `digest:` sends everything in its own digests. On a channel with `digest:`,
    alerts wait for the channel's digest, except critical ones, which never wait. Later
    copies of a story go to the digest that applies, if any."""
    alert_streams: dict[tuple[str, str], str] = {}
    copy_streams: dict[tuple[str, str], str] = {}
    for rule in config.rules:
        for name in rule.channels:
            channel = config.channels.get(name)
            if rule.digest is not None:
                alert_streams[(rule.id, name)] = copy_streams[(rule.id, name)] = f"rule:{rule.id}"
            elif channel is not None and channel.digest is not None:
                copy_streams[(rule.id, name)] = "channel"
                if rule.severity != CRITICAL:
                    alert_streams[(rule.id, name)] = "channel"
    return QueuePolicy(
        realert={r.id: r.realert for r in config.rules if r.realert is not None},
        alert_streams=alert_streams, copy_streams=copy_streams)


def render_alert(config: AlertConfig, alert: AlertView, channel: Channel) -> Rendered:
    """With the rule's own template for the channel's format, if it has one. A template that
    fails is logged and the built-in one used: an alert is never lost to a template."""
    rule = next((r for r in config.rules if r.id == alert.rule_id), None)
    template = config.template_path(rule, channel.format) if rule else None
    if template is not None:
        try:
            return render(alert, channel.format, channel.timezone, template=template)
        except (ValueError, OSError) as exc:   # render's TemplateError is a ValueError
            logger.warning("rule %s: template %s failed, using the built-in one: %s",
                           alert.rule_id, template, exc)
    return render(alert, channel.format, channel.timezone)


@dataclass(frozen=True)
class Message:
    """One message to one channel: a single alert, or a flood digest of one rule's alerts."""

    channel: str
    items: list[outbox.PendingDelivery]
    flood_rule: str | None = None


@dataclass
class Plan:
    messages: dict[str, list[Message]] = field(default_factory=dict)   # per channel, in order
    held: list[outbox.Held] = field(default_factory=list)

    @property
    def sending(self) -> list[outbox.PendingDelivery]:
        return [p for ms in self.messages.values() for m in ms for p in m.items]


def plan_deliveries(due: list[outbox.PendingDelivery], config: AlertConfig, now: datetime) -> Plan:
    """Which due deliveries go now, and as what; which wait (quiet hours). Pure."""
    plan = Plan()
    limits = {r.id: r.flood_limit for r in config.rules}
    per_channel: dict[str, list[outbox.PendingDelivery]] = {}
    for p in due:
        per_channel.setdefault(p.channel, []).append(p)
    for name, items in per_channel.items():
        channel = config.channels[name]
        quiet_until = (channel.quiet_hours.end_after(now, channel.timezone)
                       if channel.quiet_hours else None)
        kept = []
        for p in items:
            if quiet_until is not None and p.alert.severity != CRITICAL:
                plan.held.append(outbox.Held(p, stream="channel") if channel.digest
                                 else outbox.Held(p, until=quiet_until))
            else:
                kept.append(p)
        counts: dict[str, int] = {}
        for p in kept:
            counts[p.alert.rule_id] = counts.get(p.alert.rule_id, 0) + 1
        flooded = {rule for rule, n in counts.items()
                   if n > limits.get(rule, DEFAULT_FLOOD_LIMIT)}
        messages: list[Message] = []
        for p in kept:
            rule = p.alert.rule_id
            if rule not in flooded:
                messages.append(Message(name, [p]))
            elif not any(m.flood_rule == rule for m in messages):
                messages.append(Message(name, [q for q in kept if q.alert.rule_id == rule],
                                        flood_rule=rule))
        if messages:
            plan.messages[name] = messages
    return plan


@dataclass
class DeliveryReport:
    sent: int = 0                      # deliveries accepted (alone or in a flood digest)
    failures: list[str] = field(default_factory=list)
    held: int = 0                      # held by quiet hours
    flood_digests: int = 0
    gave_up: int = 0
    ops_messages: int = 0


async def deliver_alerts(settings: Settings, config: AlertConfig, *,
                         now: datetime) -> DeliveryReport:
    retry = retry_policy(settings)
    names = {r.id: r.name for r in config.rules}
    with writer(settings.warehouse) as con:
        outbox.give_up_exhausted(con, now=now, max_attempts=retry.max_attempts)
        due = [p for p in outbox.pending_deliveries(con, names, now=now,
                                                    max_attempts=retry.max_attempts)
               if p.channel in config.channels]
        plan = plan_deliveries(due, config, now)
        outbox.prepare(con, plan.sending, plan.held, now=now, retry=retry)
        crash_point("after_outbox_write")   # fault tests: attempts committed, nothing sent
    report = DeliveryReport(held=len(plan.held))
    gave_up: list[tuple[str, str]] = []

    def record(outcomes: list[outbox.DeliveryOutcome],
               records: list[outbox.DigestRecord]) -> None:
        with writer(settings.warehouse) as con:
            gave_up.extend(outbox.record_outcomes(con, outcomes, now=now, retry=retry,
                                                  digests=records))

    results = await asyncio.gather(*(
        _send_channel(config, config.channels[name], messages, now, record)
        for name, messages in plan.messages.items()))
    outcomes = [o for result in results for o in result[0]]
    records = [d for result in results for d in result[1]]
    report.failures = [f for result in results for f in result[2]]
    report.sent = sum(1 for o in outcomes if o.error is None)
    report.flood_digests = sum(1 for d in records if d.error is None)
    report.gave_up = len(gave_up)
    report.ops_messages, ops_failures = await announce_given_up(settings, config, now=now)
    report.failures += ops_failures
    return report


async def _send_channel(
        config: AlertConfig, channel: Channel, messages: list[Message], now: datetime,
        record: Callable[[list[outbox.DeliveryOutcome], list[outbox.DigestRecord]], None],
) -> tuple[list[outbox.DeliveryOutcome], list[outbox.DigestRecord], list[str]]:
    """Send in order; after a failure the rest of this channel waits (same error, counted as
    an attempt) so that order holds when the channel is back.

    Each message's outcome is recorded (`record`) as soon as the channel has answered, before
    the next is sent: a crash can then repeat only the one message in flight, never one sent
    earlier in the run. The messages left waiting after a failure are recorded together."""
    outcomes: list[outbox.DeliveryOutcome] = []
    records: list[outbox.DigestRecord] = []
    failures: list[str] = []
    error: str | None = None
    recorded = (0, 0)   # how many of outcomes and records are in the warehouse
    for message in messages:
        digest_id = uuid.uuid4().hex[:24] if message.flood_rule else None
        attempted = error is None
        this_error: str | None
        if attempted:
            try:
                await send_messages(channel, _render_message(config, channel, message))
            except Exception as exc:   # each refusal is recorded, whatever raised it
                error = failure_reason(exc)[:500]
                failures.append(f"{channel.name}: {error}")
                this_error = error
            else:
                this_error = None
                crash_point("after_send")   # fault tests: accepted, outcome not yet recorded
        else:
            this_error = f"not sent: an earlier message to this channel failed ({error})"[:500]
        if message.flood_rule and digest_id:
            records.append(outbox.DigestRecord(
                digest_id, channel.name, f"flood:{message.flood_rule}", now,
                len(message.items), this_error, now))
        outcomes += [outbox.DeliveryOutcome(p.alert_id, p.channel, this_error,
                                            digest_id if this_error is None else None)
                     for p in message.items]
        if attempted:
            record(outcomes[recorded[0]:], records[recorded[1]:])
            recorded = (len(outcomes), len(records))
    if recorded != (len(outcomes), len(records)):
        record(outcomes[recorded[0]:], records[recorded[1]:])
    return outcomes, records, failures


def _render_message(config: AlertConfig, channel: Channel, message: Message) -> list[Rendered]:
    if message.flood_rule is None:
        return [render_alert(config, message.items[0].alert, channel)]
    first = message.items[0].alert
    return render_digest([p.alert for p in message.items], channel.format, channel.timezone,
                         heading=first.rule_name)
