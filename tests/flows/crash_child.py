"""One monitor run in a process of its own, for the crash-safety tests to kill.

    python -m tests.flows.crash_child CONFIG_DIR WAREHOUSE NOW_ISO

The same steps as `monitor_flow`, through the plain runner (pipeline/runner.py:run_plain), so
no Prefect server is needed: register the sources, scrape each one, load, then the post-load
sequence every runner shares (source health, rules, alerts, digests, config problems).
NEWSWATCH_CRASH_AT in the environment names the point where the process SIGKILLs itself
(core/crash_points.py); channel URLs come from the environment as in production
(NEWSWATCH_EMAIL_URL). On success it prints one JSON line with what the run did.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path

from core.settings import Settings
from pipeline.runner import run_plain


async def run(settings: Settings, now: datetime) -> dict[str, object]:
    done = await run_plain(settings, now)
    return {"problems": [str(p) for p in done.config.problems],
            "fetch_errors": [e.message for r in done.results for e in r.errors],
            "articles_new": len(done.loaded.new_article_ids),
            "evaluated": done.queued.evaluated, "alerts_queued": done.queued.alerts,
            "sent": done.delivered.sent,
            "failures": done.delivered.failures + done.digests.failures}


def run_once(config_dir: Path, warehouse: Path, now: datetime) -> dict[str, object]:
    settings = Settings(config_dir=config_dir, warehouse=warehouse, fetch_retries=0,
                        fetch_min_delay_seconds=0)
    return asyncio.run(run(settings, now))


def main(argv: list[str] | None = None) -> None:
    config_dir, warehouse, now = argv if argv is not None else sys.argv[1:]
    summary = run_once(Path(config_dir), Path(warehouse), datetime.fromisoformat(now))
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
