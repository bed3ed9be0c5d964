"""Runs whose worker died are marked Crashed, not left Running for ever.

A worker killed mid-run (power lost, `kill -9`, an evicted container) cannot report the end of
its flow run, so Prefect shows it Running until someone cancels it. Flow runs send a heartbeat
event every `PREFECT_FLOWS_HEARTBEAT_FREQUENCY` seconds (180 by default); the automation made
here marks a newswatch run Crashed once it has sent no heartbeat, and no final state, for
`MISSED_BEATS` heartbeat periods since it started or last beat. The lost work is redone by the
partition's next run (see docs/scaling.md); the Crashed state is what an operator and
Prefect's own notifications see.

`deploy()` in flows/deploy.py and `newswatch serve` call `ensure_crash_automation`; with
`prefect deploy --all`, run `python -m flows.unresponsive` once against the same server.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from prefect.automations import Automation
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.settings import get_current_settings

AUTOMATION_NAME = "newswatch: mark unresponsive runs Crashed"
# Every flow newswatch runs (tests/flows/test_unresponsive.py checks them against the flows).
NEWSWATCH_FLOWS = ("newswatch-monitor", "newswatch-digest", "newswatch-maintenance",
                   "newswatch-scrape", "newswatch-load-staged")
# Two missed beats and a half: one late heartbeat on a busy machine is not a death.
MISSED_BEATS = 2.5
_FINAL_EVENTS = ("Completed", "Failed", "Cancelled", "Crashed")


def crash_automation(heartbeat_seconds: int, flow_names: tuple[str, ...] = NEWSWATCH_FLOWS
                     ) -> Automation:
    """The automation for runs of `flow_names` (other projects on the same server are left
    alone) whose heartbeats come every `heartbeat_seconds`."""
    window = timedelta(seconds=round(heartbeat_seconds * MISSED_BEATS))
    return Automation(
        name=AUTOMATION_NAME,
        description=(f"A newswatch flow run with no heartbeat and no final state for "
                     f"{window.total_seconds():g} s lost its worker: mark it Crashed."),
        trigger=EventTrigger(
            # Armed by a heartbeat, or by the run starting: a run killed before its first
            # heartbeat reached the server has sent none, but the server saw it start.
            after={"prefect.flow-run.heartbeat", "prefect.flow-run.Running"},
            expect={"prefect.flow-run.heartbeat",
                    *(f"prefect.flow-run.{state}" for state in _FINAL_EVENTS)},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            match_related=ResourceSpecification({"prefect.resource.role": "flow",
                                                 "prefect.resource.name": list(flow_names)}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=window,
        ),
        actions=[ChangeFlowRunState(
            state=StateType.CRASHED, name="Crashed", force=False,
            message=(f"No heartbeat for {window.total_seconds():g} s: the worker running this "
                     "flow run stopped. The partition's next run scrapes its sources again."),
        )],
    )


async def ensure_crash_automation(heartbeat_seconds: int | None = None) -> Automation:
    """Create the automation, or bring the existing one (found by name) up to date."""
    beat = heartbeat_seconds or get_current_settings().flows.heartbeat_frequency or 180
    wanted = crash_automation(beat)
    async with get_client() as client:
        existing = await client.read_automations_by_name(AUTOMATION_NAME)
    if not existing:
        return await wanted.acreate()
    wanted.id = existing[0].id
    await wanted.aupdate()
    return wanted


def main(argv: list[str]) -> int:
    automation = asyncio.run(ensure_crash_automation())
    print(f"automation {automation.name!r} ({automation.id}): "
          f"{automation.description}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
