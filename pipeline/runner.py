"""Runs of the pipeline: `after_load`, the one sequence after the load that every runner
shares, and `run_plain`, a whole monitor run without Prefect.

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
from pipeline import steps
from pipeline.config import Config
from pipeline.rule_evaluation import RuleSet
from pipeline.summary import RunSummary, summarize_load
from scrapers.models import SourceResult
from warehouse.articles import LoadReport
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
    digests, announce config problems to ops, complete `summary` (begun by
    `summarize_load`) and record the run in `runs`. `now` is the alerting clock."""
    config = run.config
    health = None
    if health_of is not None:
        health = await stages.source_health(settings, config, now, list(health_of))
    queued = stages.evaluate(settings, config, now, run.rules)
    delivered = await stages.deliver(settings, config, now)
    digests = await stages.digests(settings, config, now)
    told, told_failures = await steps.announce_problems(settings, config, run.problems,
                                                        now=now)
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
    steps.record_run(settings, summary, started, sources)
    return AfterLoad(summary, health, queued, delivered, digests)


@dataclass
class PlainRun:
    """What `run_plain` did, step by step."""

    config: Config
    results: list[SourceResult]
    loaded: LoadReport
    queued: QueueReport
    delivered: DeliveryReport
    digests: DigestReport
    summary: RunSummary


async def run_plain(settings: Settings, now: datetime,
                    source_ids: Sequence[str] | None = None) -> PlainRun:
    """A monitor run through the plain steps, with no Prefect server: the same steps and
    post-load sequence as `monitor_flow` (for the benchmark of Prefect's overhead and for
    fault tests that kill a run in a process of its own). Records the run in `runs`."""
    started = datetime.now(UTC)
    run_id = str(uuid.uuid4())
    run = steps.read_config(settings)
    for problem in run.problems:
        logger.warning("config problem (skipped, the rest runs): %s", problem)
    sources = steps.choose_sources(run.config, source_ids)
    states = steps.prepare_sources(settings, run.config, sources)
    results = await steps.scrape_all(settings, sources, states)
    loaded = steps.load(settings, run_id, results)
    done = await after_load(settings, run, summarize_load(run_id, results, loaded),
                            started=started, now=now, sources=len(sources),
                            health_of=[s.id for s in sources])
    return PlainRun(run.config, results, loaded, done.queued, done.delivered, done.digests,
                    done.summary)
