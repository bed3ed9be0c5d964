"""One scenario's world: the demo news sites (healthy sources), a hostile site, an SMTP server,
a Slack stand-in, a config folder and a DuckDB file; runs of the real monitor steps; and the
ledger of what was lost or duplicated, computed from the warehouse and the receivers.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections import Counter
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml

from core.crash_points import CRASH_AT_ENV
from core.settings import Settings
from demo.catalog import visible_articles
from demo.server import DemoNewsServer
from pipeline.runner import run_plain
from pipeline.summary import RunSummary
from tests.faults.hostile_web import FaultMailbox, Page, SlackStandIn, html_part
from tests.scrapers.hostile_server import HostileServer

REPO = Path(__file__).resolve().parents[2]
EMAIL_ENV, SLACK_ENV = "NEWSWATCH_EMAIL_URL", "NEWSWATCH_SLACK_URL"
SLACK_URL = "slack://T0FAULTS1/B0FAULTS1/f4ultSu1teW3bh00kT0ken42"
SLACK_PATH = "/services/T0FAULTS1/"   # desk-slack's posts; other webhooks are not alerts
SLACK_BASE_ENV = "NEWSWATCH_FAULTS_SLACK_BASE"   # read by tests/faults/child.py
CHANNELS = ("desk-email", "desk-slack")
TERMS = ("Corvania", "Estmark", "Serin Valley")
_TERM = re.compile("|".join(re.escape(t) for t in TERMS), re.IGNORECASE)
RUN_TIMEOUT = 120.0


def settings_for(config_dir: Path, warehouse: Path, **overrides: Any) -> Settings:
    # Short timeouts and one quick in-run retry keep the suite fast; the logic is the same.
    # Every site of the suite is on 127.0.0.1, which the sources must be allowed to reach
    # (run-wide, unless a scenario narrows it to 127.0.0.1/32 in `overrides`); the staging
    # folder (deferred runs' batches) is the scenario's own.
    fields: dict[str, Any] = {"fetch_retries": 1, "fetch_backoff_seconds": 0.05,
                              "fetch_timeout_seconds": 3.0, "allow_private_addresses": True,
                              "staging_dir": warehouse.parent / "staging"}
    fields.update(overrides)
    return Settings(config_dir=config_dir, warehouse=warehouse, **fields)


@dataclass
class RunResult:
    summary: RunSummary | None = None
    error: str | None = None          # what the run raised, if it stopped
    killed: bool = False              # a child run that died by SIGKILL


@dataclass
class World:
    root: Path
    demo: DemoNewsServer
    hostile: HostileServer
    mail: FaultMailbox
    slack: SlackStandIn
    phase: int = 1                                   # routes may heal when it becomes 2
    sources: list[dict[str, Any]] = field(default_factory=list)
    extra_rule_files: dict[str, str] = field(default_factory=dict)
    extra_channels: list[dict[str, Any]] = field(default_factory=list)
    settings_overrides: dict[str, Any] = field(default_factory=dict)
    rule_channels: tuple[str, ...] = CHANNELS
    pages: dict[str, Page] = field(default_factory=dict)   # canonical URL -> expected page
    env: dict[str, str] = field(default_factory=dict)
    runs: list[RunResult] = field(default_factory=list)
    stack: ExitStack = field(default_factory=ExitStack)   # closed when the scenario ends

    def __post_init__(self) -> None:
        self.config_dir = self.root / "config"
        self.warehouse = self.root / "wh.duckdb"
        self.env = {EMAIL_ENV: self.mail.url(), SLACK_ENV: SLACK_URL}

    # --- set-up helpers for scenarios ---------------------------------------------------

    @property
    def base(self) -> str:
        return self.hostile.base_url

    def add_source(self, url: str, **extra: object) -> None:
        """One hostile source (id `hostile`); `extra` adds or overrides its keys (kind, ...)."""
        self.sources.append({"id": "hostile", "url": url, "language": "en", **extra})

    def enter(self, context: AbstractContextManager[Any]) -> Any:
        return self.stack.enter_context(context)

    def expect(self, url: str, p: Page) -> None:
        """This hostile page must be in the warehouse, whole, by the end of the scenario."""
        self.pages[url] = p

    # --- config and runs ----------------------------------------------------------------

    def write_config(self) -> None:
        rules = self.config_dir / "rules"
        rules.mkdir(parents=True, exist_ok=True)
        healthy = [{"id": s.slug, "name": s.name, "url": s.feed_url, "language": "en"}
                   for s in self.demo.sites()]
        (self.config_dir / "sources.yaml").write_text(
            yaml.safe_dump({"sources": healthy + self.sources}, sort_keys=False), "utf-8")
        (self.config_dir / "channels.yaml").write_text(yaml.safe_dump({"channels": [
            {"name": "desk-email", "url": {"$env": EMAIL_ENV}, "format": "email"},
            {"name": "desk-slack", "url": {"$env": SLACK_ENV}, "format": "slack"},
            *self.extra_channels,
        ]}, sort_keys=False), "utf-8")
        (rules / "border.yaml").write_text(yaml.safe_dump({"rules": [{
            "id": "border", "name": "Corvania-Estmark border", "severity": "high",
            "match": {"any": list(TERMS)}, "channels": list(self.rule_channels),
        }]}, sort_keys=False), "utf-8")
        for name, text in self.extra_rule_files.items():
            (rules / name).write_text(text, "utf-8")

    def settings(self) -> Settings:
        return settings_for(self.config_dir, self.warehouse, **self.settings_overrides)

    def run(self, now: datetime) -> RunResult:
        """One monitor run in this process (Slack is routed to the stand-in by the suite)."""
        self.write_config()
        saved = {k: os.environ.get(k) for k in {EMAIL_ENV, SLACK_ENV, *self.env}}
        for name in saved:
            os.environ.pop(name, None)
        os.environ.update(self.env)
        try:
            done = asyncio.run(asyncio.wait_for(run_plain(self.settings(), now),
                                                RUN_TIMEOUT))
            result = RunResult(summary=done.summary)
        except TimeoutError:
            result = RunResult(error=f"HANG: no end within {RUN_TIMEOUT:g} s")
        except Exception as exc:   # the scenario decides whether stopping was right
            result = RunResult(error=f"{type(exc).__name__}: {exc}")
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        self.runs.append(result)
        return result

    def start_child(self, now: datetime, crash_at: str) -> subprocess.Popen[str]:
        """A run in a process of its own that SIGKILLs itself at `crash_at`
        (core/crash_points.py); the caller waits for it."""
        self.write_config()
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
        env.update(self.env)
        env[CRASH_AT_ENV] = crash_at
        env[SLACK_BASE_ENV] = self.slack.base_url
        return subprocess.Popen(
            [sys.executable, "-m", "tests.faults.child", str(self.config_dir),
             str(self.warehouse), now.isoformat()],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def finish_child(self, child: subprocess.Popen[str]) -> RunResult:
        try:
            out, err = child.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            result = RunResult(error="HANG: the child run did not end")
        else:
            result = (RunResult(killed=True) if child.returncode == -9 else
                      RunResult(error=f"child exited {child.returncode}: {err[-500:]}"
                                if child.returncode else None))
            if child.returncode == 0:
                result.error = f"the run went on past its crash point: {out[-200:]}"
        self.runs.append(result)
        return result

    # --- what the warehouse and the receivers hold -----------------------------------------

    def rows(self, sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
        if not self.warehouse.exists():
            return []
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def healthy_urls(self) -> dict[str, str]:
        """Every demo article visible now -> its story key (copies of a wire story share one)."""
        now = self.demo.clock.now()
        out = {}
        for site in self.demo.sites():
            for a in visible_articles(site.slug, now):
                out[f"{self.demo.base_url}/{a.site}/{a.path}"] = a.story or f"{a.site}/{a.path}"
        return out

    def ledger(self) -> Ledger:
        healthy = self.healthy_urls()
        stored = dict(self.rows("SELECT url, body FROM articles"))
        lost = [u for u in healthy if u not in stored]
        for url, p in self.pages.items():
            # Lost too: stored cut short (the page's last words are missing).
            if url not in stored or p.text()[-60:] not in " ".join(str(stored[url]).split()):
                lost.append(url)
        [(count, distinct)] = self.rows(
            "SELECT count(*), count(DISTINCT (source_id, content_hash)) FROM articles") or [(0, 0)]
        duplicates = int(count) - int(distinct)

        stories = dict(healthy)
        stories.update({u: u for u in self.pages})
        texts = {u: a.full_text() for u, a in self._healthy_articles().items()}
        texts.update({u: f"{p.title}\n{p.text()}" for u, p in self.pages.items()})
        wanted = {stories[u] for u, text in texts.items() if _TERM.search(text)}
        delivered: Counter[tuple[str, str]] = Counter()
        strays = 0
        for channel, text, marker in self._messages():
            keys = {stories[u] for u in stories if marker(u) in text}
            if len(keys) != 1:
                strays += 1
                continue
            delivered[(keys.pop(), channel)] += 1
        expected = {(s, c) for s in wanted for c in self.rule_channels}
        alerts_lost = len(expected - set(delivered))
        alert_dups = sum(n - 1 for n in delivered.values()) + strays
        # The healthy demo story every scenario runs beside: its alert must get out whatever
        # the hostile source or the broken channel does (on any channel, in any run).
        ceasefire = {stories[u] for u, a in self._healthy_articles().items()
                     if "ceasefire" in a.full_text().lower() and _TERM.search(a.full_text())}
        healthy_alert = bool(ceasefire & {key for key, _ in delivered})
        return Ledger(len(lost), duplicates, alerts_lost, alert_dups, lost[:3],
                      articles_expected=len(healthy) + len(self.pages),
                      alerts_expected=len(expected), healthy_alert=healthy_alert)

    def _healthy_articles(self) -> dict[str, Any]:
        now = self.demo.clock.now()
        return {f"{self.demo.base_url}/{a.site}/{a.path}": a
                for site in self.demo.sites() for a in visible_articles(site.slug, now)}

    def _messages(self) -> list[tuple[str, str, Any]]:
        out: list[tuple[str, str, Any]] = []
        for mail in self.mail.received():
            out.append(("desk-email", html_part(mail), lambda u: f'href="{u}"'))
        for payload in self.slack.received(SLACK_PATH):
            out.append(("desk-slack", json.dumps(payload), lambda u: f"<{u}|"))
        return out


@dataclass(frozen=True)
class Ledger:
    articles_lost: int
    duplicate_articles: int
    alerts_lost: int
    duplicate_alerts: int
    lost_examples: list[str]
    articles_expected: int = 0
    alerts_expected: int = 0
    healthy_alert: bool = False     # the demo's ceasefire alert reached a receiver
