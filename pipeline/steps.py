"""The pipeline's steps as plain functions, without Prefect: read the config, choose and
register the sources, scrape, load (or defer), evaluate the rules, deliver, send digests,
check source health, announce config problems, record the run, publish the read copy.

Every runner calls these: the Prefect flows through one task per stage (flows/), the staged
scale-out flows, and the plain runner (pipeline/runner.py). The sequence after the load is
pipeline/runner.py:after_load, the same for all of them.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

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
from scrapers.host_gate import HostGate
from scrapers.models import KnownUrls, SourceConfig, SourceResult, Validators
from scrapers.pipeline import failed_result, scrape_source
from warehouse import outbox, pending, read_copy, runs, staging
from warehouse.articles import LoadReport, load_results, register_sources, source_states
from warehouse.connection import reader, writer
from warehouse.errors import WarehouseError, WarehouseLocked
from warehouse.report_data import DaySummary, day_summary
from warehouse.staging_store import staging_store

logger = logging.getLogger("newswatch.pipeline")

SourceStates = dict[str, tuple[KnownUrls, Validators | None]]
ScrapeOne = Callable[[SourceConfig, Fetcher, KnownUrls, Validators | None],
                     Awaitable[SourceResult]]
ScrapeGroup = Callable[[list[SourceConfig], Fetcher, SourceStates],
                       Awaitable[list[SourceResult]]]


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
    to skip, feed validators for a conditional GET), plus the URLs of staged batches not
    loaded yet. When the warehouse is locked the state comes from the read copy (or the
    staging folder's state file) and the run goes on: its load decides whether to defer."""
    try:
        # A short wait: the state has a stand-in, and the load waits the full time.
        with writer(settings.warehouse, wait_seconds=min(settings.lock_wait_seconds, 1.0)
                    ) as con:
            register_sources(con, config.sources)
            states = source_states(con, [s.id for s in sources])
    except WarehouseLocked as exc:
        holder = f" (PID {exc.pid})" if exc.pid else ""
        states, origin = _states_without_warehouse(settings, [s.id for s in sources])
        logger.warning("the warehouse is held open by another process%s: scraping with %s; "
                       "the load waits up to %g s for the lock", holder, origin,
                       settings.lock_wait_seconds)
    # What runs deferred earlier kept is not stored yet: not worth downloading again.
    for source_id, urls in staging.pending_urls(staging_store(settings),
                                                settings.warehouse).items():
        if source_id in {s.id for s in sources}:
            known, validators = states.get(source_id, (KnownUrls(), None))
            states[source_id] = (KnownUrls(known | urls, known.last_fetched), validators)
    return states


def _states_without_warehouse(settings: Settings, source_ids: list[str]
                              ) -> tuple[SourceStates, str]:
    """The sources' state from the read copy, else the staging folder's state file (empty
    when there is neither: everything listed is fetched, and stored once anyway)."""
    copy = settings.read_copy_of()
    if copy is not None and copy.exists():
        try:
            return read_copy.source_states(copy, source_ids), f"the state of {copy}"
        except WarehouseError as exc:
            logger.warning("read copy unreadable: %s", exc)
    return staging.read_state(staging_store(settings)), "the staging folder's state file"


def staged_state(settings: Settings) -> SourceStates:
    """The sources' state as the staged loader last wrote it (scrape workers never open the
    warehouse)."""
    return staging.read_state(staging_store(settings))


# -- scrape and load -------------------------------------------------------------------------

async def scrape_one(source: SourceConfig, fetcher: Fetcher, known_urls: Collection[str],
                     validators: Validators | None) -> SourceResult:
    return await scrape_source(source, fetcher, known_urls=known_urls, validators=validators)


async def scrape_group(sources: Sequence[SourceConfig], fetcher: Fetcher, states: SourceStates,
                       scrape: ScrapeOne | None = None, timeout: float | None = None
                       ) -> list[SourceResult]:
    """A group of sources at once through the shared Fetcher, each isolated: whatever one
    source's scrape raises (a bug, `timeout` seconds passing) becomes that source's
    `internal_error` record, and the others' results come back as they were. `scrape` runs one
    source (default: `scrape_one`, looked up when called)."""
    run_one = scrape or scrape_one

    async def one(source: SourceConfig) -> SourceResult:
        known, validators = states.get(source.id, (KnownUrls(), None))
        try:
            async with asyncio.timeout(timeout):
                result = await run_one(source, fetcher, known, validators)
        except Exception as exc:
            result = failed_result(source, exc)
        progress.report("source", len(result.articles))
        return result

    return list(await asyncio.gather(*(one(s) for s in sources)))


async def scrape_all(settings: Settings, sources: Sequence[SourceConfig],
                     states: SourceStates, scrape: ScrapeOne | None = None,
                     group: ScrapeGroup | None = None, groups: int = 1,
                     gate: HostGate | None = None) -> list[SourceResult]:
    """Every source at once through one Fetcher (its per-host limits and politeness hold
    across sources; `gate` holds them, default: this process's own, or see
    flows/host_limits.py), dealt into at most `groups` groups in config order. `group` runs one
    group (`scrape_group`, or a flow's task around it: a task per group, not per source, so
    Prefect's cost does not grow with the source list); `scrape` runs one source. Whatever a
    group raises as a whole (a task that could not run) is recorded against each of its
    sources; the other groups load and alert. Results come back in the order of `sources`."""
    count = max(1, min(groups, len(sources)))
    dealt = [list(range(i, len(sources), count)) for i in range(count)]

    async def one_group(indexes: list[int], fetcher: Fetcher) -> list[SourceResult]:
        chosen = [sources[i] for i in indexes]
        try:
            if group is not None:
                return await group(chosen, fetcher, states)
            return await scrape_group(chosen, fetcher, states, scrape)
        except Exception as exc:
            for _ in chosen:
                progress.report("source", 0)
            return [failed_result(source, exc) for source in chosen]

    results: list[SourceResult | None] = [None] * len(sources)
    async with Fetcher(fetch_policy(settings), gate=gate) as fetcher:
        done = await asyncio.gather(*(one_group(d, fetcher) for d in dealt if d))
    for indexes, group_results in zip((d for d in dealt if d), done, strict=True):
        for index, result in zip(indexes, group_results, strict=True):
            results[index] = result
    return [r for r in results if r is not None]


@dataclass
class LoadOutcome:
    """The load step's outcome: the batches earlier runs left in the staging folder, then this
    run's results, loaded; or (`deferred`) this run's results kept there as a batch because
    the warehouse was locked."""

    report: LoadReport = field(default_factory=LoadReport)
    caught_up: staging.StagedLoadReport = field(default_factory=staging.StagedLoadReport)
    deferred: staging.DeferredRun | None = None
    batch: staging.StagedFile | None = None

    @property
    def new_article_ids(self) -> list[str]:
        return self.caught_up.new_article_ids + self.report.new_article_ids

    @property
    def updated_article_ids(self) -> list[str]:
        return self.caught_up.updated_article_ids + self.report.updated_article_ids

    @property
    def new_stories(self) -> int:
        return self.caught_up.new_stories + self.report.new_stories


def load(settings: Settings, sources: list[SourceConfig], run_id: str,
         results: list[SourceResult], *, started: datetime) -> LoadOutcome:
    """Load this run's results, after every batch waiting in the staging folder (runs that
    found the warehouse locked, scrape workers), each once. If the lock stays taken for
    `lock_wait_seconds`, keep the results there as one batch instead: nothing is lost, and
    the first run that gets the lock loads it, evaluates the rules and alerts."""
    try:
        with writer(settings.warehouse, wait_seconds=settings.lock_wait_seconds) as con:
            register_sources(con, sources)
            caught_up = staging.load_staged(con, staging_store(settings),
                                            warehouse=settings.warehouse, deferred_only=True)
            report = load_results(con, run_id, results, before_commit=_before_load_commit)
            crash_point("after_load")   # fault tests: committed, rules not yet evaluated
        return LoadOutcome(report, caught_up)
    except WarehouseLocked as exc:
        holder = f" (PID {exc.pid})" if exc.pid else ""
        deferred = staging.DeferredRun(
            run_id, str(settings.warehouse.resolve()), started, datetime.now(UTC), len(results),
            len({a.article_id for r in results for a in r.articles}),
            sum(len(r.errors) for r in results),
            f"the warehouse {settings.warehouse} is held open by another process{holder}")
        batch = staging.write_batch(staging_store(settings), run_id, results, deferred)
        return LoadOutcome(deferred=deferred, batch=batch)


def _before_load_commit(con: object, report: LoadReport) -> None:
    # Fault tests: everything written, nothing committed (a kill, or a full disk).
    crash_point("during_load")
    fail_point("load_commit")


def stage_results(settings: Settings, batch_id: str, results: list[SourceResult]
                  ) -> staging.StagedFile:
    """A scrape worker's results as one batch in the staging folder, for the loader."""
    return staging.write_batch(staging_store(settings), batch_id, results)


def load_staged(settings: Settings, sources: list[SourceConfig]) -> staging.StagedLoadReport:
    """Load every complete staged batch once, then write the state the scrapers read."""
    with writer(settings.warehouse) as con:
        register_sources(con, sources)
        report = staging.load_staged(con, staging_store(settings), warehouse=settings.warehouse)
        staging.write_state(con, staging_store(settings))
    return report


# -- after the load --------------------------------------------------------------------------

def pending_work(settings: Settings) -> pending.PendingWork:
    """What the post-load stages would find: articles to evaluate, deliveries, digest lines.
    One short query, so an idle run skips the stages (and their Prefect tasks)."""
    with writer(settings.warehouse) as con:
        return pending.pending_work(con)


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
        # Articles from batches of deferred runs count in those runs' own rows.
        runs.record_run(con, runs.RunRecord(
            summary.run_id, started, datetime.now(UTC), sources,
            summary.articles_new - summary.batch_articles_new, summary.matches,
            summary.alerts_sent, summary.errors))


def publish_read_copy(settings: Settings) -> read_copy.Published | None:
    """The read copy people and tools query (`newswatch sql`), as of this run. A copy that
    cannot be published leaves the previous one in place; the run has done its work."""
    copy = settings.read_copy_of()
    if copy is None:
        return None
    try:
        return read_copy.publish(settings.warehouse, copy,
                                 wait_seconds=settings.lock_wait_seconds)
    except (OSError, WarehouseError) as exc:
        logger.warning("read copy %s not published (the previous one stays): %s", copy, exc)
        return None


def today_summary(settings: Settings, day: date) -> DaySummary | None:
    """Today's picture for the run's artifact, from the read copy the run just published (a
    session opened on the warehouse meanwhile cannot hold it up), else the warehouse; None
    when neither can be read now (the artifact goes without it)."""
    copy = settings.read_copy_of()
    try:
        if copy is not None and copy.exists():
            with reader(copy) as con:
                return day_summary(con, day)
        with writer(settings.warehouse, wait_seconds=settings.lock_wait_seconds) as con:
            return day_summary(con, day)
    except WarehouseError as exc:
        logger.warning("today's summary left out of the run's artifact: %s", exc)
        return None
