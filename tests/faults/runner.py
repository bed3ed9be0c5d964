"""Running one scenario: set up, run (twice when the fault heals), check what was recorded,
count what was lost or duplicated, measure the memory it took."""

from __future__ import annotations

import logging
import resource
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from demo.clock import ADVANCE_HOURS
from demo.server import DemoNewsServer
from tests.faults.hostile_web import FaultMailbox, SlackStandIn, route_slack_to
from tests.faults.scenarios import RETRY_AT, SCENARIOS, Recorded, Scenario
from tests.faults.world import EMAIL_ENV, SLACK_ENV, SLACK_URL, Ledger, RunResult, World
from tests.scrapers.hostile_server import HostileServer

# Peak RSS may grow by at most this much in one scenario (bodies are capped at 5 MB; the
# worst legitimate case is a 10,000-item feed parsed whole).
RSS_BOUND_MB = 100


@dataclass
class Row:
    name: str
    outcome: str
    ledger: Ledger
    rss_mb: float | None
    seconds: float
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        ledger = self.ledger
        return ledger.healthy_alert and not self.problems and not (
            ledger.articles_lost or ledger.duplicate_articles or ledger.alerts_lost
            or ledger.duplicate_alerts)


def run_scenario(scenario: Scenario, demo: DemoNewsServer) -> Row:
    started = time.monotonic()
    rss_before = _peak_rss_mb()
    with tempfile.TemporaryDirectory(prefix="newswatch-fault-") as tmp, \
            HostileServer() as hostile, SlackStandIn() as slack:
        mail = FaultMailbox().up()
        route_slack_to(slack.base_url)
        world = World(Path(tmp), demo, hostile, mail, slack)
        try:
            scenario.setup(world)
            now = datetime.now(UTC)
            first = (scenario.first_run or World.run)(world, now)
            problems = _first_run_problems(scenario, world, first)
            if scenario.heal is not None:
                _heal(world)
                scenario.heal(world)
                second = world.run(now + RETRY_AT)
                if second.error:
                    problems.append(f"run 2 stopped: {second.error}")
            if scenario.check is not None:
                problems += scenario.check(world)
            ledger = world.ledger()
        finally:
            world.stack.close()
            mail.down()
    children = any(r.killed for r in world.runs) or scenario.first_run is not None
    rss = _peak_rss_mb() - rss_before
    if rss > RSS_BOUND_MB:
        problems.append(f"peak RSS grew by {rss:.0f} MB (bound {RSS_BOUND_MB} MB)")
    outcome = _outcome(scenario, world, problems)
    return Row(scenario.name, outcome, ledger, None if children and rss == 0 else rss,
               time.monotonic() - started, problems)


def _heal(world: World) -> None:
    world.phase = 2
    world.mail.handler.refuse_with = None
    world.mail.up()
    world.slack.status = 200
    world.env.update({EMAIL_ENV: world.mail.url(), SLACK_ENV: SLACK_URL})


def _first_run_problems(scenario: Scenario, world: World, run: RunResult) -> list[str]:
    problems = []
    if scenario.stops:
        if not (run.killed or run.error):
            problems.append("run 1 was meant to stop and did not")
    elif run.error:
        problems.append(f"run 1 stopped: {run.error}")
    for want in scenario.recorded:
        problems += _missing(want, world, run)
    return problems


def _missing(want: Recorded, world: World, run: RunResult) -> list[str]:
    s = run.summary
    if want.kind == "raised":
        return [] if run.error and want.text in run.error else [
            f"run 1 should have stopped with {want.text!r}, got {run.error!r}"]
    if s is None:
        return [f"no run summary to find {want.kind} {want.text!r} in"]
    if want.kind == "fetch":
        [(n,)] = world.rows("SELECT count(*) FROM fetches WHERE outcome = 'error' AND "
                            "error_class = ? AND length(message) > 10", [want.text])
        in_summary = any(e.startswith(f"{want.text}: ") for src in s.sources for e in src.errors)
        [(run_errors,)] = world.rows("SELECT coalesce(max(errors), 0) FROM runs "
                                     "WHERE run_id = ?", [s.run_id])
        out = []
        if not n:
            out.append(f"no {want.text} error with a message in fetches")
        if not in_summary:
            out.append(f"no {want.text} error in the run summary")
        if not run_errors:
            out.append("the runs table counts no error for run 1")
        return out
    if want.kind == "delivery":
        [(n,)] = world.rows("SELECT count(*) FROM deliveries WHERE last_error LIKE ?",
                            [f"%{want.text}%"])
        out = [] if n else [f"no delivery with last_error like {want.text!r}"]
        if not any(want.text in f for f in s.delivery_failures):
            out.append(f"no delivery failure with {want.text!r} in the run summary")
        return out
    if want.kind == "config":
        return [] if any(want.text in p for p in s.config_problems) else [
            f"no config problem with {want.text!r} in the run summary"]
    raise ValueError(f"unknown kind {want.kind}")


def _outcome(scenario: Scenario, world: World, problems: list[str]) -> str:
    if problems:
        return "FAIL: " + "; ".join(problems)[:300]
    first = world.runs[0]
    if first.killed:
        text = "killed"
    elif first.error:
        text = f"stopped ({first.error[:40]})"
    elif first.summary is not None and first.summary.deferred:
        held = sum(1 for r in world.runs if r.summary is not None and r.summary.deferred)
        text = f"deferred {held} runs, kept their batches"
    else:
        text = "finished"
    if scenario.recorded:
        text += ", recorded " + ", ".join(r.text for r in scenario.recorded)
    if scenario.heal is not None:
        text += "; rerun delivered the rest"
    return text


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


JOBS_ENV = "NEWSWATCH_FAULTS_JOBS"   # worker processes; default: one per CPU, at most 2
_demo: DemoNewsServer | None = None


def start_worker() -> None:
    """Each worker process has its own demo web (the healthy sources) for all its scenarios."""
    global _demo
    # Apprise logs each refused message; the suite provokes many. Its own capture still
    # sees them (the delivery errors quote it); the console does not.
    apprise_log = logging.getLogger("apprise")
    apprise_log.propagate = False
    apprise_log.addHandler(logging.NullHandler())
    _demo = DemoNewsServer().__enter__()
    _demo.clock.advance(ADVANCE_HOURS)
    _warm_up()


def _warm_up() -> None:
    """One control scenario, not reported: the libraries' start-up (parsers, DuckDB, Apprise)
    then counts for no scenario, and each scenario's memory growth is its own."""
    assert _demo is not None
    run_scenario(SCENARIOS[0], _demo)
    route_slack_to(None)


def run_named(name: str) -> Row:
    assert _demo is not None
    try:
        return run_scenario(next(s for s in SCENARIOS if s.name == name), _demo)
    finally:
        route_slack_to(None)
