"""The demo news web on 127.0.0.1 with its own clock, fresh for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo.clock import DemoClock
from demo.server import DemoNewsServer


@pytest.fixture
def server() -> Iterator[DemoNewsServer]:
    with DemoNewsServer(DemoClock()) as running:
        yield running
