"""The digest flow: send the digests that are due, between monitor runs or on demand.

The monitor flow sends due digests at the end of every run; this flow does only that, for a
schedule of its own (e.g. at 08:00 for `daily_at: "08:00"` when monitor runs are sparse) or
for `newswatch digest`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, get_run_logger

from alerts.digests import DigestReport
from core.settings import Settings
from pipeline import steps
from pipeline.config import load_config


@flow(name="newswatch-digest", flow_run_name="digest {run_label}", log_prints=False)
async def digest_flow(settings: Settings | None = None, run_label: str = "scheduled",
                      now: datetime | None = None, force: bool = False,
                      channels: list[str] | None = None) -> DigestReport:
    """Send every due digest (with `force`: everything waiting, due or not)."""
    settings = settings or Settings()
    logger = get_run_logger()
    config = load_config(settings.config_dir)
    for problem in config.problems:
        logger.warning("config problem (skipped, the rest runs): %s", problem)
    report = await steps.send_digests(settings, config, now=now or datetime.now(UTC),
                                      force=force, channels=channels)
    for failure in report.failures:
        logger.warning("digest not sent (its lines wait for the next attempt): %s", failure)
    logger.info("digests: %d sent with %d lines", report.sent, report.lines)
    if report.sent:
        # What was sent is now marked in the warehouse; `sql` and `outbox` read the copy.
        steps.publish_read_copy(settings)
    return report
