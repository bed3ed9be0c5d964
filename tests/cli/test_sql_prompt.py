"""`newswatch sql` with no query: the prompt, driven through the real command in a subprocess,
with statements piped to it and, on a pseudo-terminal, typed at it."""

from __future__ import annotations

import os
import pty
import select
import signal
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
              "-- from here on, CSV\n"
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


class Terminal:
    """The far end of the command's pseudo-terminal: what it printed, read up to a point."""

    def __init__(self, fd: int) -> None:
        self.fd, self.output, self.cursor = fd, "", 0

    def wait_for(self, wanted: str, timeout: float = 60) -> None:
        """Read until `wanted` appears after the last thing waited for."""
        deadline = time.monotonic() + timeout
        while (found := self.output.find(wanted, self.cursor)) < 0:
            assert time.monotonic() < deadline, f"waited for {wanted!r}; got {self.output!r}"
            if select.select([self.fd], [], [], 0.5)[0]:
                self.output += os.read(self.fd, 4096).decode(errors="replace")
        self.cursor = found + len(wanted)

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def interrupt(self, until: str, timeout: float = 60) -> None:
        """Ctrl-C, again every 3 s until `until` appears. A SIGINT that lands just before
        readline starts waiting for a key is only acted on at the next key: a race no person
        typing meets, but a test typing the moment the prompt shows can."""
        deadline = time.monotonic() + timeout
        while True:
            self.type("\x03")
            try:
                self.wait_for(until, timeout=min(3.0, max(0.1, deadline - time.monotonic())))
                return
            except AssertionError:
                if time.monotonic() >= deadline:
                    raise


def _exit_code(pid: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"the prompt did not exit within {timeout:g} s")


def test_on_a_terminal_it_prompts_and_keeps_history(warehouse: Path) -> None:
    """On a pseudo-terminal of its own (so that Ctrl-C is a SIGINT, as in a shell)."""
    pid, terminal = pty.fork()
    if pid == 0:                                            # the child: become the command
        os.chdir(warehouse.parent)
        os.execve(sys.executable, [sys.executable, "-m", "cli.app", "sql", "--warehouse",
                                   str(warehouse), "-f", "csv"], _env(warehouse.parent))
    screen = Terminal(terminal)
    try:
        screen.wait_for("sql> ")
        screen.type("SELECT 'dropped'\n")
        screen.wait_for("...> ")
        screen.interrupt(until="sql> ")                   # Ctrl-C: the statement is dropped
        screen.type("SELECT count(*) FROM range(1000000000000);\n")   # hours of counting
        time.sleep(1)
        screen.type("\x03")                              # Ctrl-C: the query is cancelled
        screen.wait_for("cancelled", timeout=20)
        screen.wait_for("sql> ")
        screen.type("SELECT name\n")
        screen.wait_for("...> ")                          # waiting for the rest
        screen.type("FROM sources WHERE source_id = 'a';\n")
        screen.wait_for("Alpha News")
        screen.type(".quit\n")
        assert _exit_code(pid) == 0
    finally:
        os.close(terminal)
    assert "newswatch sql on" in screen.output and "error" not in screen.output, screen.output
    history = (warehouse.parent / ".newswatch_sql_history").read_text()
    assert "SELECT name FROM sources WHERE source_id = 'a';" in history   # one entry
    assert ".quit" in history and "dropped" not in history


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
