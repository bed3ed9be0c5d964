"""The monitor flow: scrape every source, load, evaluate rules, deliver alerts.

Tasks are per source (scrape) or per batch (load, evaluate, deliver), never per article: a
Prefect task costs more than extracting an article. Each task calls plain, tested functions.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.utilities.annotations import quote

from flows import progress
from flows.alerting import (
    DeliveryReport,
    DigestReport,
    announce_config_problems,
    deliver_alerts,
    queue_policy,
    send_due_digests,
)
from flows.config import Config, load_config
from flows.crash_points import crash_point
from flows.rule_evaluation import RuleSet, compile_rules, evaluate_batch
from flows.settings import Settings
from rules.dates import find_dates
from scrapers.fetch import Fetcher
from scrapers.models import SourceConfig, SourceResult, Validators
from scrapers.pipeline import scrape_source
from warehouse import outbox
from warehouse.articles import LoadReport, load_results, register_sources, source_state
from warehouse.connection import writer


@dataclass
class SourceSummary:
    source_id: str
    entries: int
    new_articles: int
    skipped_known: int
    errors: list[str]
    not_modified: bool


@dataclass
class RunSummary:
    run_id: str
    sources: list[SourceSummary] = field(default_factory=list)
    articles_new: int = 0
    articles_updated: int = 0
    stories_new: int = 0
    matches: int = 0
    alerts_queued: int = 0
    alerts_sent: int = 0
    realerts: int = 0
    alerts_held: int = 0            # by quiet hours, until they end or for a digest
    digests_sent: int = 0           # scheduled digests and flood digests
    ops_messages: int = 0
    delivery_failures: list[str] = field(default_factory=list)
    config_problems: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(len(s.errors) for s in self.sources) + len(self.delivery_failures)


@task(name="scrape-source", task_run_name="scrape {source.id}", cache_policy=NO_CACHE,
      timeout_seconds=900)
async def scrape_task(source: SourceConfig, fetcher: Fetcher, known_urls: frozenset[str],
                      validators: Validators | None) -> SourceResult:
    return await scrape_source(source, fetcher, known_urls=known_urls, validators=validators)


@task(name="load-articles", cache_policy=NO_CACHE)
def load_task(settings: Settings, run_id: str, results: list[SourceResult]) -> LoadReport:
    with writer(settings.warehouse) as con:
        report = load_results(con, run_id, results)
        crash_point("after_load")   # fault tests: committed, rules not yet evaluated
    return report


@task(name="evaluate-rules", cache_policy=NO_CACHE)
def evaluate_task(settings: Settings, config: Config, now: datetime | None = None,
                  rules: RuleSet | None = None) -> outbox.QueueReport:
    """Evaluate every article the rules have not seen (also those left by a crashed run)."""
    rules = rules or compile_rules(config.rules, config.entities)
    policy = queue_policy(config)
    now = now or datetime.now(UTC)
    total = outbox.QueueReport(0, 0, 0)
    with writer(settings.warehouse) as con:
        while True:
            batch = outbox.articles_to_evaluate(con)
            if not batch:
                return total
            report = evaluate_batch(con, rules, batch, policy=policy, now=now,
                                    find_dates=find_dates)
            total = outbox.QueueReport(total.matches + report.matches,
                                       total.alerts + report.alerts,
                                       total.evaluated + report.evaluated,
                                       total.realerts + report.realerts,
                                       total.digest_items + report.digest_items)


@task(name="deliver-alerts", cache_policy=NO_CACHE)
async def deliver_task(settings: Settings, config: Config,
                       now: datetime | None = None) -> DeliveryReport:
    """Send what the outbox holds. A failing channel is retried on later runs after a backoff;
    the other channels still get their messages."""
    return await deliver_alerts(settings, config, now=now or datetime.now(UTC))


@task(name="send-digests", cache_policy=NO_CACHE)
async def digest_task(settings: Settings, config: Config, now: datetime | None = None,
                      force: bool = False, channels: list[str] | None = None) -> DigestReport:
    """Send the digests that are due (one per channel and schedule per period)."""
    return await send_due_digests(settings, config, now=now or datetime.now(UTC), force=force,
                                  channels=channels)


@dataclass
class PlainRun:
    """What `run_without_prefect` did, step by step."""

    config: Config
    results: list[SourceResult]
    loaded: LoadReport
    queued: outbox.QueueReport
    delivered: DeliveryReport
    digests: DigestReport


async def run_without_prefect(settings: Settings, now: datetime) -> PlainRun:
    """The monitor flow's steps through the plain functions its tasks wrap (each task's `.fn`),
    with no Prefect server: for the benchmark of Prefect's overhead and for fault tests that
    kill a run in a process of its own."""
    config = load_config(settings.config_dir)
    sources = [s for s in config.sources if s.enabled]
    with writer(settings.warehouse) as con:
        register_sources(con, config.sources)
        states = {s.id: source_state(con, s.id) for s in sources}
    async with Fetcher(settings.fetch_policy()) as fetcher:
        results = await asyncio.gather(*(
            scrape_task.fn(s, fetcher, states[s.id][0], states[s.id][1]) for s in sources))
    loaded = load_task.fn(settings, str(uuid.uuid4()), list(results))
    queued = evaluate_task.fn(settings, config, now)
    delivered = await deliver_task.fn(settings, config, now)
    digests = await digest_task.fn(settings, config, now)
    return PlainRun(config, list(results), loaded, queued, delivered, digests)


@flow(name="newswatch-monitor", flow_run_name="monitor {run_label}", log_prints=False)
async def monitor_flow(settings: Settings | None = None, source_ids: list[str] | None = None,
                       run_label: str = "scheduled", now: datetime | None = None) -> RunSummary:
    """`now` is the alerting clock (queue times, backoff, quiet hours, digest periods);
    tests pass it to move time. Default: the real time when the run starts."""
    settings = settings or Settings()
    logger = get_run_logger()
    context = FlowRunContext.get()
    run_id = str(context.flow_run.id) if context and context.flow_run else str(uuid.uuid4())
    summary = RunSummary(run_id=run_id)
    started = datetime.now(UTC)
    now = now or started

    config = load_config(settings.config_dir)
    rules = compile_rules(config.rules, config.entities)
    summary.config_problems = [str(p) for p in config.problems] + rules.problems
    for problem in summary.config_problems:
        logger.warning("config problem (skipped, the rest runs): %s", problem)
    sources = [s for s in config.sources if s.enabled
               and (source_ids is None or s.id in source_ids)]

    with writer(settings.warehouse) as con:
        register_sources(con, config.sources)
        states = {s.id: source_state(con, s.id) for s in sources}

    async def scrape(source: SourceConfig, fetcher: Fetcher) -> SourceResult:
        # quote(): Prefect need not walk the client or the URL sets looking for futures.
        result = await scrape_task(source, quote(fetcher), quote(states[source.id][0]),
                                   states[source.id][1])
        progress.report("source", len(result.articles))
        return result

    async with Fetcher(settings.fetch_policy()) as fetcher:
        results = await asyncio.gather(*(scrape(s, fetcher) for s in sources))

    report = load_task(settings, run_id, quote(list(results)))
    summary.articles_new = len(report.new_article_ids)
    summary.articles_updated = len(report.updated_article_ids)
    summary.stories_new = report.new_stories
    new_ids = set(report.new_article_ids)
    for result in results:
        summary.sources.append(SourceSummary(
            source_id=result.source_id, entries=result.entries_seen,
            new_articles=sum(1 for a in result.articles if a.article_id in new_ids),
            skipped_known=result.skipped_known,
            errors=[f"{e.error_class}: {e.message} ({e.url})" for e in result.errors],
            not_modified=any(f.outcome == "not_modified" for f in result.fetches)))
        for error in result.errors:
            logger.warning("%s: %s: %s (%s)", result.source_id, error.error_class,
                           error.message, error.url)

    queued = evaluate_task(settings, config, now, quote(rules))
    summary.matches, summary.alerts_queued = queued.matches, queued.alerts
    summary.realerts = queued.realerts
    delivered = await deliver_task(settings, config, now)
    progress.report("alerts", delivered.sent)
    summary.alerts_sent, summary.delivery_failures = delivered.sent, list(delivered.failures)
    summary.alerts_held, summary.ops_messages = delivered.held, delivered.ops_messages
    sent_digests = await digest_task(settings, config, now)
    summary.digests_sent = delivered.flood_digests + sent_digests.sent
    summary.delivery_failures += sent_digests.failures
    told, failures = await announce_config_problems(settings, config,
                                                    summary.config_problems, now=now)
    summary.ops_messages += told
    summary.delivery_failures += failures

    with writer(settings.warehouse) as con:
        con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [run_id, started, datetime.now(UTC), len(sources), summary.articles_new,
                     summary.matches, summary.alerts_sent, summary.errors])
    await _publish_artifact(summary)
    logger.info("run done: %d new articles, %d matches, %d alerts sent, %d errors",
                summary.articles_new, summary.matches, summary.alerts_sent, summary.errors)
    return summary


async def _publish_artifact(summary: RunSummary) -> None:
    lines = ["| source | entries | new | known | errors |", "|---|---|---|---|---|"]
    for s in summary.sources:
        errors = "; ".join(s.errors)[:200] or ("304 not modified" if s.not_modified else "")
        lines.append(f"| {s.source_id} | {s.entries} | {s.new_articles} | {s.skipped_known} "
                     f"| {errors} |")
    lines.append("")
    lines.append(f"New articles: {summary.articles_new}; matches: {summary.matches}; "
                 f"alerts queued: {summary.alerts_queued}; sent: {summary.alerts_sent}; "
                 f"re-alerts: {summary.realerts}; held by quiet hours: {summary.alerts_held}; "
                 f"digests sent: {summary.digests_sent}.")
    if summary.config_problems:
        lines.append("")
        lines.append("Config problems (skipped; everything else ran):")
        lines += [f"- {problem}" for problem in summary.config_problems]
    if summary.delivery_failures:
        lines.append("")
        lines.append("Delivery failures: " + "; ".join(summary.delivery_failures)[:1000])
    await acreate_markdown_artifact(markdown="\n".join(lines), key="monitor-run",
                                   description="What the monitor run fetched, stored and sent.")
