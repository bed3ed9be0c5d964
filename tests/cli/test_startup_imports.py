"""Commands that run no flow start without Prefect, and without the heavy libraries they do not
use: `newswatch sql` or `newswatch check` should answer at once. Each command is probed in a
fresh interpreter, so what another command (or this test process) imported cannot hide an
import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from warehouse.connection import writer

REPO = Path(__file__).resolve().parents[2]

# Runs one command in-process through typer's runner and reports its exit code and which of
# the watched top-level packages were imported by the end.
_PROBE = """
import json, sys
from typer.testing import CliRunner
from cli.app import app

watched = set(json.loads(sys.argv[2]))
args = json.loads(sys.argv[1])
result = CliRunner().invoke(app, args) if args else None
print(json.dumps({"exit": result.exit_code if result else 0,
                  "loaded": sorted({m.split(".")[0] for m in sys.modules} & watched),
                  "output": result.output[-2000:] if result else ""}))
"""

# Slow to import and needed by only some commands.
HEAVY = {"prefect", "flows", "apprise", "trafilatura", "htmldate", "justext", "courlan",
         "dateparser", "matplotlib", "numpy", "pyarrow", "duckdb", "jinja2", "lxml", "bs4",
         "httpx", "ahocorasick", "yaml", "pydantic_settings"}
NEVER = {"prefect", "flows", "apprise"}   # no command below runs a flow or sends anything

ARTICLE = ("<html lang='en'><head><title>Harbour plan</title></head><body><article>"
           "<h1>Harbour plan</h1>"
           + "".join(f"<p>The harbour board met on day {n} to weigh the new plan for the quay, "
                     "the ferries and the fish market; members asked for costs first.</p>"
                     for n in range(6))
           + "</article></body></html>")


def _python(code: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NEWSWATCH_CONFIG_DIR": str(REPO / "config")}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=240)


@dataclass
class Probe:
    exit: int
    loaded: set[str]
    output: str


def _probe(args: list[str], cwd: Path) -> Probe:
    result = _python(_PROBE, json.dumps(args), json.dumps(sorted(HEAVY)), cwd=cwd)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    return Probe(report["exit"], set(report["loaded"]), report["output"])


def test_importing_the_cli_imports_nothing_heavy(tmp_path: Path) -> None:
    assert _probe([], tmp_path).loaded == set()


def test_the_probe_sees_a_heavy_import(tmp_path: Path) -> None:
    """The checks here can fail: the same probe reports Prefect and DuckDB once a command
    that needs them has run (`flows.digest` imports Prefect; `sql` opens DuckDB)."""
    result = _python("import cli.app, flows.digest, sys; print('prefect' in sys.modules)",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    warehouse = tmp_path / "wh.duckdb"
    with writer(warehouse):
        pass
    assert "duckdb" in _probe(["sql", "SELECT 1", "--warehouse", str(warehouse)], tmp_path).loaded


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    warehouse = tmp_path / "wh.duckdb"
    with writer(warehouse):
        pass   # an empty warehouse at the current schema
    (tmp_path / "text.txt").write_text("The talks resume next Tuesday.", "utf-8")
    (tmp_path / "page.html").write_text(ARTICLE, "utf-8")
    (tmp_path / "articles.jsonl").write_text(json.dumps({
        "url": "https://paper.example/a", "title": "Ceasefire agreed",
        "body": "Both sides agreed a ceasefire on Monday."}) + "\n", "utf-8")
    return {"warehouse": warehouse, "text": tmp_path / "text.txt",
            "page": tmp_path / "page.html", "articles": tmp_path / "articles.jsonl",
            "report": tmp_path / "report.html"}


def _commands(inputs: dict[str, Path]) -> list[tuple[list[str], set[str]]]:
    """Each command with the heavy packages it may import (what it uses)."""
    wh = str(inputs["warehouse"])
    config = {"yaml", "pydantic_settings"}          # reading config/ and the settings
    rules = config | {"ahocorasick"}                # compiling rules
    return [
        (["--help"], set()),
        (["sql", "SELECT 1", "--warehouse", wh], {"duckdb"}),   # core.query_settings
        (["check"], config | {"jinja2"}),           # it checks the rules' templates
        (["config"], config),
        (["rules", "check"], rules),
        (["rules", "schema"], {"yaml"}),
        (["rules", "test", "ceasefire", "--warehouse", wh],
         rules | {"duckdb", "pyarrow", "numpy"}),
        (["match", "--rules", str(REPO / "config" / "rules"), "--articles",
          str(inputs["articles"])], rules - {"pydantic_settings"}),
        (["dates", "--reference", "2025-03-20", str(inputs["text"])], set()),
        (["extract", str(inputs["page"])],
         {"trafilatura", "htmldate", "justext", "courlan", "lxml", "bs4"}),
        (["sources", "check"], config),
        (["report", "--warehouse", wh, "--out", str(inputs["report"])],
         {"duckdb", "matplotlib", "numpy", "pydantic_settings"}),
    ]


@pytest.mark.parametrize("index", range(12))
def test_a_command_imports_only_what_it_uses(inputs: dict[str, Path], index: int) -> None:
    args, allowed = _commands(inputs)[index]
    assert not allowed & NEVER
    report = _probe(args, inputs["warehouse"].parent)
    assert report.exit == 0, f"newswatch {' '.join(args)}: {report.output}"
    extra = report.loaded - allowed
    assert not extra, f"`newswatch {' '.join(args)}` imported {', '.join(sorted(extra))}"
    if args[0] == "sql":
        assert "1 row(s)" in report.output
