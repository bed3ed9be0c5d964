"""The monitor flow: scrape every source, load, evaluate rules, deliver alerts; and the tasks
every flow runs its stages in.

A Prefect task costs tens of milliseconds (in the flow and in the API server), more than
checking a feed that answers 304, so tasks are per run, not per source or article: the
sources are scraped in one task per 250 sources, at most SCRAPE_TASKS (4) (a group of
sources each, all at once through the run's one Fetcher, each source isolated), then one
task per stage: load, source health, evaluate, deliver, digests. A stage with nothing to do
(no article to evaluate, an empty outbox, no digest line waiting) is skipped after one cheap
query, so an idle run costs three tasks whatever the number of sources up to 250, six at
1,000. Every source's outcome is in the run's markdown artifact and in `fetches`. Each task
calls one plain step (pipeline/steps.py); what follows the load is
pipeline/runner.py:after_load, the same for every runner.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.utilities.annotations import quote

from alerts.delivery import DeliveryReport
from alerts.digests import DigestReport
from alerts.source_notices import SourceAlertReport
from core.settings import Settings
from flows.host_limits import host_gate
from pipeline import steps
from pipeline.config import Config
from pipeline.fetching import fetch_policy
from pipeline.rule_evaluation import RuleSet
from pipeline.runner import Stages, after_load, begin_summary
from pipeline.summary import RunSummary, run_markdown
from scrapers.fetch import Fetcher
from scrapers.models import SourceConfig, SourceResult
from warehouse.outbox import QueueReport


def flow_run_id() -> str:
    """This flow run's id (the run's id in `runs`, a staged batch's name); a fresh one when
    called outside a flow run."""
    context = FlowRunContext.get()
    return str(context.flow_run.id) if context and context.flow_run else str(uuid.uuid4())


# Sources are scraped in one task per SOURCES_PER_TASK and never more than SCRAPE_TASKS tasks,
# whatever their number: a Prefect task costs tens of milliseconds (in the flow and in the
# API), a source whose feed answers 304 about one.
SCRAPE_TASKS = 4
SOURCES_PER_TASK = 250
# No source may hold its group's task (and the run) longer than this.
SOURCE_TIMEOUT_SECONDS = 900


@task(name="scrape-sources", task_run_name="scrape {label}", cache_policy=NO_CACHE)
async def scrape_group_task(label: str, sources: list[SourceConfig], fetcher: Fetcher,
                            states: steps.SourceStates) -> list[SourceResult]:
    """A group of sources, all at once through the run's Fetcher; each source isolated (its
    failure, or its timeout, is its own `internal_error` record)."""
    return await steps.scrape_group(sources, fetcher, states, timeout=SOURCE_TIMEOUT_SECONDS)


def scrape_in_tasks() -> steps.ScrapeGroup:
    """How a flow scrapes a group of sources: one `scrape_group_task` run each."""
    started = 0

    async def scrape(sources: list[SourceConfig], fetcher: Fetcher,
                     states: steps.SourceStates) -> list[SourceResult]:
        nonlocal started
        started += 1
        label = f"group {started} ({len(sources)} sources)"
        # quote(): Prefect need not walk the sources, the client or the URL sets looking for
        # futures. return_state=False (the default) picks the overload that takes quote().
        return await scrape_group_task(label, quote(sources), quote(fetcher), quote(states),
                                       return_state=False)
    return scrape


def scrape_groups(sources: int) -> int:
    """How many scrape tasks a run over this many sources uses: 1 up to 250, at most 4."""
    return max(1, min(SCRAPE_TASKS, math.ceil(sources / SOURCES_PER_TASK)))


async def scrape_sources(settings: Settings, sources: list[SourceConfig],
                         states: steps.SourceStates, *, shared: bool = False
                         ) -> list[SourceResult]:
    """Every source, in `scrape_groups` tasks (`steps.scrape_all`), through the host gate
    NEWSWATCH_HOST_LIMITS asks for (`shared`: other workers scrape the same hosts now)."""
    gate = host_gate(settings, fetch_policy(settings), shared=shared)
    return await steps.scrape_all(settings, sources, states, group=scrape_in_tasks(),
                                  groups=scrape_groups(len(sources)), gate=gate)


@task(name="load-articles", cache_policy=NO_CACHE)
def load_task(settings: Settings, sources: list[SourceConfig], run_id: str,
              results: list[SourceResult], started: datetime) -> steps.LoadOutcome:
    return steps.load(settings, sources, run_id, results, started=started)


@task(name="evaluate-rules", cache_policy=NO_CACHE)
def evaluate_task(settings: Settings, config: Config, now: datetime | None = None,
                  rules: RuleSet | None = None) -> QueueReport:
    """Evaluate every article the rules have not seen (also those left by a crashed run)."""
    return steps.evaluate(settings, config, now=now or datetime.now(UTC), rules=rules)


@task(name="deliver-alerts", cache_policy=NO_CACHE)
async def deliver_task(settings: Settings, config: Config,
                       now: datetime | None = None) -> DeliveryReport:
    """Send what the outbox holds. A failing channel is retried on later runs after a backoff;
    the other channels still get their messages."""
    return await steps.deliver(settings, config, now=now or datetime.now(UTC))


@task(name="send-digests", cache_policy=NO_CACHE)
async def digest_task(settings: Settings, config: Config, now: datetime | None = None,
                      force: bool = False, channels: list[str] | None = None) -> DigestReport:
    """Send the digests that are due (one per channel and schedule per period)."""
    return await steps.send_digests(settings, config, now=now or datetime.now(UTC),
                                    force=force, channels=channels)


@task(name="source-health", cache_policy=NO_CACHE)
async def source_health_task(settings: Settings, config: Config, now: datetime,
                             source_ids: list[str]) -> SourceAlertReport:
    """Sources failing run after run or gone quiet: told to ops once, and once recovered."""
    return await steps.source_health(settings, config, now=now, source_ids=source_ids)


# The post-load stages as tasks (pipeline/runner.py:after_load calls them in order).
# quote(): the config (every source, rule and channel), the compiled rules and the source ids
# grow with the config; nothing in them is a Prefect future, and walking them for futures cost
# seconds per run at 1,000 sources. return_state=False (the default) picks the
# Task.__call__ overload that takes quote().
TASKS = Stages(
    source_health=lambda settings, config, now, ids: source_health_task(
        settings, quote(config), now, quote(ids), return_state=False),
    evaluate=lambda settings, config, now, rules: evaluate_task(
        settings, quote(config), now, quote(rules), return_state=False),
    deliver=lambda settings, config, now: deliver_task(
        settings, quote(config), now, return_state=False),
    digests=lambda settings, config, now: digest_task(
        settings, quote(config), now, return_state=False))


@flow(name="newswatch-monitor", flow_run_name="monitor {run_label}", log_prints=False)
async def monitor_flow(settings: Settings | None = None, source_ids: list[str] | None = None,
                       run_label: str = "scheduled", now: datetime | None = None) -> RunSummary:
    """`now` is the alerting clock (queue times, backoff, quiet hours, digest periods);
    tests pass it to move time. Default: the real time when the run starts. A run that finds
    the warehouse held open by another process keeps its results for the next run and ends
    Completed, with `summary.deferred` saying so."""
    settings = settings or Settings()
    logger = get_run_logger()
    run_id = flow_run_id()
    started = datetime.now(UTC)
    run = steps.read_config(settings)
    for problem in run.problems:
        logger.warning("config problem (skipped, the rest runs): %s", problem)
    sources = steps.choose_sources(run.config, source_ids)
    states = steps.prepare_sources(settings, run.config, sources)
    results = await scrape_sources(settings, sources, states)
    loaded = load_task(settings, quote(run.config.sources), run_id, quote(results), started,
                       return_state=False)
    for result in results:
        for error in result.errors:
            logger.warning("%s: %s: %s (%s)", result.source_id, error.error_class,
                           error.message, error.url)
    summary = begin_summary(settings, run_id, results, loaded)
    if summary.deferred is None:
        summary = (await after_load(settings, run, summary, started=started,
                                    now=now or started, sources=len(sources),
                                    health_of=[s.id for s in sources], stages=TASKS)).summary
    if summary.deferred is not None:
        logger.warning("%s", summary.deferred)
    today = None if summary.deferred else steps.today_summary(settings, started.date())
    await acreate_markdown_artifact(
        markdown=run_markdown(summary, today),
        key="monitor-run", description="What the monitor run fetched, stored and sent.")
    logger.info("run done: %d new articles, %d matches, %d alerts sent, %d errors",
                summary.articles_new, summary.matches, summary.alerts_sent, summary.errors)
    return summary
