"""Fixtures for the scraper tests: a misbehaving HTTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .hostile_server import HostileServer


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server
