"""The automation that marks a newswatch run Crashed when its heartbeats stop: it covers every
flow newswatch runs and nothing else, and waits two and a half heartbeats. (That it fires is
shown end to end in tests/flows/test_work_pool_postgres.py, on a worker killed mid-run.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import EventTrigger
from prefect.events.schemas.events import ResourceSpecification

from flows.digest import digest_flow
from flows.maintenance import maintenance_flow
from flows.monitor import monitor_flow
from flows.scale import load_staged_flow, scrape_flow
from flows.unresponsive import NEWSWATCH_FLOWS, crash_automation


def test_the_automation_names_every_flow_newswatch_runs() -> None:
    names = [monitor_flow.name, digest_flow.name, maintenance_flow.name, scrape_flow.name,
             load_staged_flow.name]
    assert sorted(NEWSWATCH_FLOWS) == sorted(names)


def test_a_run_is_crashed_after_two_and_a_half_missed_heartbeats() -> None:
    automation = crash_automation(30)
    trigger = automation.trigger
    assert isinstance(trigger, EventTrigger)
    assert trigger.within == timedelta(seconds=75)
    assert trigger.posture == "Proactive" and trigger.threshold == 1
    assert trigger.after == {"prefect.flow-run.heartbeat", "prefect.flow-run.Running"}
    assert trigger.expect == {"prefect.flow-run.heartbeat", "prefect.flow-run.Completed",
                              "prefect.flow-run.Failed", "prefect.flow-run.Cancelled",
                              "prefect.flow-run.Crashed"}
    assert trigger.for_each == {"prefect.resource.id"}
    related = trigger.match_related
    assert isinstance(related, ResourceSpecification)
    assert related.root == {"prefect.resource.role": "flow",
                            "prefect.resource.name": list(NEWSWATCH_FLOWS)}
    [action] = automation.actions
    assert isinstance(action, ChangeFlowRunState)
    assert action.type == "change-flow-run-state" and action.state == "CRASHED"
    assert action.message is not None and action.message.startswith("No heartbeat for 75 s")


def test_serve_goes_on_saying_so_when_the_automation_cannot_be_made(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.serve as serve_module

    async def refused(heartbeat_seconds: int | None = None) -> None:
        raise RuntimeError("404 Not Found: /api/automations/")

    monkeypatch.setattr(serve_module, "ensure_crash_automation", refused)
    said: list[str] = []
    serve_module._watch_for_dead_runs(said.append)
    assert said == ["could not create the automation 'newswatch: mark unresponsive runs "
                    "Crashed' (RuntimeError: 404 Not Found: /api/automations/): runs of a "
                    "newswatch serve that dies stay Running until cancelled"]
