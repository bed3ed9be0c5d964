"""Server and worker processes for the multi-process demos and tests, each in its own session.

A process started here leads its own process group, so `stop` reaches it and every child it
started (a Prefect worker's flow-run subprocesses, the Prefect server's API workers), and
`kill` takes the whole group down at once, as a machine losing power would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(args: list[str], env: dict[str, str], log: Path,
          cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """Start `args` in a new session, output (both streams) appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
                                start_new_session=True)


def stop(proc: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after `grace` seconds."""
    if proc.poll() is not None:
        _reap_group(proc.pid)
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    _reap_group(proc.pid)
    proc.wait(timeout=5)


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and every process of its group, with no chance to clean up."""
    _reap_group(proc.pid)
    proc.wait(timeout=10)


def _reap_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):   # the group may be gone already
        os.killpg(pgid, signal.SIGKILL)


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120.0) -> None:
    """Wait until `url` answers 200; fail early, with the log's tail, if `proc` exits."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited ({proc.returncode}) before {url} "
                               f"answered; its log {log}:\n{tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:g} s; the log {log}:\n"
                               f"{tail(log)}")
        time.sleep(0.5)


def tail(path: Path, lines: int = 40) -> str:
    text = path.read_text("utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])
