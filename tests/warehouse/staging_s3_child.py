"""A staged loader in a process of its own, for the S3 staging tests (crash, racing loaders).

    python -m tests.warehouse.staging_s3_child WAREHOUSE

The staging area comes from the environment as in a deployment (NEWSWATCH_STAGING_URL and the
AWS variables); NEWSWATCH_CRASH_AT=after_staged_commit kills it between commit and move.
Prints the load report as JSON.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from core.settings import Settings
from tests.warehouse.builders import source_configs
from warehouse.articles import register_sources
from warehouse.connection import writer
from warehouse.staging import load_staged
from warehouse.staging_store import staging_store

SITES = ["harbour-times", "northern-ledger", "valley-courier"]


def main(warehouse: Path) -> None:
    store = staging_store(Settings())
    with writer(warehouse, wait_seconds=120) as con:
        register_sources(con, source_configs(SITES))
        report = load_staged(con, store)
    print(json.dumps(asdict(report)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
