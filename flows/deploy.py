"""Deployments of the split monitor onto a process work pool (see docs/scaling.md).

    partitions x `newswatch-scrape/scrape-<i>-of-<n>`   scrape_flow over one partition each
    1 x          `newswatch-load-staged/loader`          load_staged_flow, concurrency limit 1

The code is taken from a folder every worker can read at the same path (`source_dir`, a
checkout on each machine or a shared mount); a git URL works too. Workers read NEWSWATCH_*
settings from their environment, so every machine points at the same staging folder and only
the loader's machine needs the DuckDB file. `prefect.yaml` at the repository root describes
the same deployments for `prefect deploy --all`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from prefect import flow
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

from flows.dispatch import sync_result
from flows.unresponsive import ensure_crash_automation

REPO = Path(__file__).resolve().parent.parent
WORK_POOL = "newswatch-pool"
SCRAPE_ENTRYPOINT = "flows/scale.py:scrape_flow"
LOADER_ENTRYPOINT = "flows/scale.py:load_staged_flow"
SCRAPE_FLOW = "newswatch-scrape"
LOADER_FLOW = "newswatch-load-staged"
LOADER = "loader"


def scrape_deployment_name(index: int, partitions: int) -> str:
    return f"scrape-{index}-of-{partitions}"


@dataclass(frozen=True)
class Deployed:
    scrapers: dict[str, UUID]   # "newswatch-scrape/scrape-0-of-2" -> deployment id
    loader: str                 # "newswatch-load-staged/loader"
    loader_id: UUID


def deploy(partitions: int = 2, work_pool: str = WORK_POOL, source: str | Path = REPO,
           scrape_cron: str | None = None, load_cron: str | None = None,
           job_variables: dict[str, object] | None = None,
           loader_queue: str | None = None, api_url: str | None = None,
           heartbeat_seconds: int | None = None) -> Deployed:
    """Create or update the deployments on the Prefect API the environment points at (or
    at `api_url`). Without crons the runs are started by hand or by `run_deployment`.
    `loader_queue` puts the loader on its own work queue, for a worker on the warehouse's
    machine only. The runs send a heartbeat every `heartbeat_seconds` (Prefect's setting by
    default), and an automation marks a run Crashed when they stop (flows/unresponsive.py)."""
    if partitions < 1:
        raise ValueError("partitions must be at least 1")
    if api_url:
        with temporary_settings({PREFECT_API_URL: api_url}):
            return deploy(partitions, work_pool, source, scrape_cron, load_cron, job_variables,
                          loader_queue, heartbeat_seconds=heartbeat_seconds)
    beat = heartbeat_seconds or get_current_settings().flows.heartbeat_frequency or 180
    job_variables = with_heartbeat(job_variables, beat)
    scrape = sync_result(flow.from_source(source=str(source), entrypoint=SCRAPE_ENTRYPOINT),
                         "flow.from_source")
    scrapers: dict[str, UUID] = {}
    for index in range(partitions):
        name = scrape_deployment_name(index, partitions)
        scrapers[f"{SCRAPE_FLOW}/{name}"] = sync_result(scrape.deploy(
            name=name, work_pool_name=work_pool, build=False, push=False,
            parameters={"partition": index, "partitions": partitions}, cron=scrape_cron,
            job_variables=job_variables, tags=["newswatch", "scrape"],
            description=f"Scrape partition {index} of {partitions} into the staging folder.",
            print_next_steps=False), "Flow.deploy")
    loader = sync_result(flow.from_source(source=str(source), entrypoint=LOADER_ENTRYPOINT),
                         "flow.from_source")
    loader_id = sync_result(loader.deploy(
        name=LOADER, work_pool_name=work_pool, work_queue_name=loader_queue, build=False,
        push=False, cron=load_cron,
        concurrency_limit=1, job_variables=job_variables, tags=["newswatch", "load"],
        description="The single writer: load staged batches once, evaluate, deliver.",
        print_next_steps=False), "Flow.deploy")
    asyncio.run(ensure_crash_automation(beat))
    return Deployed(scrapers, f"{LOADER_FLOW}/{LOADER}", loader_id)


def with_heartbeat(job_variables: dict[str, object] | None, beat: int) -> dict[str, object]:
    """The job variables with the heartbeat period in the runs' environment, so the runs
    beat as often as the automation expects (a variable the caller set wins)."""
    merged = dict(job_variables or {})
    given = merged.get("env")
    env: dict[str, object] = dict(given) if isinstance(given, dict) else {}
    env.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", str(beat))
    merged["env"] = env
    return merged
