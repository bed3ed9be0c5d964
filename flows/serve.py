"""`newswatch serve`: every schedule from one long-lived process, with Prefect's `serve`.

One deployment per schedule group of sources (core/schedules.py), plus the digest flow (every
`digest_interval`) and the maintenance flow (`maintenance_cron`). The deployments carry only
JSON parameters the API stores as they are: the source ids and a run label. Each run reads its
Settings (config folder, warehouse, secrets' variable names...) from the NEWSWATCH_*
environment of the serving process, which the runs inherit: paths and secrets never go into
the Prefect database, and changing a setting needs no new deployment, only a restart.

The Prefect API: PREFECT_API_URL when set (a Prefect server or Cloud). Otherwise a local
Prefect server is started for the life of the process, because Prefect's ephemeral
(in-process) API runs no scheduler service, so served schedules would never fire on it.

    python -m flows.serve        (the same as `newswatch serve`)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.deployments.runner import EntrypointType, RunnerDeployment

from core.schedules import Schedule, group_sources, parse_interval
from core.settings import Settings
from flows.digest import digest_flow
from flows.dispatch import sync_result
from flows.maintenance import maintenance_flow
from flows.monitor import monitor_flow
from pipeline.config import Config, load_config

MAX_NAMED_SOURCES = 6


def _name(text: str) -> str:
    # Prefect refuses / % & > < in names; crons use "/" for steps ("*/15"): a look-alike.
    for banned, shown in (("/", "\u2215"), ("%", " pct "), ("&", "+"), (">", "\u203a"),
                          ("<", "\u2039")):
        text = text.replace(banned, shown)
    return text


def monitor_deployment_name(schedule: Schedule, source_ids: list[str]) -> str:
    """E.g. "monitor every 15m: bbc-world, guardian-world"."""
    shown = ", ".join(source_ids[:MAX_NAMED_SOURCES])
    if len(source_ids) > MAX_NAMED_SOURCES:
        shown += f" +{len(source_ids) - MAX_NAMED_SOURCES} more"
    return _name(f"monitor {schedule.label}: {shown}")


# Intervals count from midnight UTC, so "every 15m" runs at :00, :15, :30 and :45 whenever
# serve was started (Prefect's default anchor is the moment the deployment is created).
ANCHOR = datetime(2024, 1, 1, tzinfo=UTC)


def _when(schedule: Schedule) -> list[IntervalSchedule | CronSchedule]:
    if schedule.interval is not None:
        return [IntervalSchedule(interval=schedule.interval, anchor_date=ANCHOR,
                                 timezone="UTC")]
    return [CronSchedule(cron=schedule.cron or "", timezone="UTC")]


def build_deployments(settings: Settings, config: Config) -> list[RunnerDeployment]:
    deployments = []
    for schedule, ids in group_sources(config.sources, settings.default_interval):
        deployments.append(sync_result(monitor_flow.to_deployment(
            name=monitor_deployment_name(schedule, ids), schedules=_when(schedule),
            parameters={"source_ids": ids, "run_label": schedule.label},
            description=f"Scrape {', '.join(ids)} {schedule.label} (UTC), load, evaluate "
                        "rules, send alerts.",
            tags=["newswatch", "monitor"], entrypoint_type=EntrypointType.MODULE_PATH),
            "Flow.to_deployment"))
    digest_every = Schedule(interval=parse_interval(settings.digest_interval))
    deployments.append(sync_result(digest_flow.to_deployment(
        name=f"digest {digest_every.label}", schedules=_when(digest_every),
        parameters={"run_label": digest_every.label},
        description="Send the digests that are due.", tags=["newswatch", "digest"],
        entrypoint_type=EntrypointType.MODULE_PATH), "Flow.to_deployment"))
    deployments.append(sync_result(maintenance_flow.to_deployment(
        name=_name(f"maintenance cron {settings.maintenance_cron}"),
        schedules=_when(Schedule(cron=settings.maintenance_cron)),
        parameters={"run_label": "scheduled"},
        description="Prune (if retention_days is set) and CHECKPOINT the warehouse.",
        tags=["newswatch", "maintenance"], entrypoint_type=EntrypointType.MODULE_PATH),
        "Flow.to_deployment"))
    return deployments


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(api_url: str, process: subprocess.Popen[bytes] | None = None,
                 timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"the Prefect server at {api_url} did not answer in {timeout:g} s")


@contextmanager
def local_server(port: int | None = None, home: Path | None = None,
                 log: Path | None = None) -> Iterator[str]:
    """A `prefect server start` subprocess on 127.0.0.1; yields its API URL, stops it after."""
    port = port or free_port()
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    if home is not None:
        env["PREFECT_HOME"] = str(home)
    out = log.open("ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        wait_healthy(api_url, process)
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if not isinstance(out, int):   # a log file of ours (DEVNULL is an int)
            out.close()


@contextmanager
def prefect_api() -> Iterator[str]:
    """PREFECT_API_URL if set, else a local server for as long as we serve."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    configured = PREFECT_API_URL.value()
    if configured:
        yield configured
        return
    with local_server(port=4200 if _port_free(4200) else None) as api_url:
        os.environ["PREFECT_API_URL"] = api_url   # for the runs' subprocesses
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            yield api_url


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def serve(settings: Settings | None = None, *, limit: int | None = None,
          echo: Callable[[str], object] = print) -> None:
    """Serve until interrupted (Ctrl-C / SIGTERM pauses the schedules and exits)."""
    from prefect import serve as prefect_serve

    settings = settings or Settings()
    config = load_config(settings.config_dir)
    for problem in config.problems:
        echo(f"config problem (skipped, the rest runs): {problem}")
    deployments = build_deployments(settings, config)
    with prefect_api() as api_url:
        echo(f"Prefect API: {api_url}")
        prefect_serve(*deployments, limit=limit)


if __name__ == "__main__":
    serve()
