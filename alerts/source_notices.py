"""Telling ops about sources that keep failing or have gone quiet, once, and once more when
they recover.

Runs after each load (pipeline/runner.py:after_load): `warehouse.source_health.evaluate`
decides, from the request log and the stored articles, which problems start or end now; the
notices ops has not had yet go out as one message per ops channel (`alerts.ops.send_to_ops`:
the channels with `ops: true`, plus NEWSWATCH_OPS_CHANNEL). A notice is marked told once any
ops channel accepted it; when none did, it waits for the next run. Without an ops channel the
problems are still recorded (`source_alerts`, `v_source_health`) and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.config import AlertConfig
from alerts.ops import send_to_ops
from alerts.render import OpsNotice, Rendered, render_notice
from core.settings import Settings
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
    return render_notice(OpsNotice(
        f"sources: {summary}", [notice_line(n) for n in notices],
        intro="Source health changed:",
        footer="Details: `SELECT * FROM v_source_health`; history: "
               "`SELECT * FROM source_alerts`."), fmt)


async def check_sources(settings: Settings, config: AlertConfig, *, now: datetime,
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
    if not pending:
        return report
    report.sent, report.failures = await send_to_ops(
        settings, config, lambda channel: [render_notices(pending, channel.format)],
        what="source health")
    if report.sent:
        with writer(settings.warehouse) as con:
            source_health.mark_notified(con, pending, now=now)
    return report
