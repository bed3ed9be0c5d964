"""Telling ops about sources that keep failing or have gone quiet, once, and once more when
they recover.

Runs after each load (flows/monitor.py): `warehouse.source_health.evaluate` decides, from the
request log and the stored articles, which problems start or end now; the notices ops has not
had yet go out as one message per ops channel (the channels with `ops: true`, plus
NEWSWATCH_OPS_CHANNEL). A notice is marked told once any ops channel accepted it; when none
did, it waits for the next run. Without an ops channel the problems are still recorded
(`source_alerts`, `v_source_health`) and logged.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.escaping import MAX_NAME, md, mrkdwn, plain
from alerts.notify import send
from alerts.render import Rendered
from core.errors import MissingSecret
from core.settings import Settings
from pipeline.config import Config
from warehouse import source_health
from warehouse.connection import writer
from warehouse.source_health import Notice, Thresholds

logger = logging.getLogger("newswatch.source_alerts")

_LABELS = {("failing", False): "FAILING", ("stale", False): "GONE QUIET",
           ("failing", True): "RECOVERED", ("stale", True): "RECOVERED"}


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds(failure_runs=settings.source_failure_runs,
                      stale_factor=settings.source_stale_factor,
                      stale_floor=timedelta(hours=settings.source_stale_min_hours))


@dataclass
class SourceAlertReport:
    changes: list[Notice] = field(default_factory=list)   # raised or recovered in this run
    sent: int = 0                                          # ops messages accepted
    failures: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [notice_line(n) for n in self.changes]


def notice_line(n: Notice) -> str:
    what = _LABELS[(n.problem, n.recovered)]
    if n.recovered:
        was = "failing" if n.problem == "failing" else "quiet"
        return (f"{what}: {n.source_name} ({n.source_id}), {was} since "
                f"{n.raised_at:%Y-%m-%d %H:%M} UTC: {n.detail}")
    return f"{what}: {n.source_name} ({n.source_id}): {n.detail}"


def render_notices(notices: list[Notice], fmt: str) -> Rendered:
    """One message for an ops channel. Source names come from the config and error messages
    partly from remote servers: every line is cleaned and escaped for the format."""
    counts = {label: sum(1 for n in notices if _LABELS[(n.problem, n.recovered)] == label)
              for label in ("FAILING", "GONE QUIET", "RECOVERED")}
    summary = ", ".join(f"{count} {label.lower()}" for label, count in counts.items() if count)
    if len(notices) == 1:
        n = notices[0]
        summary = f"{n.source_name} {_LABELS[(n.problem, n.recovered)].lower()}"
    title = plain(f"[newswatch] sources: {summary}", MAX_NAME)
    lines = [plain(notice_line(n), 1000) for n in notices]
    footer = "Details: SELECT * FROM v_source_health; history: SELECT * FROM source_alerts."
    code = "Details: `SELECT * FROM v_source_health`; history: `SELECT * FROM source_alerts`."
    if fmt == "email":
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        body = f"<p>Source health changed:</p><ul>{items}</ul><p>{html.escape(footer)}</p>"
        return Rendered(title, body, "html")
    if fmt == "slack":
        body = "\n".join(f"• {mrkdwn(line)}" for line in lines) + f"\n{code}"
        return Rendered(title, body, "markdown")
    if fmt == "markdown":
        body = "\n".join(f"- {md(line)}" for line in lines) + f"\n\n{code}"
        return Rendered(title, body, "markdown")
    return Rendered(title, "\n".join(lines) + f"\n{footer}", "text")


async def check_sources(settings: Settings, config: Config, *, now: datetime,
                        source_ids: Collection[str]) -> SourceAlertReport:
    """Evaluate the given sources' health and tell ops what it has not heard yet."""
    report = SourceAlertReport()
    try:
        with writer(settings.warehouse) as con:
            report.changes = source_health.evaluate(con, thresholds(settings), now=now,
                                                    source_ids=source_ids)
            pending = source_health.pending_notices(con)
    except Exception as exc:   # health is a side duty: the run's alerts still go out
        logger.exception("source health check failed")
        report.failures.append(f"source health check failed: {type(exc).__name__}: {exc}"[:500])
        return report
    for notice in report.changes:
        logger.warning("source health: %s", notice_line(notice))
    ops = config.ops_channels(settings.ops_channel)
    if not ops or not pending:
        return report
    for name in ops:
        channel = config.channels[name]
        try:
            url = channel.resolve_url(os.environ)
            await asyncio.to_thread(send, url, render_notices(pending, channel.format))
        except Exception as exc:   # one broken ops channel never stops the others
            reason = (f"{exc}: set it in the environment of the process that runs newswatch"
                      if isinstance(exc, MissingSecret) else f"{type(exc).__name__}: {exc}")
            report.failures.append(f"{name} (ops, source health): {reason}"[:500])
            continue
        report.sent += 1
    if report.sent:
        with writer(settings.warehouse) as con:
            source_health.mark_notified(con, pending, now=now)
    return report
