"""The fault suite under pytest: a representative subset of tests/faults/scenarios.py (one
of each kind: a transient page error healed on the next run, a body cut short, a bomb,
hostile XML, duplicate links, each channel failing and coming back, a kill mid-send, a full
disk, a broken rule file, a session holding the warehouse, a hostile redirect, a private
address, mention strings, a bug in one source). Every row must also deliver the demo's healthy
ceasefire alert. `make faults` runs every scenario and prints the table; the whole table takes
minutes, too long for every CI run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo.clock import ADVANCE_HOURS
from demo.server import DemoNewsServer
from tests.faults.blocks import Scenario
from tests.faults.fault_setups import slack_says, smtp_down
from tests.faults.hostile_web import route_slack_to
from tests.faults.runner import run_scenario
from tests.faults.scenarios import SCENARIOS
from tests.faults.world import World

pytestmark = pytest.mark.e2e

SUBSET = ["503", "truncated gzip", "gzip bomb", "billion laughs", "external entity (XXE)",
          "same article under five URLs", "duplicate GUIDs", "feed item with a broken link",
          "SMTP down", "Slack 429", "SIGKILL during send", "disk full on write (ENOSPC)",
          "rule file with a typo", "user session holds the warehouse for 2 runs",
          "article redirects to mailto:", "redirect to 127.0.0.2 (no opt-in)",
          "mention strings in a headline (Slack, Discord)", "bug in newswatch for one source"]


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoNewsServer]:
    with DemoNewsServer() as server:
        server.clock.advance(ADVANCE_HOURS)
        yield server


def test_the_subset_names_real_scenarios() -> None:
    assert set(SUBSET) <= {s.name for s in SCENARIOS}


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.name in SUBSET],
                         ids=lambda s: s.name)
def test_nothing_lost_nothing_twice(scenario: Scenario, demo: DemoNewsServer) -> None:
    try:
        row = run_scenario(scenario, demo)
    finally:
        route_slack_to(None)
    assert row.problems == []
    ledger = row.ledger
    assert (ledger.articles_lost, ledger.duplicate_articles, ledger.alerts_lost,
            ledger.duplicate_alerts) == (0, 0, 0, 0), ledger.lost_examples
    assert ledger.healthy_alert, "the demo's ceasefire alert was not delivered"
    assert row.ok
    assert ledger.alerts_expected >= 6 and ledger.articles_expected >= 37   # not vacuous


def test_a_run_whose_alerts_all_fail_says_no(demo: DemoNewsServer) -> None:
    """The column is not vacuous: with both channels down and no second run, the demo's
    ceasefire alert cannot get out, and the row fails for it alone."""
    def both_down(world: World) -> None:
        smtp_down(world)
        slack_says(500)(world)
    try:
        row = run_scenario(Scenario("every channel down", both_down), demo)
    finally:
        route_slack_to(None)
    assert row.problems == [] and not row.ledger.healthy_alert and not row.ok
