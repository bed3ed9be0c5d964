"""`newswatch sources check [--fetch]` against sources served on loopback; nothing is stored."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from demo.catalog import visible_articles
from demo.server import DemoNewsServer
from tests.scrapers.hostile_server import HostileServer, reply

runner = CliRunner()


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


def write_config(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config"
    config.mkdir()
    (config / "sources.yaml").write_text(text)
    monkeypatch.setenv("NEWSWATCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("NEWSWATCH_WAREHOUSE", str(tmp_path / "never.duckdb"))
    return config


def test_check_without_fetch_reports_every_problem_and_exits_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path, """sources:
  - id: good
    kind: sitemap
    url: http://127.0.0.1:9/sitemap.xml
  - id: broken
    kind: listing
    url: http://127.0.0.1:9/
    selectors: {links: "a[href"}
  - id: feedsel
    url: http://127.0.0.1:9/feed.xml
    selectors: {body: p}
""", monkeypatch)
    result = runner.invoke(app, ["sources", "check"])
    assert result.exit_code == 2, result.output
    name = config / "sources.yaml"
    assert "1 sources valid" in result.output and "(sitemap)" in result.output
    assert f"{name}:8:24: sources[1].selectors.links:" in result.output
    assert "invalid CSS selector 'a[href'" in result.output
    assert f"{name}:11:16: sources[2].selectors:" in result.output
    assert not (tmp_path / "never.duckdb").exists()


def test_check_without_fetch_is_quiet_on_a_valid_file(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path, "sources:\n  - id: a\n    url: http://127.0.0.1:9/feed.xml\n",
                 monkeypatch)
    result = runner.invoke(app, ["sources", "check"])
    assert result.exit_code == 0, result.output
    assert "1 sources valid" in result.output
    assert "HTTP" not in result.output     # nothing was fetched


def test_fetch_reports_each_source_and_exits_1_when_one_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_server: DemoNewsServer,
        server: HostileServer) -> None:
    base = demo_server.base_url
    today = datetime.now(UTC).date().isoformat()   # recent: older entries are not followed
    sitemap = server.route("/sitemap.xml", reply(200, (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/harbour-times/a</loc><lastmod>{today}</lastmod></url>"
        "</urlset>").encode(), content_type="application/xml"))
    server.route("/slow.xml", lambda req: time.sleep(3))
    write_config(tmp_path, f"""sources:
  - id: ht-feed
    url: {base}/harbour-times/feed.xml
  - id: ht-front
    kind: listing
    url: {base}/harbour-times/
    selectors: {{links: "h3.ht-card-headline a", body: ".ht-story-body"}}
  - id: map
    kind: sitemap
    url: {sitemap}
    max_age: 1000w
  - id: gone
    url: {server.base_url}/no-such-feed.xml
  - id: stale-selector
    kind: listing
    url: {base}/harbour-times/
    selectors: {{links: "h3.old-class a"}}
  - id: slow
    url: {server.base_url}/slow.xml
  - id: paused
    url: {server.base_url}/off.xml
    enabled: false
""", monkeypatch)
    started = datetime.now(UTC)
    result = runner.invoke(app, ["sources", "check", "--fetch", "--timeout", "1.5"])
    seconds = (datetime.now(UTC) - started).total_seconds()
    out = result.output
    assert result.exit_code == 1, out
    visible = visible_articles("harbour-times", demo_server.clock.now())
    newest = visible[0].published_at.strftime("%Y-%m-%d %H:%M UTC")
    assert re.search(rf"ok    ht-feed \(feed, .*\): HTTP 200, {len(visible)} entries, "
                     rf"newest {newest}, \d+\.\d\d s", out), out
    assert f"        - {visible[0].headline}" in out
    assert re.search(rf"ok    ht-front \(listing, .*\): HTTP 200, {len(visible)} entries", out)
    assert "first article read with selectors" in out
    assert re.search(rf"ok    map \(sitemap, .*\): HTTP 200, 1 entries, newest {today}", out)
    assert re.search(r"FAIL  gone \(feed, .*\): HTTP 404, http_status: HTTP 404", out)
    assert "what to do: the address does not exist" in out
    assert "FAIL  stale-selector" in out and "selector_matched_nothing" in out
    assert re.search(r"FAIL  slow \(feed, .*\): no answer, timeout", out)
    assert "paused" not in re.findall(r"(?:ok|FAIL)\s+(\S+)", out)
    assert "3 of 6 sources answered" in out
    assert seconds < 10                       # the slow one is cut off at its timeout
    assert server.hits["/off.xml"] == 0
    assert not (tmp_path / "never.duckdb").exists()


def test_fetch_exits_0_when_every_source_answers(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 demo_server: DemoNewsServer) -> None:
    write_config(tmp_path, f"sources:\n  - id: vc\n    url: {demo_server.base_url}"
                 "/valley-courier/feed.xml\n", monkeypatch)
    result = runner.invoke(app, ["sources", "check", "--fetch", "--source", "vc"])
    assert result.exit_code == 0, result.output
    assert "1 of 1 sources answered" in result.output


def test_sources_check_has_help() -> None:
    result = runner.invoke(app, ["sources", "check", "--help"])
    assert result.exit_code == 0 and "--fetch" in result.output
