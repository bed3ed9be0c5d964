"""A Prefect server (on PostgreSQL when given its URL), a process work pool and named workers.

Every piece is a real process in its own session (demo/processes.py), so a test can SIGKILL
one worker's process group, flow-run subprocesses included, as a machine dying would.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from demo import processes
from flows.deploy import WORK_POOL

REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))


@dataclass
class PoolCluster:
    workdir: Path
    env: dict[str, str]
    logs: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return self.env["PREFECT_API_URL"]

    def start_server(self, database_url: str | None = None) -> None:
        port = processes.free_port()
        self.env["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
        env = dict(self.env)
        if database_url:
            env["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url  # only the server's
        log = self.logs / "server.log"
        self.procs["server"] = processes.start(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, log,
            cwd=REPO)
        processes.wait_http(f"{self.api_url}/health", self.procs["server"], log, timeout=180)
        subprocess.run([PREFECT, "work-pool", "create", WORK_POOL, "--type", "process"],
                       env=self.env, check=True, capture_output=True, cwd=REPO, timeout=60)

    def start_worker(self, name: str) -> None:
        # --limit 1: a worker busy with one run leaves the next to another worker.
        self.procs[name] = processes.start(
            [PREFECT, "worker", "start", "--pool", WORK_POOL, "--name", name, "--limit", "1"],
            self.env, self.logs / f"{name}.log", cwd=REPO)

    def kill(self, name: str, flow_run: UUID | None = None) -> None:
        """SIGKILL the worker's process group, and with `flow_run` that run's process too:
        Prefect starts each run in a session of its own, which outlives the worker's group
        (a machine losing power takes both)."""
        processes.kill(self.procs.pop(name))
        if flow_run is None:
            return
        for pid in _processes_of_run(flow_run):
            with contextlib.suppress(ProcessLookupError):
                group = os.getpgid(pid)
                if group != os.getpgrp():
                    os.killpg(group, signal.SIGKILL)   # the run's session and its children
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while (alive := _processes_of_run(flow_run)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive, f"flow run {flow_run}: processes {alive} survived SIGKILL"

    def stop(self) -> None:
        for name in reversed(list(self.procs)):
            processes.stop(self.procs.pop(name))

    def explain(self, runs: list[Any]) -> str:
        return "\n".join([str([(r.name, r.state.name) for r in runs])]
                         + [f"--- {p.name}\n{processes.tail(p)}"
                            for p in sorted(self.logs.iterdir())])

    def call(self, factory: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        """Run a Prefect client coroutine against this cluster's API."""
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: self.api_url}):
            return asyncio.run(factory())


def _processes_of_run(flow_run: UUID) -> list[int]:
    """The processes whose environment names `flow_run` (Prefect sets PREFECT__FLOW_RUN_ID)."""
    marker = f"PREFECT__FLOW_RUN_ID={flow_run}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
    return found


def cluster_env(tmp_path: Path, config: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSWATCH_"))}
    env.update({
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
        "NEWSWATCH_CONFIG_DIR": str(config),
        "NEWSWATCH_WAREHOUSE": str(tmp_path / "wh.duckdb"),
        "NEWSWATCH_STAGING_DIR": str(tmp_path / "staging"),
        "NEWSWATCH_FETCH_RETRIES": "0",
        "NEWSWATCH_FETCH_MIN_DELAY_SECONDS": "0",
        **extra,
    })
    return env


async def start_runs(names: list[str]) -> list[UUID]:
    from prefect.deployments import arun_deployment

    started = [await arun_deployment(name, timeout=0) for name in names]
    return [run.id for run in started]


async def wait_runs(ids: list[UUID], timeout: float,
                    done: Callable[[Any], bool] | None = None) -> list[Any]:
    """Poll the runs until each is final (or `done(run)` holds); their last reads."""
    from prefect.client.orchestration import get_client

    finished = done or (lambda r: r.state is not None and r.state.is_final())
    deadline = time.monotonic() + timeout
    async with get_client() as client:
        while True:
            runs = [await client.read_flow_run(i) for i in ids]
            if all(finished(r) for r in runs):
                return runs
            if time.monotonic() > deadline:
                states = {r.name: r.state.name if r.state else None for r in runs}
                raise TimeoutError(f"flow runs not done after {timeout:g} s: {states}")
            await asyncio.sleep(1)


async def run_and_wait(names: list[str], timeout: float) -> list[Any]:
    return await wait_runs(await start_runs(names), timeout)
