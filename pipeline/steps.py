"""The pipeline's steps as plain functions, without Prefect: read the config, choose and
register the sources, scrape, load, evaluate the rules, deliver, send digests, check source
health, announce config problems, record the run.

Every runner calls these: the Prefect flows through one task per stage (flows/), the staged
scale-out flows, and the plain runner (pipeline/runner.py). The sequence after the load is
pipeline/runner.py:after_load, the same for all of them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from alerts.delivery import DeliveryReport, deliver_alerts
from alerts.digests import DigestReport, send_due_digests
from alerts.ops import announce_config_problems
from alerts.source_notices import SourceAlertReport, check_sources
from core.crash_points import crash_point, fail_point
from core.settings import Settings
from pipeline import progress
from pipeline.config import Config, load_config
from pipeline.fetching import fetch_policy
from pipeline.rule_evaluation import RuleSet, compile_rules, evaluate_pending
from pipeline.summary import RunSummary
from scrapers.fetch import Fetcher
from scrapers.models import KnownUrls, SourceConfig, SourceResult, Validators
from scrapers.pipeline import failed_result, scrape_source
from warehouse import outbox, runs, staging
from warehouse.articles import LoadReport, load_results, register_sources, source_state
from warehouse.connection import writer
from warehouse.report_data import DaySummary, day_summary

SourceStates = dict[str, tuple[KnownUrls, Validators | None]]
ScrapeOne = Callable[[SourceConfig, Fetcher, KnownUrls, Validators | None],
                     Awaitable[SourceResult]]


@dataclass(frozen=True)
class RunConfig:
    """The config a run works from, read once at its start, with its rules compiled."""

    config: Config
    rules: RuleSet
    problems: list[str]   # config problems, then rules that could not be compiled


def read_config(settings: Settings) -> RunConfig:
    """The config folder, every problem at once: what is broken is skipped, the rest runs."""
    config = load_config(settings.config_dir)
    rules = compile_rules(config.rules, config.entities)
    return RunConfig(config, rules, [str(p) for p in config.problems] + rules.problems)


# -- sources ---------------------------------------------------------------------------------

def partition(source_ids: list[str], partitions: int) -> list[list[str]]:
    """Deal the sources into `partitions` groups of (nearly) equal size. The order comes from
    a hash of each id, so it does not depend on the order of sources.yaml; adding a source may
    move others to another partition, which is harmless (the loader stores articles once)."""
    if partitions < 1:
        raise ValueError("partitions must be at least 1")
    ordered = sorted(source_ids, key=lambda s: (hashlib.sha256(s.encode()).hexdigest(), s))
    return [ordered[i::partitions] for i in range(partitions)]


def choose_sources(config: Config, source_ids: Sequence[str] | None = None,
                   part: int | None = None, partitions: int | None = None
                   ) -> list[SourceConfig]:
    """The enabled sources, only those listed (if a list is given), only partition `part` of
    `partitions` (if given)."""
    chosen = [s for s in config.sources
              if s.enabled and (source_ids is None or s.id in source_ids)]
    if partitions:
        if part is None or not 0 <= part < partitions:
            raise ValueError(f"partition must be in 0..{partitions - 1}, got {part}")
        mine = set(partition([s.id for s in chosen], partitions)[part])
        chosen = [s for s in chosen if s.id in mine]
    return chosen


def prepare_sources(settings: Settings, config: Config,
                    sources: Sequence[SourceConfig]) -> SourceStates:
    """Register every configured source in the warehouse; read the chosen ones' state (URLs
    to skip, feed validators for a conditional GET)."""
    with writer(settings.warehouse) as con:
        register_sources(con, config.sources)
        return {s.id: source_state(con, s.id) for s in sources}


def staged_state(settings: Settings) -> SourceStates:
    """The sources' state as the staged loader last wrote it (scrape workers never open the
    warehouse)."""
    return staging.read_state(settings.staging_dir)


# -- scrape and load -------------------------------------------------------------------------

async def scrape_one(source: SourceConfig, fetcher: Fetcher, known_urls: Collection[str],
                     validators: Validators | None) -> SourceResult:
    return await scrape_source(source, fetcher, known_urls=known_urls, validators=validators)


async def scrape_all(settings: Settings, sources: Sequence[SourceConfig],
                     states: SourceStates, scrape: ScrapeOne = scrape_one
                     ) -> list[SourceResult]:
    """Every source at once through one Fetcher (its per-host limits and politeness hold
    across sources). `scrape` runs one source: `scrape_one`, or a flow's task around it.
    Each source is isolated: whatever its `scrape` raises (a bug, a task's timeout) becomes
    that source's `internal_error` record, and the other sources load and alert."""
    async def one(source: SourceConfig, fetcher: Fetcher) -> SourceResult:
        known, validators = states.get(source.id, (KnownUrls(), None))
        try:
            result = await scrape(source, fetcher, known, validators)
        except Exception as exc:
            result = failed_result(source, exc)
        progress.report("source", len(result.articles))
        return result

    async with Fetcher(fetch_policy(settings)) as fetcher:
        return list(await asyncio.gather(*(one(s, fetcher) for s in sources)))


def load(settings: Settings, run_id: str, results: list[SourceResult]) -> LoadReport:
    with writer(settings.warehouse) as con:
        report = load_results(con, run_id, results, before_commit=_before_load_commit)
        crash_point("after_load")   # fault tests: committed, rules not yet evaluated
    return report


def _before_load_commit(con: object, report: LoadReport) -> None:
    # Fault tests: everything written, nothing committed (a kill, or a full disk).
    crash_point("during_load")
    fail_point("load_commit")


def stage_results(settings: Settings, batch_id: str, results: list[SourceResult]) -> Path:
    """A scrape worker's results as one batch in the staging folder, for the loader."""
    return staging.write_batch(settings.staging_dir, batch_id, results)


def load_staged(settings: Settings, sources: list[SourceConfig]) -> staging.StagedLoadReport:
    """Load every complete staged batch once, then write the state the scrapers read."""
    with writer(settings.warehouse) as con:
        register_sources(con, sources)
        report = staging.load_staged(con, settings.staging_dir)
        staging.write_state(con, settings.staging_dir)
    return report


# -- after the load --------------------------------------------------------------------------

def evaluate(settings: Settings, config: Config, *, now: datetime,
             rules: RuleSet | None = None) -> outbox.QueueReport:
    """Evaluate every article the rules have not seen (also those left by a crashed run)."""
    return evaluate_pending(settings, config, now=now, rules=rules)


async def deliver(settings: Settings, config: Config, *, now: datetime) -> DeliveryReport:
    """Send what the outbox holds. A failing channel is retried on later runs after a backoff;
    the other channels still get their messages."""
    report = await deliver_alerts(settings, config, now=now)
    progress.report("alerts", report.sent)
    return report


async def send_digests(settings: Settings, config: Config, *, now: datetime,
                       force: bool = False, channels: list[str] | None = None) -> DigestReport:
    """Send the digests that are due (one per channel and schedule per period)."""
    return await send_due_digests(settings, config, now=now, force=force, channels=channels)


async def source_health(settings: Settings, config: Config, *, now: datetime,
                        source_ids: Sequence[str]) -> SourceAlertReport:
    """Sources failing run after run or gone quiet: told to ops once, and once recovered."""
    return await check_sources(settings, config, now=now, source_ids=source_ids)


async def announce_problems(settings: Settings, config: Config, problems: list[str], *,
                            now: datetime) -> tuple[int, list[str]]:
    """Config problems to the ops channels, each distinct one once: (sent, failures)."""
    return await announce_config_problems(settings, config, problems, now=now)


def record_run(settings: Settings, summary: RunSummary, started: datetime,
               sources: int) -> None:
    """The run's row in `runs`, finished now."""
    with writer(settings.warehouse) as con:
        runs.record_run(con, runs.RunRecord(
            summary.run_id, started, datetime.now(UTC), sources, summary.articles_new,
            summary.matches, summary.alerts_sent, summary.errors))


def today_summary(settings: Settings, day: date) -> DaySummary:
    with writer(settings.warehouse) as con:
        return day_summary(con, day)
