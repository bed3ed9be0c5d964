"""Shared fixtures: real servers on loopback, real DuckDB files, Prefect's test harness."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Everything the tests fetch is on 127.0.0.1: no need to space requests a second apart, and
# every source may reach that loopback address (the tests of the refusal build their own
# FetchPolicy, or remove this variable).
os.environ.setdefault("NEWSWATCH_FETCH_MIN_DELAY_SECONDS", "0")
os.environ.setdefault("NEWSWATCH_ALLOW_PRIVATE_ADDRESSES", "1")

from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer

REPO = Path(__file__).resolve().parent.parent
SHARED_CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API server for the whole session (it takes ~15 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def demo_server() -> Iterator[DemoNewsServer]:
    with DemoNewsServer() as server:
        yield server


@pytest.fixture
def mailbox() -> Iterator[LoopbackMailbox]:
    with LoopbackMailbox() as box:
        yield box


@pytest.fixture
def corpus() -> Path:
    if not SHARED_CORPUS.is_dir():
        pytest.skip("the shared corpus is not present on this machine")
    return SHARED_CORPUS
