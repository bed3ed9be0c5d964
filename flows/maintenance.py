"""The maintenance flow: prune old unmatched articles (when a retention is set), CHECKPOINT.

`newswatch serve` runs it daily (settings: `maintenance_cron`, `retention_days`).
"""

from __future__ import annotations

from prefect import flow, get_run_logger

from core.settings import Settings
from pipeline.maintenance import MaintenanceReport, maintain


@flow(name="newswatch-maintenance", flow_run_name="maintenance {run_label}", log_prints=False)
def maintenance_flow(settings: Settings | None = None,
                     run_label: str = "scheduled") -> MaintenanceReport:
    """Delete articles no rule matched older than `retention_days` (if set), then CHECKPOINT
    so the write-ahead log is folded into the file and freed blocks are reused."""
    settings = settings or Settings()
    logger = get_run_logger()
    report = maintain(settings)
    if report.pruned is not None:
        pruned = report.pruned
        logger.info("pruned %d articles, %d old versions, %d request-log rows, "
                    "%d empty stories (older than %d days)", pruned.articles, pruned.versions,
                    pruned.fetches, pruned.stories, settings.retention_days)
    else:
        logger.info("retention_days is not set: nothing pruned")
    return report
