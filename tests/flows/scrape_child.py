"""One work-pool scrape run (flows/scale.py:scrape_flow) in a process of its own, as a worker
on another machine would run it, for the politeness-across-workers test.

    python -m tests.flows.scrape_child PARTITION PARTITIONS GO_FILE

Settings come from the environment (NEWSWATCH_*, PREFECT_API_URL). The process imports
everything, says `ready` on stdout, waits for GO_FILE (so that both workers start together),
runs the flow and prints one JSON line: what it scraped and when it ran (time.monotonic(),
which the test's server shares on this machine).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from flows.scale import scrape_flow


def main(partition: int, partitions: int, go: Path) -> None:
    print("ready", flush=True)
    deadline = time.monotonic() + 120
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go file after 120 s")
        time.sleep(0.05)
    started = time.monotonic()
    result = asyncio.run(scrape_flow(partition=partition, partitions=partitions))
    print(json.dumps({**result, "started": started, "ended": time.monotonic()}), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))
