"""`newswatch sql` with no query: the prompt, driven through the real command in a subprocess,
with statements piped to it and, on a pseudo-terminal, typed at it."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli.sql_prompt import split_statements
from warehouse.connection import writer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "wh.duckdb"
    with writer(path) as con:
        con.execute("INSERT INTO sources (source_id, name, kind, url) VALUES "
                    "('a', 'Alpha News', 'feed', 'http://127.0.0.1/a'), "
                    "('b', 'Beta, \"Quoted\"', 'feed', 'http://127.0.0.1/b')")
    queries = tmp_path / "config" / "queries"
    queries.mkdir(parents=True)
    (queries / "by_id.sql").write_text(
        "-- One source by its id.\nSELECT source_id, name FROM sources WHERE source_id = $id;\n")
    return path


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(tmp_path),
            "NEWSWATCH_CONFIG_DIR": str(tmp_path / "config"), "TERM": "dumb"}


def _piped(warehouse: Path, text: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.app", "sql", "--warehouse", str(warehouse),
                           *options], input=text, capture_output=True, text=True,
                          env=_env(warehouse.parent), cwd=warehouse.parent, timeout=120)


def test_piped_statements_formats_errors_and_saved_queries(warehouse: Path) -> None:
    script = ("SELECT source_id,\n"
              "       name\n"
              "FROM sources\n"
              "ORDER BY source_id;\n"
              "SELECT nope FROM sources;\n"
              ".format csv\n"
              "SELECT 'a;b' AS text, 2 AS n; SELECT count(*) AS sources FROM sources;\n"
              ".run by_id id=b\n"
              ".run by_id\n"
              ".format json\n"
              "SELECT name FROM sources WHERE source_id = 'a'\n")   # the last one needs no ;
    result = _piped(warehouse, script)
    assert result.returncode == 1, result.stderr       # a statement failed
    assert "Traceback" not in result.stderr
    table, rest = result.stdout.split("text,n\n", 1)
    assert "Alpha News" in table and 'Beta, "Quoted"' in table     # the multi-line statement
    assert rest == ('a;b,2\n'                                       # two statements, one line
                    'sources\n2\n'
                    'source_id,name\nb,"Beta, ""Quoted"""\n'          # .run by_id id=b
                    '{"name": "Alpha News"}\n')                     # .format json
    errors = result.stderr.splitlines()
    assert any(line.startswith("error: Binder Error") and "nope" in line for line in errors)
    assert "error: the query needs name=value for: id" in errors
    # The error came between the first and the third statement, and both ran.
    assert result.stdout.index("Alpha News") < result.stdout.index("a;b")


def test_piped_commands_list_tables_and_saved_queries(warehouse: Path) -> None:
    result = _piped(warehouse, ".format csv\n.tables\n.saved\n.help\n.nope\n.quit\nSELECT 1;\n")
    assert result.returncode == 1                      # .nope is an error
    assert "sources,table\n" in result.stdout and "v_articles,view\n" in result.stdout
    assert "by_id,id=,One source by its id.\n" in result.stdout
    assert ".run NAME [name=value ...]" in result.stdout
    assert "unknown command .nope" in result.stderr
    assert "\n1\n" not in result.stdout                # nothing runs after .quit


def test_without_errors_the_exit_code_is_zero(warehouse: Path) -> None:
    result = _piped(warehouse, "SELECT 1 AS one;\n", "--format", "json")
    assert (result.returncode, result.stdout) == (0, '{"one": 1}\n'), result.stderr


def test_a_missing_warehouse_or_parquet_is_said_at_once(tmp_path: Path) -> None:
    missing = _piped(tmp_path / "none.duckdb", "SELECT 1;\n")
    assert missing.returncode == 1 and "no warehouse at" in missing.stderr
    parquet = _piped(tmp_path / "none.duckdb", "SELECT 1;\n", "--format", "parquet")
    assert parquet.returncode == 2 and "give a QUERY" in parquet.stderr


def _read_until(fd: int, wanted: str, seen: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while wanted not in "".join(seen):
        assert time.monotonic() < deadline, f"waited for {wanted!r}; got {''.join(seen)!r}"
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen.append(os.read(fd, 4096).decode(errors="replace"))
            except OSError:                     # the child closed the terminal
                return


def test_on_a_terminal_it_prompts_and_keeps_history(warehouse: Path) -> None:
    leader, follower = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "cli.app", "sql", "--warehouse",
                              str(warehouse), "-f", "csv"], stdin=follower, stdout=follower,
                             stderr=follower, env=_env(warehouse.parent), cwd=warehouse.parent)
    os.close(follower)
    seen: list[str] = []
    try:
        _read_until(leader, "sql> ", seen)
        os.write(leader, b"SELECT name\n")
        _read_until(leader, "...> ", seen)                 # waiting for the rest
        os.write(leader, b"FROM sources WHERE source_id = 'a';\n")
        _read_until(leader, "Alpha News", seen)
        os.write(leader, b".quit\n")
        assert child.wait(timeout=60) == 0
    finally:
        if child.poll() is None:
            child.kill()
        os.close(leader)
    assert "newswatch sql on" in "".join(seen)
    history = (warehouse.parent / ".newswatch_sql_history").read_text()
    assert "SELECT name FROM sources WHERE source_id = 'a';" in history   # one entry
    assert ".quit" in history


@pytest.mark.parametrize(("text", "statements", "rest"), [
    ("SELECT 1; SELECT 2;", ["SELECT 1;", "SELECT 2;"], ""),
    ("SELECT 'a;b'", [], "SELECT 'a;b'"),
    ("SELECT 'it''s; fine';\n", ["SELECT 'it''s; fine';"], "\n"),
    ("SELECT 1 -- not yet;\n", [], "SELECT 1 -- not yet;\n"),
    ("SELECT /* ; */ 1;", ["SELECT /* ; */ 1;"], ""),
    ('SELECT 1 AS "a;b";', ['SELECT 1 AS "a;b";'], ""),
    ("SELECT $$a;b$$, $t$;$t$;", ["SELECT $$a;b$$, $t$;$t$;"], ""),
    ("SELECT $id; SELECT", ["SELECT $id;"], " SELECT"),
    (";;\n", [], "\n"),
    ("SELECT 'open\n", [], "SELECT 'open\n"),
])
def test_statements_end_at_a_semicolon_outside_quotes_and_comments(
        text: str, statements: list[str], rest: str) -> None:
    assert split_statements(text) == (statements, rest)
