"""One monitor run in a process of its own, for the fault suite to kill.

    python -m tests.faults.child CONFIG_DIR WAREHOUSE NOW_ISO

NEWSWATCH_CRASH_AT names the point where it SIGKILLs itself (core/crash_points.py); channel
URLs come from the environment as in production. Slack requests go to the stand-in named by
NEWSWATCH_FAULTS_SLACK_BASE. Prints one JSON line with the run's summary if it lives.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
from datetime import datetime
from pathlib import Path

from pipeline.runner import run_plain
from tests.faults.hostile_web import route_slack_to
from tests.faults.world import SLACK_BASE_ENV, settings_for


def main(argv: list[str] | None = None) -> None:
    config_dir, warehouse, now = argv if argv is not None else sys.argv[1:]
    route_slack_to(os.environ.get(SLACK_BASE_ENV))
    done = asyncio.run(run_plain(settings_for(Path(config_dir), Path(warehouse)),
                                 datetime.fromisoformat(now)))
    print(json.dumps(dataclasses.asdict(done.summary), default=str), flush=True)


if __name__ == "__main__":
    main()
