"""One monitor run in a process of its own, for the crash-safety tests to kill.

    python -m tests.flows.crash_child CONFIG_DIR WAREHOUSE NOW_ISO

The same steps as `monitor_flow`, through the plain functions its Prefect tasks wrap (each
task's `.fn`), so no Prefect server is needed: register the sources, scrape each one, load,
evaluate the rules, deliver alerts, send due digests. NEWSWATCH_CRASH_AT in the environment
names the point where the process SIGKILLs itself (flows/crash_points.py); channel URLs come
from the environment as in production (NEWSWATCH_EMAIL_URL). On success it prints one JSON
line with what the run did.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from datetime import datetime
from pathlib import Path

from flows.config import load_config
from flows.monitor import deliver_task, digest_task, evaluate_task, load_task, scrape_task
from flows.settings import Settings
from scrapers.fetch import Fetcher
from warehouse.articles import register_sources, source_state
from warehouse.connection import writer


async def run(settings: Settings, now: datetime) -> dict[str, object]:
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
    return {"problems": [str(p) for p in config.problems],
            "fetch_errors": [e.message for r in results for e in r.errors],
            "articles_new": len(loaded.new_article_ids), "evaluated": queued.evaluated,
            "alerts_queued": queued.alerts, "sent": delivered.sent,
            "failures": delivered.failures + digests.failures}


def run_once(config_dir: Path, warehouse: Path, now: datetime) -> dict[str, object]:
    settings = Settings(config_dir=config_dir, warehouse=warehouse, fetch_retries=0)
    return asyncio.run(run(settings, now))


def main(argv: list[str] | None = None) -> None:
    config_dir, warehouse, now = argv if argv is not None else sys.argv[1:]
    summary = run_once(Path(config_dir), Path(warehouse), datetime.fromisoformat(now))
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
