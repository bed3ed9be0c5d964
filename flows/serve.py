"""`newswatch serve`: every schedule from one long-lived process, with Prefect's runner.

One deployment per schedule group of sources (core/schedules.py), plus the digest flow (every
`digest_interval`) and the maintenance flow (`maintenance_cron`). The deployments carry only
JSON parameters the API stores as they are: the source ids and a run label. Each run reads its
Settings (config folder, warehouse, secrets' variable names...) from the NEWSWATCH_*
environment of the serving process, which the runs inherit: paths and secrets never go into
the Prefect database, and changing a setting needs no new deployment, only a restart.

The Prefect API: PREFECT_API_URL when set (a Prefect server or Cloud). Otherwise a local
Prefect server is started for the life of the process, because Prefect's ephemeral
(in-process) API runs no scheduler service, so served schedules would never fire on it.

Stopping (SIGTERM from `kill`, Docker or systemd; Ctrl-C): the runner cancels the runs in
flight and pauses the schedules, then the local server is stopped, in that order. The server
runs in a session of its own, so a signal sent to serve's whole process group does not take
it away while the runner still needs it (a runner whose API vanished retried for minutes),
and it dies with serve all the same (PR_SET_PDEATHSIG). Whatever the API does, serve is gone
STOP_SECONDS after the first SIGTERM, with the processes it started.

    python -m flows.serve        (the same as `newswatch serve`)
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.exceptions import TerminationSignal
from prefect.runner import Runner

from core.schedules import Schedule, group_sources, parse_interval
from core.settings import Settings
from flows.digest import digest_flow
from flows.dispatch import sync_result
from flows.maintenance import maintenance_flow
from flows.monitor import monitor_flow
from flows.unresponsive import AUTOMATION_NAME, ensure_crash_automation
from pipeline.config import Config, load_config

MAX_NAMED_SOURCES = 6
# Stopping: the local server has SERVER_STOP_SECONDS after the runner is done before it is
# killed, and serve is gone STOP_SECONDS after the first SIGTERM whatever happens.
SERVER_STOP_SECONDS = 5.0
STOP_SECONDS = 12.0


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
        return [IntervalSchedule(interval=schedule.interval, anchor_date=ANCHOR, timezone="UTC")]
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
    """A `prefect server start` subprocess on 127.0.0.1; yields its API URL, stops it after.

    The server has a session of its own (a signal to our process group is not for it: we stop
    it once nothing needs it) and, on Linux, is told to stop when the thread that started it
    dies, so that it never outlives us."""
    port = port or free_port()
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    if home is not None:
        env["PREFECT_HOME"] = str(home)
    out: IO[bytes] | int = log.open("ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
        start_new_session=True, preexec_fn=_die_with_parent())
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        wait_healthy(api_url, process)
        yield api_url
    finally:
        _stop(process, SERVER_STOP_SECONDS)
        if not isinstance(out, int):
            out.close()


def _stop(process: subprocess.Popen[bytes], grace: float) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that has Linux send the child SIGTERM when its parent thread ends, even
    by SIGKILL (PR_SET_PDEATHSIG); None on other systems."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def arm() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM))
    return arm


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
    """Serve until stopped: SIGTERM or Ctrl-C cancels the runs in flight, pauses the
    schedules, stops the local server and returns (module docstring)."""
    settings = settings or Settings()
    config = load_config(settings.config_dir)
    for problem in config.problems:
        echo(f"config problem (skipped, the rest runs): {problem}")
    deployments = build_deployments(settings, config)
    main = threading.current_thread() is threading.main_thread()
    # Until the runner takes SIGTERM over: leave through the `finally` that stops the local
    # server (which takes 10-20 s to start; SIGTERM's default action would skip it).
    previous = signal.signal(signal.SIGTERM, _leave) if main else None
    try:
        with prefect_api() as api_url:
            echo(f"Prefect API: {api_url}")
            _watch_for_dead_runs(echo)
            runner = _Runner(limit=limit)
            for deployment in deployments:
                runner.add_deployment(deployment)
                echo(f"serving {deployment.flow_name}: {deployment.name}")
            with suppress(KeyboardInterrupt, TerminationSignal):
                asyncio.run(runner.start())
            echo("runner stopped: runs in flight cancelled, schedules paused")
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
    echo("newswatch serve stopped")


def _watch_for_dead_runs(echo: Callable[[str], object]) -> None:
    """The automation that marks a run Crashed once its heartbeats stop (this process
    killed mid-run). Serving goes on without it, saying so."""
    try:
        asyncio.run(ensure_crash_automation())
    except Exception as exc:   # an API without automations must not stop the schedules
        echo(f"could not create the automation {AUTOMATION_NAME!r} ({type(exc).__name__}: "
             f"{exc}): runs of a newswatch serve that dies stay Running until cancelled")


def _leave(signum: int, frame: object) -> None:
    raise SystemExit(0)


class _Runner(Runner):
    """Prefect's runner, with a deadline on stopping once SIGTERM has come."""

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        if not getattr(self, "_deadline_armed", False):
            self._deadline_armed = True
            timer = threading.Timer(STOP_SECONDS, _stop_now)
            timer.daemon = True
            timer.start()
            quiet = _OneLineErrors()
            for handler in logging.getLogger().handlers:
                handler.addFilter(quiet)
        super().handle_sigterm(*args, **kwargs)


class _OneLineErrors(logging.Filter):
    """Once serve is stopping, Prefect's complaints that its API has gone (when systemd
    signals every process of the service, the server stops at the same moment) come as one
    line each rather than as tracebacks: they are expected, and nothing is lost by them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.name.startswith("prefect"):
            exc = record.exc_info[1]
            record.msg, record.args = f"{record.getMessage()} ({type(exc).__name__}: {exc})", None
            record.exc_info, record.exc_text = None, None
        return True


def _stop_now() -> None:
    """Still running STOP_SECONDS after SIGTERM (the runner waiting on an API that has gone,
    say): kill what we started and exit, as asked."""
    children = _child_pids()
    sys.stderr.write(f"\nnewswatch serve: not stopped {STOP_SECONDS:g} s after SIGTERM (is the "
                     f"Prefect API answering?); killing {len(children)} child process(es) "
                     "and exiting. Under systemd, KillMode=mixed lets the local Prefect server "
                     "outlive the runner that needs it (docs/running.md).\n")
    sys.stderr.flush()
    for pid in children:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    os._exit(0)


def _child_pids() -> list[int]:
    """This process's children, from /proc (empty where there is none)."""
    me, found = os.getpid(), []
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (command) state ppid ...": the command may hold spaces and parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            found.append(int(entry.name))
    return found


if __name__ == "__main__":
    serve()
