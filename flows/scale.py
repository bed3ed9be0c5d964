"""The monitor split for a work pool: many scrape runs, one loader.

`scrape_flow` runs on any worker, on any machine. It never opens the DuckDB file (DuckDB lets
one process write it): it scrapes its partition of the sources and leaves ONE Parquet batch in
the shared staging folder (`warehouse/staging.py`). `load_staged_flow` is the single
writer: it loads each complete batch exactly once, then runs the same post-load sequence as the
monitor flow (pipeline/runner.py:after_load: source health, rules, alerts, digests, config
problems). Deploy the loader with a concurrency limit of 1 (`flows/deploy.py`, `prefect.yaml`);
even two loaders at once would only queue on the warehouse lock, and the `staged_batches`
ledger keeps a batch from being loaded twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from core.settings import Settings
from flows.monitor import TASKS, flow_run_id, scrape_sources
from pipeline import steps
from pipeline.config import load_config
from pipeline.runner import after_load
from pipeline.summary import RunSummary, run_markdown, summarize_staged
from scrapers.models import SourceConfig
from warehouse.staging import StagedLoadReport


@flow(name="newswatch-scrape", flow_run_name="scrape {partition}/{partitions}",
      log_prints=False)
async def scrape_flow(settings: Settings | None = None, source_ids: list[str] | None = None,
                      partition: int | None = None, partitions: int | None = None
                      ) -> dict[str, object]:
    """Scrape a partition of the sources (or the listed ones) into one staged batch named
    after this flow run. Known URLs and feed validators come from the loader's state file."""
    settings = settings or Settings()
    logger = get_run_logger()
    batch_id = flow_run_id()
    config = load_config(settings.config_dir)
    sources = steps.choose_sources(config, source_ids, partition, partitions)
    # Workers share hosts: per-host slots and pacing held where all of them see them.
    results = await scrape_sources(settings, sources, steps.staged_state(settings), shared=True)
    path = steps.stage_results(settings, batch_id, results)
    articles = sum(len(r.articles) for r in results)
    errors = sum(len(r.errors) for r in results)
    logger.info("staged %s: %d sources, %d articles, %d errors", path.name, len(sources),
                articles, errors)
    return {"batch_id": batch_id, "sources": [s.id for s in sources], "articles": articles,
            "errors": errors}


@task(name="load-staged", cache_policy=NO_CACHE)
def load_staged_task(settings: Settings, sources: list[SourceConfig]) -> StagedLoadReport:
    return steps.load_staged(settings, sources)


@flow(name="newswatch-load-staged", flow_run_name="load staged {run_label}", log_prints=False)
async def load_staged_flow(settings: Settings | None = None, run_label: str = "scheduled",
                           now: datetime | None = None) -> RunSummary:
    """The single writer: load every staged batch once, then evaluate and deliver."""
    settings = settings or Settings()
    logger = get_run_logger()
    run_id = flow_run_id()
    started = datetime.now(UTC)
    run = steps.read_config(settings)
    for problem in run.problems:
        logger.warning("config problem (skipped, the rest runs): %s", problem)
    loaded = load_staged_task(settings, quote(run.config.sources), return_state=False)
    for batch_id, error in loaded.failed.items():
        logger.warning("batch %s not loaded (left for the next run): %s", batch_id, error)
    summary = summarize_staged(run_id, loaded)
    for source in summary.sources:
        logger.info("%s: %s, %d new, %d known, %d errors", source.source_id,
                    "304 not modified" if source.not_modified else f"{source.entries} entries",
                    source.new_articles, source.skipped_known, len(source.errors))
        for error in source.errors:
            logger.warning("%s: %s", source.source_id, error)
    summary.delivery_failures += [f"batch {b}: {e}" for b, e in loaded.failed.items()]
    # Source health is judged on what the batches brought, as the monitor does per run.
    health_of = [s.id for s in run.config.sources if s.enabled] if loaded.loaded else None
    done = await after_load(settings, run, summary, started=started, now=now or started,
                            sources=loaded.sources, health_of=health_of, stages=TASKS)
    summary = done.summary
    today = None if summary.deferred else steps.today_summary(settings, started.date())
    await acreate_markdown_artifact(
        markdown=run_markdown(summary, today), key="load-staged-run",
        description="What the staged batches brought per source, and what was stored and sent.")
    logger.info("loaded %d batches (%d already loaded) from %d sources: %d new articles, "
                "%d alerts sent, %d errors", len(loaded.loaded), len(loaded.skipped),
                loaded.sources, summary.articles_new, summary.alerts_sent, summary.errors)
    return summary
