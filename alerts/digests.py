"""Sending the digests that are due: one per channel and stream (the channel's own, or a
rule's) per period, from the warehouse's record of the last one sent.

Every function takes `now`, so tests move time without sleeping.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from alerts.channels import Channel
from alerts.config import AlertConfig
from alerts.delivery import retry_policy
from alerts.render import render_digest
from alerts.sending import failure_reason, send_messages
from core.settings import Settings
from core.timing import DigestSchedule, backoff
from warehouse import digests as stored
from warehouse import outbox
from warehouse.connection import writer


def stream_schedule(config: AlertConfig, channel: str, stream: str) -> DigestSchedule | None:
    """The schedule of a digest stream; None (send at once) if the config no longer has one."""
    if stream == "channel":
        found = config.channels.get(channel)
        return found.digest if found else None
    if stream.startswith("rule:"):
        rule = next((r for r in config.rules if r.id == stream[5:]), None)
        return rule.digest if rule else None
    return None


def digest_due(state: stored.StreamState, schedule: DigestSchedule | None, channel: Channel,
               now: datetime, retry: outbox.Retry) -> datetime | None:
    """The period end this stream's digest would close, if it is due now; else None.

    Due once per period: the last digest sent closed an earlier period, and something waiting
    was queued before the current period began. Not during the channel's quiet hours; after
    a failed attempt, not before the backoff has passed."""
    if channel.quiet_hours and channel.quiet_hours.end_after(now, channel.timezone):
        return None
    if state.failures and state.last_failure is not None and now < state.last_failure + backoff(
            state.failures, retry.base, retry.cap):
        return None
    if schedule is None:
        return now
    boundary = schedule.latest_boundary(now, channel.timezone)
    if state.last_period is not None and state.last_period >= boundary:
        return None
    if state.oldest >= boundary:
        return None
    return boundary


@dataclass
class DigestReport:
    sent: int = 0
    lines: int = 0
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Due:
    """One digest to send now: a channel's stream, the period it closes, what waits in it."""

    channel: Channel
    stream: str
    period: datetime
    schedule: DigestSchedule | None
    lines: list[stored.DigestLine]


async def send_due_digests(settings: Settings, config: AlertConfig, *, now: datetime,
                           force: bool = False, channels: list[str] | None = None
                           ) -> DigestReport:
    """Send every digest that is due (all that wait, with `force`), one message per channel
    and stream, grouped by rule and ordered by severity by `render_digest`."""
    due = _due_digests(settings, config, now=now, force=force, channels=channels)
    by_channel: dict[str, list[_Due]] = {}
    for entry in due:
        by_channel.setdefault(entry.channel.name, []).append(entry)
    results = await asyncio.gather(*(_send_digests(settings, entries, now)
                                     for entries in by_channel.values()))
    report = DigestReport()
    for record, item_ids in (r for result in results for r in result):
        if record.error is None:
            report.sent += 1
            report.lines += len(item_ids)
        else:
            report.failures.append(f"{record.channel} (digest): {record.error}")
    return report


def _due_digests(settings: Settings, config: AlertConfig, *, now: datetime, force: bool,
                 channels: list[str] | None) -> list[_Due]:
    retry = retry_policy(settings)
    names = {r.id: r.name for r in config.rules}
    due = []
    with writer(settings.warehouse) as con:
        for state in stored.waiting_streams(con):
            channel = config.channels.get(state.channel)
            if channel is None or (channels is not None and state.channel not in channels):
                continue   # a channel removed from the config: its lines wait for it
            schedule = stream_schedule(config, state.channel, state.stream)
            period = digest_due(state, schedule, channel, now, retry)
            if period is None and force:
                period = now
            if period is not None:
                lines = stored.waiting_lines(con, state.channel, state.stream, names)
                if lines:
                    due.append(_Due(channel, state.stream, period, schedule, lines))
    return due


async def _send_digests(settings: Settings, entries: list[_Due],
                        now: datetime) -> list[tuple[outbox.DigestRecord, list[str]]]:
    """Send a channel's digests one by one, recording each before the next goes out, so a
    crash can repeat at most the digest in flight."""
    out = []
    for due in entries:
        channel, schedule = due.channel, due.schedule
        heading = (f"digest ({schedule.describe()})" if schedule is not None
                   else "newswatch digest")
        error = None
        try:
            await send_messages(channel, render_digest(
                stored.shown_alerts(due.lines), channel.format, channel.timezone,
                heading=heading, max_items=schedule.max_items if schedule else 50))
        except Exception as exc:
            error = failure_reason(exc)[:500]
        record = outbox.DigestRecord(uuid.uuid4().hex[:24], channel.name, due.stream,
                                     due.period, len(due.lines), error, now)
        item_ids = [line.item_id for line in due.lines]
        with writer(settings.warehouse) as con:   # no await inside: one writer at a time
            stored.record_digest(con, record, item_ids, now=now)
        out.append((record, item_ids))
    return out
