"""The `newswatch` command line, run in-process with typer's runner against real files."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from demo.articles import ARTICLES
from warehouse.connection import writer
from warehouse.migrate import available_migrations

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "wh.duckdb"
    with writer(path) as con:
        con.execute("INSERT INTO sources (source_id, name, kind, url) VALUES "
                    "('a', 'Alpha News', 'feed', 'http://127.0.0.1/a'), "
                    "('b', 'Beta, \"Quoted\"', 'feed', 'http://127.0.0.1/b')")
    return path


def test_every_command_has_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    commands = re.findall(r"│ (\w+)\s{2,}", result.output)
    assert {"demo", "run", "sql", "check", "migrate", "prune", "export"} <= set(commands)
    for command in commands:
        sub = runner.invoke(app, [command, "--help"])
        assert sub.exit_code == 0, command
        assert "Usage:" in sub.output


def test_sql_prints_a_table_csv_and_json(warehouse: Path) -> None:
    query = "SELECT source_id, name FROM sources ORDER BY source_id"
    table = runner.invoke(app, ["sql", query, "--warehouse", str(warehouse)])
    assert table.exit_code == 0, table.output
    assert "Alpha News" in table.output and "2 row(s)" in table.output

    as_csv = runner.invoke(app, ["sql", query, "--warehouse", str(warehouse), "-f", "csv"])
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [
        ["source_id", "name"], ["a", "Alpha News"], ["b", 'Beta, "Quoted"']]

    as_json = runner.invoke(app, ["sql", query, "--warehouse", str(warehouse), "-f", "json"])
    assert [json.loads(line) for line in as_json.stdout.splitlines()] == [
        {"source_id": "a", "name": "Alpha News"}, {"source_id": "b", "name": 'Beta, "Quoted"'}]


def test_sql_is_read_only_and_errors_are_clear(warehouse: Path, tmp_path: Path) -> None:
    write = runner.invoke(app, ["sql", "DELETE FROM sources", "--warehouse", str(warehouse)])
    assert write.exit_code == 1
    assert "read-only" in write.output.lower()

    bad = runner.invoke(app, ["sql", "SELECT nope FROM sources", "--warehouse", str(warehouse)])
    assert bad.exit_code == 1 and "nope" in bad.output

    missing = runner.invoke(app, ["sql", "SELECT 1", "--warehouse", str(tmp_path / "no.duckdb")])
    assert missing.exit_code == 1 and "newswatch run" in missing.output


@pytest.mark.parametrize("args", [["sql", "SELECT 1"], ["check"]])
def test_an_invalid_setting_is_a_message_not_a_traceback(
        args: list[str], warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_READ_WAIT_SECONDS", "-3")
    result = runner.invoke(app, [*args, *(["--warehouse", str(warehouse)] if args[0] == "sql"
                                          else [])])
    assert result.exit_code == 2, result.output
    assert "NEWSWATCH_* environment variable is not valid" in result.output
    assert "read_wait_seconds" in result.output
    assert isinstance(result.exception, SystemExit)      # handled, not raised


def test_saved_queries_take_parameters(warehouse: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    queries = tmp_path / "config" / "queries"
    queries.mkdir(parents=True)
    (queries / "by_id.sql").write_text(
        "-- one source; the '$not_a_param' in a string is ignored\n"
        "SELECT name, '$not_a_param' AS s FROM sources WHERE source_id = $id AND $n > 0")
    monkeypatch.setenv("NEWSWATCH_CONFIG_DIR", str(tmp_path / "config"))
    base = ["sql", "--warehouse", str(warehouse), "-f", "json", "--saved", "by_id"]
    ok = runner.invoke(app, [*base, "--param", "id=b", "--param", "n=3"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout.splitlines()[0]) == {"name": 'Beta, "Quoted"', "s": "$not_a_param"}

    missing = runner.invoke(app, [*base, "--param", "id=b"])
    assert missing.exit_code == 2 and "needs --param for: n" in missing.output
    unknown = runner.invoke(app, ["sql", "--warehouse", str(warehouse), "--saved", "nope"])
    assert unknown.exit_code == 2 and "saved queries: by_id" in unknown.output


def test_shipped_saved_queries_run(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("NEWSWATCH_CONFIG_DIR", raising=False)
    for path in sorted((REPO / "config" / "queries").glob("*.sql")):
        params = ["--param", "days=7"] if "$days" in path.read_text() else []
        result = runner.invoke(app, ["sql", "--warehouse", str(warehouse), "--saved", path.stem,
                                     *params])
        assert result.exit_code == 0, (path.name, result.output)


def test_parquet_output_and_export(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "sources.parquet"
    result = runner.invoke(app, ["sql", "SELECT * FROM sources", "--warehouse", str(warehouse),
                                 "-f", "parquet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert duckdb.execute(f"SELECT count(*) FROM '{out}'").fetchall() == [(2,)]

    exported = runner.invoke(app, ["export", str(tmp_path / "export"),
                                   "--warehouse", str(warehouse)])
    assert exported.exit_code == 0, exported.output
    for name in ("stories.parquet", "matches.parquet", "alerts.parquet", "source_health.parquet"):
        assert (tmp_path / "export" / name).is_file()
    health = duckdb.execute(
        f"SELECT source_id FROM '{tmp_path / 'export' / 'source_health.parquet'}' ORDER BY 1"
    ).fetchall()
    assert health == [("a",), ("b",)]


def test_check_accepts_the_shipped_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("NEWSWATCH_CONFIG_DIR", raising=False)
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert re.search(r"\d+ sources, \d+ rules, \d+ channels valid", result.output)


def test_check_lists_every_problem_with_its_line(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    (config / "rules").mkdir(parents=True)
    (config / "sources.yaml").write_text(
        "sources:\n  - id: ok\n    url: http://127.0.0.1/feed\n  - id: Bad Id\n    url: ftp://x\n")
    (config / "channels.yaml").write_text(
        "channels:\n  - name: desk\n    url: {$env: DESK_URL}\n    format: email\n")
    (config / "rules" / "a.yaml").write_text(
        "rules:\n  - id: good\n    name: Good\n    match: {any: [truce]}\n    channels: [desk]\n"
        "  - id: typo\n    name: Typo\n    match: {any: [x]}\n    chanels: [desk]\n")
    monkeypatch.setenv("NEWSWATCH_CONFIG_DIR", str(config))
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 2
    out = result.output
    assert "1 sources, 1 rules, 1 channels valid" in out
    assert f"{config / 'sources.yaml'}:4:9: sources[1].id:" in out
    assert f"{config / 'sources.yaml'}:5:10: sources[1].url:" in out
    assert f"{config / 'rules' / 'a.yaml'}:9:5: rules[1].chanels: unknown key; did you mean " \
           "'channels'?" in out
    assert "DESK_URL is not set" in out


def test_migrate_creates_the_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_WAREHOUSE", str(tmp_path / "new.duckdb"))
    result = runner.invoke(app, ["migrate"])
    latest = available_migrations()[-1].version
    assert result.exit_code == 0 and f"schema at version {latest}" in result.output


@pytest.mark.e2e
def test_demo_prints_the_alert_and_a_summary(prefect_harness: None, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("NEWSWATCH_CONFIG_DIR", raising=False)
    result = runner.invoke(app, ["demo", "--workdir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.count("Subject: [newswatch] Ceasefire:") == 2
    assert "open talks on a ceasefire in the disputed border region" in out
    assert "alerts sent:      4; emails received: 5" in out
    # The summit the demo's own leaders announce, with the meeting's date, not the dateline.
    assert ("Subject: [newswatch] Upcoming summit, talks or visit: Volkas and Marsk to meet in "
            "Geneva") in out
    assert "Event date: Tue 24 Nov 2026\n" in out
    assert "\\x0d" not in out
    assert out.count("Subject: [newswatch] digest (daily at 08:00):") == 1
    assert f"articles stored:  {len(ARTICLES)}" in out


def _hold_write_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process that opens the warehouse for writing, like a monitor run mid-batch."""
    code = (f"import duckdb, time, sys; c = duckdb.connect({str(path)!r}); "
            f"print('locked', flush=True); time.sleep({seconds})")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def _newswatch_sql(path: Path, wait: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSWATCH_READ_WAIT_SECONDS": str(wait)}
    return subprocess.run([sys.executable, "-m", "cli.app", "sql", "SELECT count(*) FROM sources",
                           "--warehouse", str(path)], capture_output=True, text=True, env=env,
                          timeout=60, cwd=REPO)


def test_sql_against_a_locked_warehouse_explains_and_never_tracebacks(warehouse: Path) -> None:
    holder = _hold_write_lock(warehouse, 30)
    try:
        result = _newswatch_sql(warehouse, wait=1)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert f"locked by another process (PID {holder.pid})" in result.stderr
    assert "try again" in result.stderr


def test_sql_waits_out_a_short_write_batch(warehouse: Path) -> None:
    holder = _hold_write_lock(warehouse, 1.5)
    try:
        result = _newswatch_sql(warehouse, wait=20)
    finally:
        holder.wait()
    assert result.returncode == 0, result.stderr
    assert "2" in result.stdout


def test_channels_check_and_test_send_to_a_real_inbox(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from demo.mailbox import LoopbackMailbox

    config = tmp_path / "config"
    config.mkdir()
    (config / "channels.yaml").write_text(
        "channels:\n  - name: desk\n    url: {$env: DESK_URL}\n    format: email\n")
    monkeypatch.setenv("NEWSWATCH_CONFIG_DIR", str(config))
    monkeypatch.delenv("DESK_URL", raising=False)
    unset = runner.invoke(app, ["channels", "check"])
    assert unset.exit_code == 2 and "DESK_URL is not set" in unset.output
    not_sent = runner.invoke(app, ["channels", "test", "desk"])
    assert not_sent.exit_code == 1 and "DESK_URL" in not_sent.output
    unknown = runner.invoke(app, ["channels", "test", "nope"])
    assert unknown.exit_code == 2 and "channels: desk" in unknown.output

    with LoopbackMailbox() as inbox:
        monkeypatch.setenv("DESK_URL", inbox.apprise_url())
        ok = runner.invoke(app, ["channels", "check"])
        assert ok.exit_code == 0 and "desk: ok (email)" in ok.output
        sent = runner.invoke(app, ["channels", "test", "desk"])
        assert sent.exit_code == 0, sent.output
        assert len(inbox.received) == 1
        assert "if you can read this, the channel works" in inbox.received[0].subject
