"""The processes of `make scale-demo`, on one machine as they would be on several.

PostgreSQL (a throwaway cluster, demo/postgres.py), an S3-compatible server (moto's server
mode), a Prefect server on that PostgreSQL, and three `prefect worker start` processes: two
scrape workers and one loader worker, each with its own working directory, config copy and
PREFECT_HOME. The workers share no folder: only the Prefect API and the S3 bucket. Everything
started is registered on an ExitStack, so it stops on success, failure or Ctrl-C.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from demo import processes
from demo.mailbox import LoopbackMailbox
from demo.postgres import PostgresCluster
from demo.server import DemoNewsServer

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BUCKET = "newswatch-demo"
STAGING_URL = f"s3://{BUCKET}/staging"
SCRAPE_WORKERS = ("scraper-1", "scraper-2")
LOADER_WORKER = "loader"
LOADER_QUEUE = "loader"
# moto accepts any credentials; these name the demo, they guard nothing.
S3_KEY, S3_SECRET, S3_REGION = "scale-demo", "scale-demo-secret", "us-east-1"


@dataclass
class Stack:
    root: Path
    say: Callable[[str], None]
    exits: ExitStack
    api_url: str = ""
    s3_endpoint: str = ""
    sites: DemoNewsServer | None = None
    inbox: LoopbackMailbox | None = None
    workers: dict[str, Path] = field(default_factory=dict)     # name -> working directory

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def _process(self, name: str, args: list[str], env: dict[str, str], cwd: Path,
                 health: str | None = None) -> None:
        proc = processes.start(args, env, self.logs / f"{name}.log", cwd=cwd)
        self.exits.callback(processes.stop, proc)
        if health:
            processes.wait_http(health, proc, self.logs / f"{name}.log", timeout=180)

    def start_postgres(self) -> PostgresCluster:
        pg = self.exits.enter_context(PostgresCluster(database="prefect"))
        self.say(f"PostgreSQL {pg.bindir.parent.name} on 127.0.0.1:{pg.port} "
                 f"(cluster in {pg.root}, database prefect)")
        return pg

    def start_s3(self) -> None:
        port = processes.free_port()
        self.s3_endpoint = f"http://127.0.0.1:{port}"
        self._process("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                      _clean_env(), self.root, health=f"{self.s3_endpoint}/")
        # moto checks no signature: a plain PUT creates the bucket.
        httpx.put(f"{self.s3_endpoint}/{BUCKET}", timeout=10).raise_for_status()
        self.say(f"S3 (moto server) at {self.s3_endpoint}, staging at {STAGING_URL}")

    def start_prefect(self, pg: PostgresCluster) -> None:
        port = processes.free_port()
        self.api_url = f"http://127.0.0.1:{port}/api"
        home = self.root / "prefect-server"
        env = {**self._prefect_env(home),
               "PREFECT_API_DATABASE_CONNECTION_URL": pg.async_url()}   # the server's only
        self._process("prefect-server", [str(BIN / "prefect"), "server", "start", "--host",
                                         "127.0.0.1", "--port", str(port)],
                      env, home, health=f"{self.api_url}/health")
        subprocess.run([str(BIN / "prefect"), "work-pool", "create", "newswatch-pool",
                        "--type", "process"], env=self._prefect_env(home), check=True,
                       capture_output=True, cwd=home, timeout=60)
        self.say(f"Prefect server at {self.api_url}, its database postgresql://127.0.0.1:"
                 f"{pg.port}/prefect; work pool newswatch-pool")

    def start_sites(self) -> None:
        self.sites = self.exits.enter_context(DemoNewsServer())
        self.inbox = self.exits.enter_context(LoopbackMailbox())
        self.say(f"Demo news sites at {self.sites.base_url} ({len(self.sites.sites())} sites);"
                 f" SMTP inbox on 127.0.0.1:{self.inbox.port}")

    def start_workers(self) -> None:
        for name in (*SCRAPE_WORKERS, LOADER_WORKER):
            home = self.root / name
            self.workers[name] = home
            queue = LOADER_QUEUE if name == LOADER_WORKER else "default"
            args = [str(BIN / "prefect"), "worker", "start", "--pool", "newswatch-pool",
                    "--work-queue", queue, "--name", name, "--limit", "1"]
            self._process(name, args, self._worker_env(name, home), home)
            self.say(f"worker {name}: queue {queue}, working directory {home}")

    def _prefect_env(self, home: Path) -> dict[str, str]:
        home.mkdir(parents=True, exist_ok=True)
        return {**_clean_env(), "PREFECT_API_URL": self.api_url,
                "PREFECT_HOME": str(home / ".prefect"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false",
                "PREFECT_LOGGING_LEVEL": "INFO", "PREFECT_WORKER_QUERY_SECONDS": "1",
                "PREFECT_WORKER_PREFETCH_SECONDS": "1"}

    def _worker_env(self, name: str, home: Path) -> dict[str, str]:
        assert self.sites is not None and self.inbox is not None
        config = write_demo_config(home / "config", self.sites, REPO / "config" / "rules",
                                   REPO / "config" / "channels.yaml")
        env = {**self._prefect_env(home),
               "NEWSWATCH_CONFIG_DIR": str(config),
               "NEWSWATCH_WAREHOUSE": str(home / "newswatch.duckdb"),
               "NEWSWATCH_STAGING_URL": STAGING_URL,
               "NEWSWATCH_FETCH_RETRIES": "1",
               # Every demo site is one host, 127.0.0.1: a short delay between requests.
               "NEWSWATCH_FETCH_MIN_DELAY_SECONDS": "0.02",
               "AWS_ENDPOINT_URL": self.s3_endpoint, "AWS_REGION": S3_REGION,
               "AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET,
               "AWS_EC2_METADATA_DISABLED": "true"}
        if name == LOADER_WORKER:      # only the loader sends mail
            env[DEMO_EMAIL_ENV] = self.inbox.apprise_url()
        return env


def _clean_env() -> dict[str, str]:
    """The caller's environment without its Prefect, newswatch or AWS settings: the demo
    must not reach a real Prefect API or bucket by accident."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("PREFECT_", "NEWSWATCH_", "AWS_"))}
