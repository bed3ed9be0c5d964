"""`newswatch serve` stops on SIGTERM: promptly, with status 0, without a traceback, and
without leaving its local Prefect server (or a run) behind.

The real CLI in a subprocess, as a new user runs it (no PREFECT_API_URL, so it starts its own
Prefect server), against the demo sites every minute. Once a run has completed, SIGTERM goes
to serve's whole process group, as `kill -- -PGID` or a terminal sends it, or to every process
serve started as well, as systemd does by default (KillMode=control-group): the server then
stops at the same moment as the runner that still needs it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer

REPO = Path(__file__).resolve().parents[2]
FIRST_RUN_DONE = "Flow run 'monitor every 1m' - Finished in state Completed()"


def _config(tmp_path: Path, server: DemoNewsServer) -> Path:
    config = write_demo_config(tmp_path / "config", server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    (config / "rules" / "summits.yaml").unlink()   # the one ceasefire alert is counted
    path = config / "sources.yaml"
    data = yaml.safe_load(path.read_text())
    for source in data["sources"]:
        source["interval"] = "1m"
    path.write_text(yaml.safe_dump(data))
    return config


def _children(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid`, with their command lines (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = command
    return found


def _alive(pid: int) -> bool:
    """Running, not just a zombie waiting for init to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for_first_run(serve: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        assert serve.poll() is None, f"serve exited early:\n{text}"
        if FIRST_RUN_DONE in text:
            return
        time.sleep(1)
    pytest.fail(f"no monitor run completed within 300 s:\n{log.read_text(errors='replace')}")


@pytest.mark.e2e
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
@pytest.mark.parametrize("target", ["process group", "every process"])
def test_serve_stops_on_sigterm(demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
                                tmp_path: Path, target: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_RUNNER_POLL_FREQUENCY": "1", "PREFECT_LOGGING_LEVEL": "INFO",
           "NEWSWATCH_CONFIG_DIR": str(_config(tmp_path, demo_server)),
           "NEWSWATCH_WAREHOUSE": str(tmp_path / "wh.duckdb"), "NEWSWATCH_FETCH_RETRIES": "0",
           "NEWSWATCH_DIGEST_INTERVAL": "1d", DEMO_EMAIL_ENV: mailbox.apprise_url()}
    env.pop("PREFECT_API_URL", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen([sys.executable, "-m", "cli.app", "serve"], cwd=tmp_path,
                                 env=env, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)   # its own group, to signal
        try:
            _wait_for_first_run(serve, log)
            started = _children(serve.pid)
            servers = [p for p, c in started.items() if "prefect server start" in c]
            assert len(servers) == 1, started
            os.killpg(serve.pid, signal.SIGTERM)
            if target == "every process":
                for pid in servers:
                    os.kill(pid, signal.SIGTERM)
            sent = time.monotonic()
            code = serve.wait(timeout=15)
            took = time.monotonic() - sent
        finally:
            if serve.poll() is None:
                os.killpg(serve.pid, signal.SIGKILL)
                serve.wait()
    text = log.read_text(errors="replace")
    assert code == 0, text
    assert took < 15
    assert "Traceback" not in text, text
    assert "SIGTERM received" in text
    left = [f"{pid}: {command}" for pid, command in started.items() if _alive(pid)]
    assert not left, f"still running after serve exited: {left}"
    assert len(mailbox.received) == 1   # the first run's one ceasefire alert, once
