"""`make scale-demo`: the work pool on one machine, with every part of a multi-machine setup.

Starts PostgreSQL, an S3 server, a Prefect server on PostgreSQL, two scrape workers and one
loader worker (cli/scale_stack.py) and the demo news sites; deploys two scrape partitions and
the loader; runs two rounds (the sites' clock moves on between them); prints which worker ran
what, the batches in S3, the articles and the alerts; checks that every article is stored once
and every alert mailed once. Exits 0 when every check holds, 1 otherwise; everything it started
is stopped either way (Ctrl-C and SIGTERM included).

    python -m cli.scale_demo [--keep-logs DIR]
"""

from __future__ import annotations

import io
import shutil
import signal
import sys
import tempfile
import time
from contextlib import ExitStack, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from cli.scale_stack import (
    LOADER_QUEUE,
    LOADER_WORKER,
    S3_KEY,
    S3_REGION,
    S3_SECRET,
    SCRAPE_WORKERS,
    STAGING_URL,
    Stack,
)
from demo.articles import ARTICLES
from demo.clock import ADVANCE_HOURS
from warehouse.queries import run_query
from warehouse.staging_store import LOADED_DIR, S3Options, S3Store

RUN_TIMEOUT = 180.0
PARTITIONS = 2


@dataclass(frozen=True)
class Ran:
    deployment: str
    run_id: str
    worker: str
    state: str


def say(text: str) -> None:
    print(text, flush=True)


def _run_deployments(api: str, deployments: dict[str, str]) -> list[Ran]:
    """Start one flow run per deployment (name -> id) over the REST API, wait for all."""
    with httpx.Client(base_url=api, timeout=30) as http:
        started = {}
        for name, deployment_id in deployments.items():
            reply = http.post(f"/deployments/{deployment_id}/create_flow_run", json={})
            reply.raise_for_status()
            started[name] = reply.json()["id"]
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            runs = {name: http.get(f"/flow_runs/{run_id}").json()
                    for name, run_id in started.items()}
            if all(r["state"]["type"] in _FINAL for r in runs.values()):
                return [Ran(name, r["id"], (r.get("labels") or {}).get("prefect.worker.name",
                                                                      "?"), r["state"]["name"])
                        for name, r in runs.items()]
            if time.monotonic() > deadline:
                states = {n: r["state"]["name"] for n, r in runs.items()}
                raise TimeoutError(f"flow runs not finished after {RUN_TIMEOUT:g} s: {states}")
            time.sleep(1)


_FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _s3_listing(stack: Stack) -> tuple[list[str], list[str]]:
    """The batch objects waiting in S3, and those under loaded/."""
    options = S3Options(stack.s3_endpoint, S3_REGION, S3_KEY, S3_SECRET)
    pending = S3Store(STAGING_URL, options).names()
    loaded = S3Store(f"{STAGING_URL}/{LOADED_DIR}", options).names()
    return ([n for _, n in sorted(pending) if n.startswith("batch-")],
            [n for _, n in sorted(loaded) if n.startswith("batch-")])


def _query(stack: Stack, sql: str) -> list[tuple[Any, ...]]:
    return run_query(stack.workers[LOADER_WORKER] / "newswatch.duckdb", sql).rows


def _round(stack: Stack, number: int, scrapers: dict[str, str], loader: dict[str, str],
           ran: list[Ran]) -> list[str]:
    problems: list[str] = []
    say(f"\n== Round {number}: two scrape partitions, then the loader")
    scraped = _run_deployments(stack.api_url, scrapers)
    for r in scraped:
        say(f"  {r.deployment:<34} ran on {r.worker:<10} {r.state}")
    pending, _ = _s3_listing(stack)
    say(f"  batches in {STAGING_URL}: " + (", ".join(pending) or "none"))
    [load] = _run_deployments(stack.api_url, loader)
    say(f"  {load.deployment:<34} ran on {load.worker:<10} {load.state}")
    ran += [*scraped, load]
    problems += [f"{r.deployment} ({r.run_id}) ended {r.state}" for r in [*scraped, load]
                 if r.state != "Completed"]
    pending, loaded = _s3_listing(stack)
    say(f"  after the load: {len(pending)} batches waiting, {len(loaded)} under "
        f"{STAGING_URL}/{LOADED_DIR}/")
    if pending:
        problems.append(f"round {number}: batches left unloaded in S3: {pending}")
    return problems


def _report(stack: Stack, ran: list[Ran]) -> list[str]:
    assert stack.sites is not None and stack.inbox is not None
    problems: list[str] = []
    workers = {r.run_id: r.worker for r in ran}
    say("\n== The ledger (one row per batch loaded)")
    for batch, articles, new in _query(stack, "SELECT batch_id, articles, articles_new FROM "
                                              "staged_batches ORDER BY loaded_at, batch_id"):
        say(f"  batch-{batch}.parquet  scraped by {workers.get(batch, '?'):<10} "
            f"{articles:>3} articles, {new:>3} new")
    urls = [u for (u,) in _query(stack, "SELECT url FROM articles")]
    visible = [a for a in ARTICLES if a.published_at <= stack.sites.clock.now()]
    expected = {f"{stack.sites.base_url}/{a.site}/{a.path}" for a in visible}
    say(f"\n== Articles: {len(urls)} stored, {len(set(urls))} distinct; "
        f"{len(expected)} published on the sites")
    for source, count in _query(stack, "SELECT source_id, count(*) FROM articles "
                                       "GROUP BY 1 ORDER BY 1"):
        say(f"  {source:<24} {count:>3}")
    if len(urls) != len(set(urls)) or set(urls) != expected:
        problems.append(f"articles: {len(urls)} rows, {len(set(urls))} distinct, expected "
                        f"{len(expected)} (missing {sorted(expected - set(urls))[:3]})")
    alerts = _query(stack, "SELECT a.rule_id, a.severity, d.channel, d.status, v.title FROM "
                           "alerts a JOIN deliveries d USING (alert_id) JOIN articles v "
                           "USING (article_id) ORDER BY a.created_at, a.rule_id")
    [(raised,)] = _query(stack, "SELECT count(*) FROM alerts")
    say(f"\n== Alerts: {raised} raised, {len(alerts)} deliveries, "
        f"{len(stack.inbox.received)} emails received")
    for rule, severity, channel, status, title in alerts:
        say(f"  {rule:<28} {severity:<8} {channel:<8} {status:<6} {title[:60]}")
    sent = [a for a in alerts if a[3] == "sent"]
    if not alerts or not raised == len(sent) == len(alerts) == len(stack.inbox.received):
        problems.append(f"alerts: {raised} raised, {len(alerts)} deliveries, {len(sent)} sent, "
                        f"{len(stack.inbox.received)} emails (each alert must be mailed once)")
    scrapers_used = {r.worker for r in ran if r.deployment.startswith("newswatch-scrape/")}
    if scrapers_used != set(SCRAPE_WORKERS):
        problems.append(f"scrape runs landed on {sorted(scrapers_used)}, not on both workers")
    return problems


def run(root: Path) -> list[str]:
    with ExitStack() as exits:
        stack = Stack(root, say, exits)
        stack.start_sites()
        pg = stack.start_postgres()
        stack.start_s3()
        stack.start_prefect(pg)
        stack.start_workers()
        from flows.deploy import deploy

        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            # Prefect's tables and tips per deployment; the one line below says it all.
            deployed = deploy(partitions=PARTITIONS, loader_queue=LOADER_QUEUE,
                              api_url=stack.api_url)
        scrapers = {name: str(i) for name, i in sorted(deployed.scrapers.items())}
        loader = {deployed.loader: str(deployed.loader_id)}
        say(f"Deployed {', '.join([*scrapers, deployed.loader])}")
        ran: list[Ran] = []
        problems = _round(stack, 1, scrapers, loader, ran)
        assert stack.sites is not None
        stack.sites.clock.advance(ADVANCE_HOURS)
        say(f"\nAdvanced the sites' clock by {ADVANCE_HOURS:g} h")
        problems += _round(stack, 2, scrapers, loader, ran)
        problems += _report(stack, ran)
        say("\nStopping the workers, the Prefect server, S3, PostgreSQL and the sites")
    return problems


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")    # unwinds the ExitStack like Ctrl-C


def main(argv: list[str]) -> int:
    keep = Path(argv[argv.index("--keep-logs") + 1]) if "--keep-logs" in argv else None
    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="newswatch-scale-"))
    problems = ["interrupted"]
    try:
        problems = run(root)
    except KeyboardInterrupt:
        say("Interrupted: everything started was stopped and removed")
        problems = []
        return 130
    except Exception as exc:
        say(f"scale-demo failed: {type(exc).__name__}: {exc}")
        problems = [str(exc)]
    finally:
        if keep:
            shutil.copytree(root / "logs", keep, dirs_exist_ok=True)
        if problems and not keep:
            say(f"The processes' logs are kept in {root / 'logs'}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    took = time.monotonic() - started
    if problems:
        say(f"\nFAILED after {took:.0f} s:\n" + "\n".join(f"  - {p}" for p in problems))
        return 1
    say(f"\nOK in {took:.0f} s: every article stored once, every alert mailed once")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
