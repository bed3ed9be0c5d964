"""The monitor flow: scrape every source, load, evaluate rules, deliver alerts.

Tasks are per source (scrape) or per batch (load, evaluate, deliver), never per article: a
Prefect task costs more than extracting an article. Each task calls plain, tested functions.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.utilities.annotations import quote

from alerts.delivery import (
    DeliveryReport,
    DigestReport,
    announce_config_problems,
    deliver_alerts,
    send_due_digests,
)
from alerts.source_notices import SourceAlertReport, check_sources
from core.settings import Settings
from pipeline import progress
from pipeline.config import Config, load_config
from pipeline.crash_points import crash_point, fail_point
from pipeline.fetching import fetch_policy
from pipeline.rule_evaluation import RuleSet, compile_rules, evaluate_pending
from scrapers.fetch import Fetcher
from scrapers.models import SourceConfig, SourceResult, Validators
from scrapers.pipeline import scrape_source
from warehouse import outbox
from warehouse.articles import LoadReport, load_results, register_sources, source_state
from warehouse.connection import writer
from warehouse.report_data import DaySummary, day_summary


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
    source_notices: list[str] = field(default_factory=list)   # source problems begun or ended
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
        report = load_results(con, run_id, results, before_commit=_before_load_commit)
        crash_point("after_load")   # fault tests: committed, rules not yet evaluated
    return report


def _before_load_commit(con: object, report: LoadReport) -> None:
    # Fault tests: everything written, nothing committed (a kill, or a full disk).
    crash_point("during_load")
    fail_point("load_commit")


@task(name="evaluate-rules", cache_policy=NO_CACHE)
def evaluate_task(settings: Settings, config: Config, now: datetime | None = None,
                  rules: RuleSet | None = None) -> outbox.QueueReport:
    """Evaluate every article the rules have not seen (also those left by a crashed run)."""
    return evaluate_pending(settings, config, now=now or datetime.now(UTC), rules=rules)


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


@task(name="source-health", cache_policy=NO_CACHE)
async def source_health_task(settings: Settings, config: Config, now: datetime,
                             source_ids: list[str]) -> SourceAlertReport:
    """Sources failing run after run or gone quiet: told to ops once, and once recovered."""
    return await check_sources(settings, config, now=now, source_ids=source_ids)


@dataclass
class PlainRun:
    """What `run_without_prefect` did, step by step."""

    config: Config
    results: list[SourceResult]
    loaded: LoadReport
    queued: outbox.QueueReport
    delivered: DeliveryReport
    digests: DigestReport
    summary: RunSummary


async def run_without_prefect(settings: Settings, now: datetime) -> PlainRun:
    """The monitor flow's steps through the plain functions its tasks wrap (each task's `.fn`),
    with no Prefect server: for the benchmark of Prefect's overhead and for fault tests that
    kill a run in a process of its own. Records the run in `runs` as the flow does."""
    started = datetime.now(UTC)
    run_id = str(uuid.uuid4())
    config = load_config(settings.config_dir)
    sources = [s for s in config.sources if s.enabled]
    with writer(settings.warehouse) as con:
        register_sources(con, config.sources)
        states = {s.id: source_state(con, s.id) for s in sources}
    async with Fetcher(fetch_policy(settings)) as fetcher:
        results = list(await asyncio.gather(*(
            scrape_task.fn(s, fetcher, states[s.id][0], states[s.id][1]) for s in sources)))
    loaded = load_task.fn(settings, run_id, results)
    queued = evaluate_task.fn(settings, config, now)
    delivered = await deliver_task.fn(settings, config, now)
    digests = await digest_task.fn(settings, config, now)
    summary = summarize(run_id, config, results, loaded, queued, delivered, digests)
    record_run(settings, summary, started, len(sources))
    return PlainRun(config, results, loaded, queued, delivered, digests, summary)


def summarize(run_id: str, config: Config, results: list[SourceResult], loaded: LoadReport,
              queued: outbox.QueueReport, delivered: DeliveryReport,
              digests: DigestReport) -> RunSummary:
    """What a run did, per source and in total, with every problem it met."""
    summary = RunSummary(run_id=run_id, articles_new=len(loaded.new_article_ids),
                         articles_updated=len(loaded.updated_article_ids),
                         stories_new=loaded.new_stories)
    summary.config_problems = [str(p) for p in config.problems]
    new_ids = set(loaded.new_article_ids)
    for result in results:
        summary.sources.append(SourceSummary(
            source_id=result.source_id, entries=result.entries_seen,
            new_articles=sum(1 for a in result.articles if a.article_id in new_ids),
            skipped_known=result.skipped_known,
            errors=[f"{e.error_class}: {e.message} ({e.url})" for e in result.errors],
            not_modified=any(f.outcome == "not_modified" for f in result.fetches)))
    summary.matches, summary.alerts_queued = queued.matches, queued.alerts
    summary.realerts = queued.realerts
    summary.alerts_sent, summary.delivery_failures = delivered.sent, list(delivered.failures)
    summary.alerts_held, summary.ops_messages = delivered.held, delivered.ops_messages
    summary.digests_sent = delivered.flood_digests + digests.sent
    summary.delivery_failures += digests.failures
    return summary


def record_run(settings: Settings, summary: RunSummary, started: datetime,
               sources: int) -> None:
    with writer(settings.warehouse) as con:
        con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [summary.run_id, started, datetime.now(UTC), sources,
                     summary.articles_new, summary.matches, summary.alerts_sent,
                     summary.errors])


@flow(name="newswatch-monitor", flow_run_name="monitor {run_label}", log_prints=False)
async def monitor_flow(settings: Settings | None = None, source_ids: list[str] | None = None,
                       run_label: str = "scheduled", now: datetime | None = None) -> RunSummary:
    """`now` is the alerting clock (queue times, backoff, quiet hours, digest periods);
    tests pass it to move time. Default: the real time when the run starts."""
    settings = settings or Settings()
    logger = get_run_logger()
    context = FlowRunContext.get()
    run_id = str(context.flow_run.id) if context and context.flow_run else str(uuid.uuid4())
    started = datetime.now(UTC)
    now = now or started

    config = load_config(settings.config_dir)
    rules = compile_rules(config.rules, config.entities)
    problems = [str(p) for p in config.problems] + rules.problems
    for problem in problems:
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

    async with Fetcher(fetch_policy(settings)) as fetcher:
        results = await asyncio.gather(*(scrape(s, fetcher) for s in sources))

    report = load_task(settings, run_id, quote(list(results)))
    for result in results:
        for error in result.errors:
            logger.warning("%s: %s: %s (%s)", result.source_id, error.error_class,
                           error.message, error.url)
    health = await source_health_task(settings, config, now, [s.id for s in sources])
    queued = evaluate_task(settings, config, now, quote(rules))
    delivered = await deliver_task(settings, config, now)
    progress.report("alerts", delivered.sent)
    sent_digests = await digest_task(settings, config, now)
    summary = summarize(run_id, config, list(results), report, queued, delivered,
                        sent_digests)
    summary.config_problems = problems
    summary.source_notices = health.lines()
    summary.ops_messages += health.sent
    summary.delivery_failures += health.failures
    told, failures = await announce_config_problems(settings, config, problems, now=now)
    summary.ops_messages += told
    summary.delivery_failures += failures
    record_run(settings, summary, started, len(sources))
    with writer(settings.warehouse) as con:
        today = day_summary(con, started.date())
    await _publish_artifact(summary, today)
    logger.info("run done: %d new articles, %d matches, %d alerts sent, %d errors",
                summary.articles_new, summary.matches, summary.alerts_sent, summary.errors)
    return summary


async def _publish_artifact(summary: RunSummary, today: DaySummary) -> None:
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
    lines += ["", *_today_lines(today)]
    await acreate_markdown_artifact(markdown="\n".join(lines), key="monitor-run",
                                   description="What the monitor run fetched, stored and sent.")


def _today_lines(today: DaySummary) -> list[str]:
    """Markdown: matching articles first seen today per source, the stories most sources
    carried (`newswatch report` draws the same numbers over days). Titles are escaped."""
    def cell(text: str) -> str:   # headlines are hostile: no links, images or tables
        return re.sub(r"([\\`*_\[\]()<>#|!~])", r"\\\1", " ".join(text.split()))

    if not today.matches_per_source:
        return ["Matching articles first seen today (UTC): none."]
    lines = ["Matching articles first seen today (UTC), per source: " + ", ".join(
        f"{cell(name)} {count}" for name, count in today.matches_per_source) + ".", "",
        "| top stories today | sources |", "|---|---|"]
    lines += [f"| {cell(s.title)} | {s.sources}: {cell(', '.join(s.source_names))} |"
              for s in today.stories]
    return lines
