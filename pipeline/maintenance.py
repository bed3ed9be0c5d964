"""Warehouse upkeep as a plain step: prune old unmatched articles (when a retention is set),
then CHECKPOINT. `newswatch serve` runs it daily through flows/maintenance.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.settings import Settings
from warehouse.connection import writer
from warehouse.maintenance import PruneReport, checkpoint, prune


@dataclass
class MaintenanceReport:
    pruned: PruneReport | None     # None: `retention_days` is not set, nothing pruned
    checkpointed: bool


def maintain(settings: Settings) -> MaintenanceReport:
    """Delete articles no rule matched older than `retention_days` (if set), then CHECKPOINT
    so the write-ahead log is folded into the file and freed blocks are reused."""
    report = None
    with writer(settings.warehouse) as con:
        if settings.retention_days:
            report = prune(con, timedelta(days=settings.retention_days))
        checkpoint(con)
    return MaintenanceReport(pruned=report, checkpointed=True)
