"""One hostile or broken source cannot stop the alerts (issue: a feed item answering
`301 Location: mailto:x` failed the whole run, and the healthy source's ceasefire alert never
went out). The real monitor flow runs the demo sites beside a source whose scrape raises an
unexpected exception (a bug in its code, for that source only), one with that mailto:
redirect, and one on a private address it has not opted in to: the run completes, the alert
arrives over SMTP, and each failure is in `fetches`, the run summary and `v_source_health`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import duckdb
import pytest
import yaml

from cli.demo import DEMO_EMAIL_ENV, write_demo_config
from core.settings import Settings
from demo.mailbox import LoopbackMailbox
from demo.server import DemoNewsServer
from flows.monitor import monitor_flow
from tests.flows.buggy_source import raise_for
from tests.scrapers.hostile_server import HostileServer, redirect_to, reply

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def _feed(*links: str) -> bytes:
    items = "".join(f"<item><title>Item {n}</title><link>{link}</link></item>"
                    for n, link in enumerate(links))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>{items}'
            "</channel></rss>").encode()


def _sources(settings: Settings, hostile: HostileServer,
             intranet: HostileServer) -> None:
    """Three sources beside the demo's (which opt in to their loopback address one by one,
    as `write_demo_config` writes them)."""
    hostile.route("/robots.txt", reply(404))
    intranet.route("/robots.txt", reply(404))
    mailto = hostile.route("/moved", redirect_to("mailto:x", 301))
    path = settings.config_dir / "sources.yaml"
    sources = yaml.safe_load(path.read_text())["sources"]
    assert all(source["allow_private_addresses"] for source in sources)
    sources += [
        {"id": "mailto", "url": hostile.route("/feed", reply(
            200, _feed(mailto), content_type="application/rss+xml")),
         "allow_private_addresses": True},
        {"id": "buggy", "url": hostile.base_url + "/feed", "allow_private_addresses": True},
        {"id": "intranet", "url": intranet.route("/feed", reply(
            200, _feed(), content_type="application/rss+xml"))}]
    path.write_text(yaml.safe_dump({"sources": sources}))


def _health(warehouse: Path) -> tuple[dict[str, tuple], list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        health = {row[0]: row[1:] for row in con.execute(
            """SELECT source_id, errors, consecutive_failures, last_error
               FROM v_source_health WHERE errors > 0""").fetchall()}
        fetches = con.execute(
            """SELECT source_id, kind, error_class, message FROM fetches
               WHERE outcome = 'error' ORDER BY source_id""").fetchall()
    finally:
        con.close()
    return health, fetches


def test_a_broken_source_and_hostile_ones_do_not_stop_the_alert(
        prefect_harness: None, demo_server: DemoNewsServer, mailbox: LoopbackMailbox,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEMO_EMAIL_ENV, mailbox.apprise_url())
    config = write_demo_config(tmp_path / "config", demo_server, REPO / "config" / "rules",
                               REPO / "config" / "channels.yaml")
    (config / "rules" / "summits.yaml").unlink()   # the one ceasefire alert is counted
    # No run-wide opt-in: only the sources that say so may reach 127.0.0.1.
    settings = Settings(config_dir=config, warehouse=tmp_path / "wh.duckdb", fetch_retries=0,
                        allow_private_addresses=False)
    raise_for("buggy", monkeypatch)

    with HostileServer() as hostile, HostileServer("127.0.0.2") as intranet:
        _sources(settings, hostile, intranet)
        summary = asyncio.run(monitor_flow(settings=settings, run_label="isolation"))
        assert intranet.hits == {}

    # The alert went out: one mail for the demo's ceasefire story.
    assert len(mailbox.received) == 1 and summary.alerts_sent == 1
    assert "ceasefire" in mailbox.received[0].part("text/plain")
    errors = {s.source_id: s.errors for s in summary.sources}
    healthy = {s.slug for s in demo_server.sites()}
    assert all(errors[site] == [] for site in healthy)
    assert errors["buggy"][0].startswith("internal_error: unexpected RuntimeError")
    assert errors["mailto"][0].startswith("redirect: redirect to a non-HTTP address: mailto:x")
    assert errors["intranet"][0].startswith("blocked_address: 127.0.0.2 is a loopback")

    health, fetches = _health(settings.warehouse)
    assert set(health) == {"buggy", "mailto", "intranet"}
    assert health["buggy"][:2] == (1, 1) and "RuntimeError" in health["buggy"][2]
    assert health["intranet"][:2] == (1, 1) and "allow_private_addresses" in health[
        "intranet"][2]
    assert health["mailto"][:2] == (1, 0)   # its feed was read; one article failed
    assert [(s, k, c) for s, k, c, _ in fetches] == [
        ("buggy", "feed", "internal_error"), ("intranet", "feed", "blocked_address"),
        ("mailto", "article", "redirect")]
