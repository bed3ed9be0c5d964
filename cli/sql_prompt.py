"""`newswatch sql` without a query: a prompt for SQL on the database the command reads.

Statements end with `;` and may span lines; several may share one. Results come out as the
one-shot command prints them (`cli.sql.print_result`: a table, CSV or JSON Lines). Commands
start with a dot: `.help`, `.tables`, `.format`, `.saved`, `.run`, `.quit`. An error is printed
and the prompt goes on.

Each statement opens its own read-only connection, as `newswatch sql "..."` does: between
statements the prompt holds nothing open, so it never keeps a run from writing, and every
statement sees the newest data. (So `SET` and temporary tables do not carry over.)

On a terminal: prompts, line editing and history (readline, in ~/.newswatch_sql_history);
Ctrl-C drops the statement being typed or stops the one running.
Otherwise statements are read from stdin without prompts (`newswatch sql < report.sql`), and
the exit code is 1 if any statement failed.
"""

from __future__ import annotations

import re
import shlex
import sys
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import typer

from cli.common import EXIT_OK, EXIT_PROBLEMS, err
from cli.sql import OutputFormat, print_result

if TYPE_CHECKING:
    from core.query_settings import QuerySettings
    from warehouse.queries import QueryResult

HISTORY_FILE = ".newswatch_sql_history"     # in the home folder
HISTORY_LENGTH = 1000
PROMPT, MORE = "sql> ", "...> "
PROMPT_FORMATS = (OutputFormat.table, OutputFormat.csv, OutputFormat.json)

HELP = """\
End each statement with ; (it may span lines). Commands:
  .tables                      tables and views
  .format [table|csv|json]     how results print (now: {format})
  .saved                       saved queries (config/queries/NAME.sql) and their parameters
  .run NAME [name=value ...]   run a saved query with its $name parameters
  .help                        this text
  .quit                        leave (or Ctrl-D)"""

TABLES = ("SELECT table_name AS name, lower(replace(table_type, 'BASE ', '')) AS kind "
          "FROM information_schema.tables WHERE table_schema = 'main' "
          "ORDER BY kind, name")

_COMMENTS = re.compile(r"--[^\n]*\n|/\*.*?\*/", re.DOTALL)
# A dollar-quoted string's opening tag: $$ or $tag$ (a $name parameter has no closing $).
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def split_statements(text: str) -> tuple[list[str], str]:
    """The complete statements in `text` (each ending with a `;` outside strings, quoted
    names and comments) and the incomplete rest."""
    statements: list[str] = []
    start = i = 0
    while i < len(text):
        skip = _quoted_end(text, i)
        if skip is None:
            break                       # an open string or comment: wait for more input
        if skip > i:
            i = skip
            continue
        if text[i] == ";":
            statement = text[start:i + 1].strip()
            if statement.rstrip(";").strip():
                statements.append(statement)
            start = i + 1
        i += 1
    return statements, text[start:]


def _quoted_end(text: str, i: int) -> int | None:
    """Where the string, quoted name or comment starting at `i` ends: `i` itself when none
    starts there, None when it is not closed yet."""
    pairs = {"'": "'", '"': '"', "--": "\n", "/*": "*/"}
    for opening, closing in pairs.items():
        if text.startswith(opening, i):
            end = text.find(closing, i + len(opening))
            return None if end < 0 else end + len(closing)
    dollar = _DOLLAR.match(text, i)
    if dollar:
        end = text.find(dollar.group(0), dollar.end())
        return None if end < 0 else end + len(dollar.group(0))
    return i


@dataclass
class Session:
    path: Path
    queries: Path               # config/queries
    wait_seconds: float
    format: OutputFormat
    out: IO[str]
    interactive: bool = False
    failures: int = 0

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        from warehouse.errors import WarehouseError
        from warehouse.queries import run_query

        try:
            if self.interactive:
                result = _cancellable(self.path, sql, params, self.wait_seconds)
            else:
                result = run_query(self.path, sql, params, wait_seconds=self.wait_seconds)
        except WarehouseError as exc:
            self.fail(str(exc))
            return
        if result is None:
            err.print("cancelled")
        elif result.columns:
            print_result(result, self.format, self.out)
        self.out.flush()

    def opens(self) -> bool:
        """Whether the database opens: a missing or locked warehouse is said at once."""
        from warehouse.errors import WarehouseError
        from warehouse.queries import run_query

        try:
            run_query(self.path, "SELECT 1", wait_seconds=self.wait_seconds)
        except WarehouseError as exc:
            self.fail(str(exc))
            return False
        return True

    def fail(self, message: str) -> None:
        self.failures += 1
        err.print(f"error: {message}", markup=False, highlight=False)

    def command(self, line: str) -> bool:
        """Run a dot command; False to leave the prompt."""
        try:
            name, *args = shlex.split(line)
        except ValueError as exc:
            self.fail(f"{line}: {exc}")
            return True
        if name in (".quit", ".exit"):
            return False
        handler = _COMMANDS.get(name)
        if handler is None:
            self.fail(f"unknown command {name}; {', '.join(_COMMANDS)} or .quit")
        else:
            handler(self, args)
        return True


def _help(session: Session, args: list[str]) -> None:
    print(HELP.format(format=session.format.value), file=session.out, flush=True)


def _tables(session: Session, args: list[str]) -> None:
    session.execute(TABLES)


def _format(session: Session, args: list[str]) -> None:
    names = [f.value for f in PROMPT_FORMATS]
    if not args:
        print(f"format: {session.format.value}", file=session.out, flush=True)
    elif len(args) == 1 and args[0] in names:
        session.format = OutputFormat(args[0])
    else:
        session.fail(f".format {' '.join(args)}: give one of {', '.join(names)}")


def _saved(session: Session, args: list[str]) -> None:
    from warehouse.queries import QueryResult
    from warehouse.saved_queries import query_parameters, saved_query_names

    rows = []
    for name in saved_query_names(session.queries):
        text = (session.queries / f"{name}.sql").read_text("utf-8")
        first = text.lstrip().splitlines()[0] if text.strip() else ""
        about = first.removeprefix("--").strip() if first.startswith("--") else ""
        rows.append((name, " ".join(f"{p}=" for p in query_parameters(text)), about))
    if not rows:
        session.fail(f"no saved queries in {session.queries} (files NAME.sql)")
        return
    print_result(QueryResult(["name", "parameters", "about"], rows), session.format, session.out)


def _run(session: Session, args: list[str]) -> None:
    from warehouse.errors import WarehouseError
    from warehouse.saved_queries import load_saved_query, parse_params

    if not args:
        session.fail(".run NAME [name=value ...]: which saved query? (.saved lists them)")
        return
    try:
        text = load_saved_query(session.queries, args[0])
        params = parse_params(args[1:], text)
    except WarehouseError as exc:
        # The same checks as `--saved NAME --param name=value`, in the prompt's terms.
        session.fail(str(exc).replace("needs --param for", "needs name=value for")
                     .replace("--param ", ""))
        return
    session.execute(text, params)


def _cancellable(path: Path, sql: str, params: dict[str, Any] | None,
                 wait_seconds: float) -> QueryResult | None:
    """The query in a thread of its own, so that Ctrl-C reaches this one, which interrupts
    the query (DuckDB does not look at Python's signals while it runs); None if cancelled."""
    from warehouse.queries import run_query

    opened: list[Any] = []
    cancelled = threading.Event()
    outcome: dict[str, Any] = {}

    def on_open(con: Any) -> None:
        opened.append(con)
        if cancelled.is_set():                 # Ctrl-C came while it was connecting
            con.interrupt()

    def work() -> None:
        try:
            outcome["result"] = run_query(path, sql, params, wait_seconds=wait_seconds,
                                          on_open=on_open)
        except Exception as exc:               # handed to the caller's thread below
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="sql-prompt-query", daemon=True)
    worker.start()
    while worker.is_alive():
        try:
            worker.join(0.1)
        except KeyboardInterrupt:
            cancelled.set()
            for con in opened:
                con.interrupt()
    if cancelled.is_set():
        return None
    if "error" in outcome:
        raise outcome["error"]
    result: QueryResult = outcome["result"]
    return result


_COMMANDS: dict[str, Callable[[Session, list[str]], None]] = {
    ".help": _help, ".tables": _tables, ".format": _format, ".saved": _saved, ".run": _run}


def prompt(path: Path, settings: QuerySettings, format: OutputFormat, out: Path | None) -> int:
    """`newswatch sql` with no QUERY: checks the options, then reads statements until EOF or
    .quit. Returns the exit code."""
    if format not in PROMPT_FORMATS or out is not None:
        raise typer.BadParameter("the prompt prints tables, CSV or JSON; give a QUERY to write "
                                 "--format parquet or --out FILE")
    session = Session(path, settings.config_dir / "queries", settings.read_wait_seconds,
                      format, sys.stdout)
    if not session.opens():
        return EXIT_PROBLEMS
    if sys.stdin.isatty():
        session.interactive = True
        return _interactive(session)
    _loop(session, _lines(sys.stdin), last_without_semicolon=True)
    return EXIT_PROBLEMS if session.failures else EXIT_OK


def _lines(stream: IO[str]) -> Callable[[str], str | None]:
    lines = iter(stream)

    def read(_prompt: str) -> str | None:
        line = next(lines, None)
        return None if line is None else line.rstrip("\n")
    return read


def _loop(session: Session, read: Callable[[str], str | None],
          remember: Callable[[str], None] = lambda entry: None, *,
          last_without_semicolon: bool = False) -> None:
    """Statements and dot commands until EOF (read returns None) or .quit. At EOF, a last
    statement without its `;` runs if `last_without_semicolon` (input from a file or a pipe:
    `echo "SELECT 1" | newswatch sql`), else it is dropped (Ctrl-D on a half-typed line)."""
    buffer = ""
    while True:
        try:
            line = read(MORE if buffer.strip() else PROMPT)
        except KeyboardInterrupt:           # Ctrl-C drops the statement being typed
            print(file=session.out)
            buffer = ""
            continue
        if line is None:
            break
        if not buffer.strip() and line.lstrip().startswith("."):
            remember(line.strip())
            if not session.command(line.strip()):
                return
            continue
        buffer += line + "\n"
        statements, buffer = split_statements(buffer)
        for statement in statements:
            remember(" ".join(part.strip() for part in statement.splitlines()))
            session.execute(statement)
        if not _COMMENTS.sub("", buffer).strip():
            buffer = ""                     # only comments so far: a dot command may follow
    if last_without_semicolon and buffer.strip():
        session.execute(buffer)


def _interactive(session: Session) -> int:
    print(f"newswatch sql on {session.path} (read-only). End statements with ;  .help for "
          "commands, .quit or Ctrl-D to leave.", file=session.out)

    def read(text: str) -> str | None:
        try:
            return input(text)
        except EOFError:
            print(file=session.out)
            return None
    try:
        import readline  # line editing and history, where Python has it
    except ImportError:
        _loop(session, read)
        return EXIT_OK
    history = Path.home() / HISTORY_FILE
    with suppress(OSError):                  # no history yet
        readline.read_history_file(history)
    readline.set_history_length(HISTORY_LENGTH)
    readline.set_auto_history(False)         # one entry per statement, not per line
    try:
        _loop(session, read, readline.add_history)
    finally:
        try:
            readline.write_history_file(history)
        except OSError as exc:
            err.print(f"note: history not saved to {history}: {exc}", markup=False)
    return EXIT_OK
