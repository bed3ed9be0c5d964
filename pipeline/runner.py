"""Runs of the pipeline: `after_load`, the one sequence after the load that every runner
shares, and `run_plain`, a whole monitor run without Prefect.

A run whose warehouse is held open by someone else does not fail: its load keeps the results
in the staging folder (steps.load), `begin_summary` says so in `RunSummary.deferred`, and the
post-load stages are skipped; the first run that gets the lock loads the batch and alerts.
A lock taken in the middle of the post-load stages ends them the same way: what is stored
stays, and the next run evaluates and delivers it.

The monitor flow, the staged loader flow (flows/) and `run_plain` differ only in where their
results come from (a scrape, or staged batches) and in how each stage is called (a Prefect
task, or the plain step: `Stages`). What happens after the load, and in what order, is
`after_load`'s alone, so the runners cannot drift apart.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from alerts.delivery import DeliveryReport
from alerts.digests import DigestReport
from alerts.source_notices import SourceAlertReport
from core.settings import Settings
from pipeline import progress, steps
from pipeline.config import Config
from pipeline.rule_evaluation import RuleSet
from pipeline.summary import RunSummary, summarize_load
from scrapers.models import SourceResult
from warehouse.errors import WarehouseLocked
from warehouse.outbox import QueueReport

logger = logging.getLogger("newswatch.pipeline")


@dataclass(frozen=True)
class Stages:
    """How each post-load stage is called: the plain steps (`PLAIN`), or the Prefect tasks
    that wrap the same steps (flows/monitor.py). Arguments are positional, as the tasks'."""

    source_health: Callable[[Settings, Config, datetime, list[str]],
                            Awaitable[SourceAlertReport]]
    evaluate: Callable[[Settings, Config, datetime, RuleSet], QueueReport]
    deliver: Callable[[Settings, Config, datetime], Awaitable[DeliveryReport]]
    digests: Callable[[Settings, Config, datetime], Awaitable[DigestReport]]


PLAIN = Stages(
    source_health=lambda settings, config, now, ids: steps.source_health(
        settings, config, now=now, source_ids=ids),
    evaluate=lambda settings, config, now, rules: steps.evaluate(settings, config, now=now,
                                                                 rules=rules),
    deliver=lambda settings, config, now: steps.deliver(settings, config, now=now),
    digests=lambda settings, config, now: steps.send_digests(settings, config, now=now))


@dataclass
class AfterLoad:
    """What the post-load stages did; `summary` is the whole run's, as recorded."""

    summary: RunSummary
    health: SourceAlertReport | None
    queued: QueueReport
    delivered: DeliveryReport
    digests: DigestReport


async def after_load(settings: Settings, run: steps.RunConfig, summary: RunSummary, *,
                     started: datetime, now: datetime, sources: int,
                     health_of: Sequence[str] | None, stages: Stages = PLAIN) -> AfterLoad:
    """Everything after the load, in this order for every runner: source health (of the
    sources in `health_of`; None skips it), evaluate the rules, deliver alerts, send due
    digests (each skipped when a cheap check finds nothing for it: no article to evaluate, an
    empty outbox, no digest line waiting), announce config problems to ops, complete
    `summary` (begun by `begin_summary`), record the run in `runs` and publish the read copy.
    `now` is the alerting clock. A lock taken meanwhile by another process ends the sequence
    early (`summary.deferred`); whatever is stored waits for the next run."""
    config = run.config
    done = AfterLoad(summary, None, QueueReport(0, 0, 0), DeliveryReport(), DigestReport())
    try:
        if health_of is not None:
            done.health = await stages.source_health(settings, config, now, list(health_of))
        # A stage with nothing to do is skipped: it would find nothing and change nothing.
        work = steps.pending_work(settings)
        if work.articles:
            done.queued = stages.evaluate(settings, config, now, run.rules)
            work = steps.pending_work(settings)
        if work.deliveries:
            done.delivered = await stages.deliver(settings, config, now)
        else:
            progress.report("alerts", 0)
        if work.deliveries or work.digest_items:
            done.digests = await stages.digests(settings, config, now)
        told, told_failures = await steps.announce_problems(settings, config, run.problems,
                                                            now=now)
    except WarehouseLocked as exc:
        summary.deferred = (f"deferred: {exc} The articles are stored; the rules, alerts and "
                            "digests wait for the next run that gets the lock.")
        logger.warning("%s", summary.deferred)
        return done
    queued, delivered, digests, health = done.queued, done.delivered, done.digests, done.health
    summary.config_problems = list(run.problems)
    summary.matches, summary.alerts_queued = queued.matches, queued.alerts
    summary.realerts = queued.realerts
    summary.alerts_sent, summary.alerts_held = delivered.sent, delivered.held
    summary.digests_sent = delivered.flood_digests + digests.sent
    summary.delivery_failures += delivered.failures + digests.failures
    summary.ops_messages += delivered.ops_messages + told
    if health is not None:
        summary.source_notices = health.lines()
        summary.ops_messages += health.sent
        summary.delivery_failures += health.failures
    summary.delivery_failures += told_failures
    try:
        steps.record_run(settings, summary, started, sources)
    except WarehouseLocked as exc:   # the work is done; only its row in `runs` is missing
        logger.warning("run %s not recorded in `runs`: %s", summary.run_id, exc)
        return done
    steps.publish_read_copy(settings)
    return done


def begin_summary(settings: Settings, run_id: str, results: Sequence[SourceResult],
                  loaded: steps.LoadOutcome) -> RunSummary:
    """The summary of what the load did (`summarize_load`), with the batches of earlier runs
    it loaded first, or, when it deferred, what was kept and what happens next."""
    summary = summarize_load(run_id, results, loaded)
    caught_up = loaded.caught_up
    summary.batches_loaded = len(caught_up.loaded)
    summary.batch_articles_new = len(caught_up.new_article_ids)
    summary.delivery_failures += [f"staged batch {b} not loaded (left for the next run): {e}"
                                  for b, e in caught_up.failed.items()]
    if loaded.deferred is not None:
        summary.deferred = deferral_message(settings, loaded)
    return summary


def deferral_message(settings: Settings, loaded: steps.LoadOutcome) -> str:
    deferred = loaded.deferred
    assert deferred is not None
    copy = settings.read_copy_of()
    advice = (f"Query the read copy ({copy}) rather than the warehouse, or close the session "
              "holding it." if copy is not None else
              "Close the session holding it (a duckdb shell, a notebook, a BI tool).")
    return (f"deferred: {deferred.reason}. This run's {deferred.articles} article(s) from "
            f"{deferred.sources} source(s) are kept in {loaded.batch}; the first run that gets "
            f"the lock loads them, evaluates the rules and sends the alerts. {advice}")


@dataclass
class PlainRun:
    """What `run_plain` did, step by step."""

    config: Config
    results: list[SourceResult]
    loaded: steps.LoadOutcome
    queued: QueueReport
    delivered: DeliveryReport
    digests: DigestReport
    summary: RunSummary


async def run_plain(settings: Settings, now: datetime,
                    source_ids: Sequence[str] | None = None) -> PlainRun:
    """A monitor run through the plain steps, with no Prefect server: the same steps and
    post-load sequence as `monitor_flow` (for the benchmark of Prefect's overhead and for
    fault tests that kill a run in a process of its own). Records the run in `runs`. A run
    that found the warehouse locked returns with `summary.deferred` set and nothing queued."""
    started = datetime.now(UTC)
    run_id = str(uuid.uuid4())
    run = steps.read_config(settings)
    for problem in run.problems:
        logger.warning("config problem (skipped, the rest runs): %s", problem)
    sources = steps.choose_sources(run.config, source_ids)
    states = steps.prepare_sources(settings, run.config, sources)
    results = await steps.scrape_all(settings, sources, states)
    loaded = steps.load(settings, run.config.sources, run_id, results, started=started)
    summary = begin_summary(settings, run_id, results, loaded)
    if summary.deferred is not None:
        logger.warning("%s", summary.deferred)
        return PlainRun(run.config, results, loaded, QueueReport(0, 0, 0), DeliveryReport(),
                        DigestReport(), summary)
    done = await after_load(settings, run, summary, started=started, now=now,
                            sources=len(sources), health_of=[s.id for s in sources])
    return PlainRun(run.config, results, loaded, done.queued, done.delivered, done.digests,
                    done.summary)
