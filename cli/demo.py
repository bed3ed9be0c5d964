"""`newswatch demo`: the whole pipeline against the project's own news web, offline.

Starts the demo sites and a loopback SMTP inbox, writes a config folder pointing at them,
runs the monitor flow, advances the sites' clock, runs again and prints what arrived.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml

from core.settings import Settings
from demo.clock import ADVANCE_HOURS
from demo.mailbox import LoopbackMailbox, ReceivedMail
from demo.server import DemoNewsServer
from demo.watchlist import DEMO_ENTITIES
from flows.digest import digest_flow
from flows.monitor import RunSummary, monitor_flow
from warehouse.connection import reader
from warehouse.queries import table_counts

DEMO_EMAIL_ENV = "NEWSWATCH_EMAIL_URL"
DEMO_DIGEST_ENV = "NEWSWATCH_DEMO_DIGEST_URL"

# The demo adds a daily digest of the border conflict, to show what a digest reader receives.
_DIGEST_RULE = """\
# Written by `newswatch demo`: everything on the Corvania-Estmark conflict, once a day.
rules:
  - id: border-conflict
    name: Corvania-Estmark border conflict
    severity: medium
    match:
      any: [Corvania, Estmark, Serin Valley]
    channels: [desk-digest]
"""
_DIGEST_CHANNEL = f"""
  - name: desk-digest
    url: {{$env: {DEMO_DIGEST_ENV}}}
    format: email
    timezone: UTC
    digest: {{daily_at: "08:00", max_items: 20}}
"""


def write_demo_config(target: Path, server: DemoNewsServer, rules_from: Path,
                      channels_from: Path, entities_from: Path | None = None) -> Path:
    """A config folder like a user's: the demo's sources, the project's rules, channels and
    watchlist (by default the entities.yaml beside the rules folder, which rules refer to)."""
    if target.exists():
        shutil.rmtree(target)
    (target / "rules").mkdir(parents=True)
    sources = [{"id": site.slug, "name": site.name, "url": site.feed_url, "language": "en",
                "allow_private_addresses": True} for site in server.sites()]
    (target / "sources.yaml").write_text(
        "# Written by `newswatch demo`: the demo's local news sites, on 127.0.0.1 (a private\n"
        "# address, which a source may reach only with allow_private_addresses: true).\n"
        + yaml.safe_dump({"sources": sources}, sort_keys=False), "utf-8")
    shutil.copy(channels_from, target / "channels.yaml")
    for rule_file in sorted(rules_from.glob("*.y*ml")):
        shutil.copy(rule_file, target / "rules" / rule_file.name)
    entities = entities_from or rules_from.parent / "entities.yaml"
    if entities.is_file():
        shutil.copy(entities, target / "entities.yaml")
    return target


def add_demo_watchlist(config_dir: Path) -> None:
    """The demo's fictional leaders, places and bodies join the copied watchlist, so its
    stories record entity mentions (the report's "Most mentioned entities") as real ones do."""
    path = config_dir / "entities.yaml"
    if not path.is_file():
        path.write_text("entities:\n", "utf-8")
    known = {e.get("id") for e in (yaml.safe_load(path.read_text("utf-8")) or {}).get(
        "entities") or [] if isinstance(e, dict)}
    entries = yaml.safe_dump([e for e in DEMO_ENTITIES if e["id"] not in known],
                             sort_keys=False, allow_unicode=True)
    with path.open("a", encoding="utf-8") as watchlist:
        watchlist.write("\n  # Added by `newswatch demo`: the demo's own entities "
                        "(demo/watchlist.py).\n")
        watchlist.write("".join(f"  {line}\n" for line in entries.splitlines()))


def add_demo_digest(config_dir: Path) -> None:
    (config_dir / "rules" / "demo-border-conflict.yaml").write_text(_DIGEST_RULE, "utf-8")
    with (config_dir / "channels.yaml").open("a", encoding="utf-8") as channels:
        channels.write(_DIGEST_CHANNEL)


def run_demo(workdir: Path, say: Callable[[str], None],
             show_mail: Callable[[ReceivedMail], None]) -> tuple[list[RunSummary], int]:
    """Two monitor runs with the clock advanced between them. Returns the runs and the number
    of emails received."""
    project_config = Settings().config_dir
    if workdir.exists():
        shutil.rmtree(workdir)   # a demo starts from an empty warehouse every time
    workdir.mkdir(parents=True)
    summaries: list[RunSummary] = []
    with DemoNewsServer() as server, LoopbackMailbox() as inbox:
        config_dir = write_demo_config(workdir / "config", server, project_config / "rules",
                                       project_config / "channels.yaml")
        add_demo_digest(config_dir)
        add_demo_watchlist(config_dir)
        os.environ[DEMO_EMAIL_ENV] = inbox.apprise_url()
        os.environ[DEMO_DIGEST_ENV] = inbox.apprise_url(to="digest@newswatch.localhost")
        settings = Settings(config_dir=config_dir, warehouse=workdir / "newswatch.duckdb",
                            fetch_retries=1, fetch_backoff_seconds=0.2,
                            # All the demo's sites are one host, 127.0.0.1: a short delay.
                            fetch_min_delay_seconds=0.02)
        say(f"Demo news sites at {server.base_url} "
            f"({', '.join(s.name for s in server.sites())}); inbox on 127.0.0.1:{inbox.port}")
        for round_number in (1, 2):
            if round_number == 2:
                server.clock.advance(ADVANCE_HOURS)
                say(f"Advanced the sites' clock by {ADVANCE_HOURS:g} h to "
                    f"{server.clock.now():%Y-%m-%d %H:%M} UTC; running again")
            seen = len(inbox.received)
            summary = asyncio.run(monitor_flow(settings=settings, run_label=f"demo-{round_number}"))
            summaries.append(summary)
            say(f"Run {round_number}: {summary.articles_new} new articles, "
                f"{summary.matches} matches, {summary.alerts_sent} alerts sent")
            for mail in inbox.received[seen:]:
                show_mail(mail)
        # The daily digest would go out at 08:00; the demo sends it now.
        seen = len(inbox.received)
        report = asyncio.run(digest_flow(settings=settings, run_label="demo", force=True))
        say(f"The daily digest (due at 08:00) sent now: {report.sent} message(s)")
        for mail in inbox.received[seen:]:
            show_mail(mail)
        received = len(inbox.received)
    return summaries, received


def demo_counts(warehouse: Path) -> dict[str, int]:
    with reader(warehouse) as con:
        return table_counts(con)


def demo_last_day() -> date:
    """The sites' last day: the clock's start moved forward once (for `newswatch report`)."""
    from datetime import timedelta

    from demo.clock import DEFAULT_START

    return (DEFAULT_START + timedelta(hours=ADVANCE_HOURS)).date()
