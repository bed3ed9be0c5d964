"""The monitor split for a work pool: many scrape runs, one loader.

`scrape_flow` runs on any worker, on any machine. It never opens the DuckDB file (DuckDB lets
one process write it): it scrapes its partition of the sources and leaves ONE Parquet batch in
the shared staging folder (`warehouse/staging.py`). `load_staged_flow` is the single writer:
it loads each complete batch exactly once, then evaluates the rules and delivers alerts as the
monitor flow does. Deploy the loader with a concurrency limit of 1 (`flows/deploy.py`,
`prefect.yaml`); even two loaders at once would only queue on the warehouse lock, and the
`staged_batches` ledger keeps a batch from being loaded twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.utilities.annotations import quote

from core.settings import Settings
from flows.monitor import (
    RunSummary,
    deliver_task,
    digest_task,
    evaluate_task,
    scrape_task,
    source_health_task,
)
from pipeline.config import load_config
from pipeline.fetching import fetch_policy
from scrapers.fetch import Fetcher
from scrapers.models import SourceConfig
from warehouse.articles import register_sources
from warehouse.connection import writer
from warehouse.staging import StagedLoadReport, load_staged, read_state, write_batch, write_state


def partition(source_ids: list[str], partitions: int) -> list[list[str]]:
    """Deal the sources into `partitions` groups of (nearly) equal size. The order comes from
    a hash of each id, so it does not depend on the order of sources.yaml; adding a source may
    move others to another partition, which is harmless (the loader stores articles once)."""
    if partitions < 1:
        raise ValueError("partitions must be at least 1")
    ordered = sorted(source_ids, key=lambda s: (hashlib.sha256(s.encode()).hexdigest(), s))
    return [ordered[i::partitions] for i in range(partitions)]


def _select(sources: list[SourceConfig], source_ids: list[str] | None, part: int | None,
            partitions: int | None) -> list[SourceConfig]:
    chosen = [s for s in sources if s.enabled and (source_ids is None or s.id in source_ids)]
    if partitions:
        if part is None or not 0 <= part < partitions:
            raise ValueError(f"partition must be in 0..{partitions - 1}, got {part}")
        mine = set(partition([s.id for s in chosen], partitions)[part])
        chosen = [s for s in chosen if s.id in mine]
    return chosen


def _run_id() -> str:
    context = FlowRunContext.get()
    return str(context.flow_run.id) if context and context.flow_run else str(uuid.uuid4())


@flow(name="newswatch-scrape", flow_run_name="scrape {partition}/{partitions}",
      log_prints=False)
async def scrape_flow(settings: Settings | None = None, source_ids: list[str] | None = None,
                      partition: int | None = None, partitions: int | None = None
                      ) -> dict[str, object]:
    """Scrape a partition of the sources (or the listed ones) into one staged batch named
    after this flow run. Known URLs and feed validators come from the loader's state file."""
    settings = settings or Settings()
    logger = get_run_logger()
    batch_id = _run_id()
    config = load_config(settings.config_dir)
    sources = _select(config.sources, source_ids, partition, partitions)
    state = read_state(settings.staging_dir)
    async with Fetcher(fetch_policy(settings)) as fetcher:
        results = await asyncio.gather(*(
            scrape_task(s, quote(fetcher), quote(state.get(s.id, (frozenset(), None))[0]),
                        state.get(s.id, (frozenset(), None))[1])
            for s in sources))
    path = write_batch(settings.staging_dir, batch_id, list(results))
    articles = sum(len(r.articles) for r in results)
    errors = sum(len(r.errors) for r in results)
    logger.info("staged %s: %d sources, %d articles, %d errors", path.name, len(sources),
                articles, errors)
    return {"batch_id": batch_id, "sources": [s.id for s in sources], "articles": articles,
            "errors": errors}


@task(name="load-staged", cache_policy=NO_CACHE)
def load_staged_task(settings: Settings, sources: list[SourceConfig]) -> StagedLoadReport:
    with writer(settings.warehouse) as con:
        register_sources(con, sources)
        report = load_staged(con, settings.staging_dir)
        write_state(con, settings.staging_dir)
    return report


@flow(name="newswatch-load-staged", flow_run_name="load staged {run_label}", log_prints=False)
async def load_staged_flow(settings: Settings | None = None, run_label: str = "scheduled",
                           now: datetime | None = None) -> RunSummary:
    """The single writer: load every staged batch once, then evaluate and deliver."""
    settings = settings or Settings()
    logger = get_run_logger()
    summary = RunSummary(run_id=_run_id())
    started = datetime.now(UTC)
    now = now or started
    config = load_config(settings.config_dir)
    summary.config_problems = [str(p) for p in config.problems]

    loaded = load_staged_task(settings, config.sources)
    summary.articles_new = len(loaded.new_article_ids)
    summary.articles_updated = len(loaded.updated_article_ids)
    summary.stories_new = loaded.new_stories
    for batch_id, error in loaded.failed.items():
        logger.warning("batch %s not loaded (left for the next run): %s", batch_id, error)
    if loaded.loaded:   # judged on what the batches brought, as the monitor does per run
        health = await source_health_task(settings, config, now,
                                          [s.id for s in config.sources if s.enabled])
        summary.source_notices, summary.ops_messages = health.lines(), health.sent
        summary.delivery_failures += health.failures

    queued = evaluate_task(settings, config, now)
    summary.matches, summary.alerts_queued = queued.matches, queued.alerts
    summary.realerts = queued.realerts
    delivered = await deliver_task(settings, config, now)
    summary.alerts_sent, summary.alerts_held = delivered.sent, delivered.held
    summary.delivery_failures += delivered.failures
    summary.ops_messages += delivered.ops_messages
    digests = await digest_task(settings, config, now)
    summary.digests_sent = delivered.flood_digests + digests.sent
    summary.delivery_failures += digests.failures + [
        f"batch {b}: {e}" for b, e in loaded.failed.items()]

    with writer(settings.warehouse) as con:
        con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [summary.run_id, started, datetime.now(UTC), loaded.sources,
                     summary.articles_new, summary.matches, summary.alerts_sent,
                     summary.errors])
    logger.info("loaded %d batches (%d already loaded): %d new articles, %d alerts sent",
                len(loaded.loaded), len(loaded.skipped), summary.articles_new,
                summary.alerts_sent)
    return summary
