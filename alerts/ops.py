"""Ops notices: what newswatch tells the ops channels about itself.

The ops channels are those with `ops: true`, plus NEWSWATCH_OPS_CHANNEL. Every notice goes
through `send_to_ops`, rendered for each channel's format with the same escaping as alerts:
alerts given up after their attempts (listed as an alert digest), config problems, and
sources failing or recovered (alerts/source_notices.py). One failing ops channel never stops
the next; each caller records what was told so a notice is sent once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from alerts.channels import Channel
from alerts.config import AlertConfig
from alerts.render import OpsNotice, Rendered, render_digest, render_notice
from alerts.sending import failure_reason, send_messages
from core.settings import Settings
from warehouse import outbox, rule_state
from warehouse.connection import writer


async def send_to_ops(settings: Settings, config: AlertConfig,
                      compose: Callable[[Channel], Sequence[Rendered]], *, what: str = "",
                      after_each: Callable[[str], None] | None = None) -> tuple[int, list[str]]:
    """Send each ops channel the messages `compose` makes for it (none: that channel is
    skipped). `after_each(name)` runs once a channel has accepted, before the next is tried.
    Returns (channels that accepted, failures); a failure names the channel and `what`."""
    sent, failures = 0, []
    label = f"ops, {what}" if what else "ops"
    for name in config.ops_channels(settings.ops_channel):
        channel = config.channels[name]
        messages = compose(channel)
        if not messages:
            continue
        try:
            await send_messages(channel, messages)
        except Exception as exc:   # one failing ops channel does not stop the next
            failures.append(f"{name} ({label}): {failure_reason(exc)}"[:500])
            continue
        sent += 1
        if after_each is not None:
            after_each(name)
    return sent, failures


async def announce_given_up(settings: Settings, config: AlertConfig, *,
                            now: datetime) -> tuple[int, list[str]]:
    """One message per ops channel naming each alert given up, its channel and last error
    (stored errors are already scrubbed of secrets). A channel is not told about itself."""
    ops = config.ops_channels(settings.ops_channel)
    if not ops:
        return 0, []
    names = {r.id: r.name for r in config.rules}
    with writer(settings.warehouse) as con:
        gave_up = outbox.given_up_unannounced(con, names)
    if not gave_up:
        return 0, []

    def compose(channel: Channel) -> list[Rendered]:
        views = [replace(g.alert, terms=(), other_sources=(), sentence=(
            f"Not delivered to channel {g.channel} (alert {g.alert_id}): gave up after "
            f"{g.attempts} attempt(s). Last error: {g.last_error}"))
            for g in gave_up if g.channel != channel.name]
        return render_digest(views, channel.format, channel.timezone,
                             heading="alerts not delivered") if views else []

    def announced(name: str) -> None:
        # Recorded before the next ops channel is told: a crash repeats one message at most.
        with writer(settings.warehouse) as con:
            outbox.mark_announced(con, sorted({(g.alert_id, g.channel) for g in gave_up
                                               if g.channel != name}), now=now)

    sent, failures = await send_to_ops(settings, config, compose, after_each=announced)
    done = {(g.alert_id, g.channel) for g in gave_up
            if not any(name != g.channel for name in ops)}   # no one else to tell
    if done:   # given up on the only ops channel itself: nobody else to tell
        with writer(settings.warehouse) as con:
            outbox.mark_announced(con, sorted(done), now=now)
    return sent, failures


async def announce_config_problems(settings: Settings, config: AlertConfig,
                                   problems: list[str], *,
                                   now: datetime) -> tuple[int, list[str]]:
    """Tell the ops channels about config problems (broken rule files and the like), each
    distinct problem once: the warehouse remembers which were told. Returns (messages sent,
    failures)."""
    with writer(settings.warehouse) as con:
        fresh = rule_state.note_config_problems(con, problems, now)
    if not fresh or not config.ops_channels(settings.ops_channel):
        return 0, []
    notice = OpsNotice(
        f"{len(fresh)} config problem(s)", fresh,
        intro="These config problems were found; what they affect is skipped and everything "
              "else keeps running. Run `newswatch check` after fixing them.")
    sent, failures = await send_to_ops(settings, config,
                                       lambda channel: [render_notice(notice, channel.format)])
    if sent:
        with writer(settings.warehouse) as con:
            rule_state.mark_problems_notified(con, fresh, now)
    return sent, failures
