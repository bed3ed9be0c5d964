"""The throwaway PostgreSQL cluster: a real server on loopback, password only, gone after."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from demo import processes
from demo.postgres import PostgresCluster, PostgresUnavailable, postgres_bindir


def _version(cluster: PostgresCluster, password: str) -> str:
    import asyncpg

    async def ask() -> str:
        con = await asyncpg.connect(user="newswatch", password=password, host="127.0.0.1",
                                    port=cluster.port, database=cluster.database)
        try:
            return str(await con.fetchval("SELECT version()"))
        finally:
            await con.close()

    return asyncio.run(ask())


def test_a_cluster_starts_on_loopback_asks_for_its_password_and_is_removed() -> None:
    try:
        postgres_bindir()
    except PostgresUnavailable as missing:
        pytest.skip(str(missing))
    with PostgresCluster(database="probe") as cluster:
        root = cluster.root
        assert root is not None and root.is_dir()
        assert cluster.async_url().startswith("postgresql+asyncpg://newswatch:")
        assert cluster.async_url().endswith(f"@127.0.0.1:{cluster.port}/probe")
        assert _version(cluster, cluster.password).startswith("PostgreSQL ")
        with pytest.raises(Exception, match="password authentication failed"):
            _version(cluster, "not-the-password")
    assert not root.exists()
    cluster.stop()      # twice is fine


def test_no_binaries_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(PostgresUnavailable, match="apt-get install -y postgresql"):
        postgres_bindir(tmp_path)


def test_kill_takes_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = ("import subprocess, sys, time\n"
              "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
              f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
              "time.sleep(60)\n")
    proc = processes.start([sys.executable, "-c", script], {}, tmp_path / "log")
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, processes.tail(tmp_path / "log")
        time.sleep(0.1)
    child = int(pid_file.read_text())
    processes.kill(proc)
    assert proc.returncode == -9
    deadline = time.monotonic() + 10
    while subprocess.run(["ps", "-o", "stat=", "-p", str(child)], capture_output=True,
                         text=True).stdout.strip() not in ("", "Z"):
        assert time.monotonic() < deadline, "the grandchild outlived its group"
        time.sleep(0.1)
