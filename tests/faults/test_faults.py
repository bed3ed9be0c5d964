"""The fault suite under pytest: a representative subset of tests/faults/scenarios.py (one
of each kind: a transient page error healed on the next run, a body cut short, a bomb,
hostile XML, duplicate links, each channel failing and coming back, a kill mid-send, a full
disk, a broken rule file). `make faults` runs every scenario and prints the table; the whole
table takes minutes, too long for every CI run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo.clock import ADVANCE_HOURS
from demo.server import DemoNewsServer
from tests.faults.hostile_web import route_slack_to
from tests.faults.runner import run_scenario
from tests.faults.scenarios import SCENARIOS

pytestmark = pytest.mark.e2e

SUBSET = ["503", "truncated gzip", "gzip bomb", "billion laughs", "external entity (XXE)",
          "same article under five URLs", "duplicate GUIDs", "feed item with a broken link",
          "SMTP down", "Slack 429", "SIGKILL during send", "disk full on write (ENOSPC)",
          "rule file with a typo"]


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoNewsServer]:
    with DemoNewsServer() as server:
        server.clock.advance(ADVANCE_HOURS)
        yield server


def test_the_subset_names_real_scenarios() -> None:
    assert set(SUBSET) <= {s.name for s in SCENARIOS}


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.name in SUBSET],
                         ids=lambda s: s.name)
def test_nothing_lost_nothing_twice(scenario: object, demo: DemoNewsServer) -> None:
    try:
        row = run_scenario(scenario, demo)  # type: ignore[arg-type]
    finally:
        route_slack_to(None)
    assert row.problems == []
    ledger = row.ledger
    assert (ledger.articles_lost, ledger.duplicate_articles, ledger.alerts_lost,
            ledger.duplicate_alerts) == (0, 0, 0, 0), ledger.lost_examples
    assert ledger.healthy_alert, "the demo's ceasefire alert was not delivered"
    assert row.ok
    assert ledger.alerts_expected >= 6 and ledger.articles_expected >= 37   # not vacuous
