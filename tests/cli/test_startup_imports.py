"""Commands that run no flow start without Prefect: importing it takes seconds, and `newswatch
sql` or `newswatch check` should answer at once. Each probe is a fresh interpreter, so what
this test process already imported cannot hide an import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.connection import writer

REPO = Path(__file__).resolve().parents[2]

# Runs each command in-process through typer's runner and reports, per command, its exit code
# and whether Prefect (or any flows module) was imported by then.
_PROBE = """
import json, sys
from typer.testing import CliRunner
from cli.app import app

def loaded():
    return sorted(m for m in sys.modules if m.split(".")[0] in {"prefect", "flows"})

report = [{"args": ["import cli.app"], "exit": 0, "loaded": loaded(), "output": ""}]
for args in json.loads(sys.argv[1]):
    result = CliRunner().invoke(app, args)
    report.append({"args": args, "exit": result.exit_code, "loaded": loaded(),
                   "output": result.output[-2000:]})
print(json.dumps(report))
"""

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


def test_importing_the_cli_does_not_import_prefect(tmp_path: Path) -> None:
    result = _python("import cli.app, sys; print('prefect' in sys.modules)", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_probe_sees_prefect_when_a_flow_is_imported(tmp_path: Path) -> None:
    """The check above can fail: the same probe says True once a flow module is imported."""
    result = _python("import cli.app, flows.digest, sys; print('prefect' in sys.modules)",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


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


def test_commands_that_run_no_flow_never_import_prefect(inputs: dict[str, Path]) -> None:
    wh = str(inputs["warehouse"])
    commands = [
        ["--help"],
        ["sql", "SELECT 1", "--warehouse", wh],
        ["check"],
        ["config"],
        ["rules", "check"],
        ["rules", "schema"],
        ["match", "--rules", str(REPO / "config" / "rules"), "--articles",
         str(inputs["articles"])],
        ["dates", "--reference", "2025-03-20", str(inputs["text"])],
        ["extract", str(inputs["page"])],
        ["sources", "check"],
        ["report", "--warehouse", wh, "--out", str(inputs["report"])],
    ]
    result = _python(_PROBE, json.dumps(commands), cwd=inputs["warehouse"].parent)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [r["args"] for r in report[1:]] == commands
    for step in report:
        assert step["exit"] == 0, f"newswatch {' '.join(step['args'])}: {step['output']}"
        assert step["loaded"] == [], (f"after `newswatch {' '.join(step['args'])}`: "
                                      f"{', '.join(step['loaded'][:5])} imported")
    assert "1 row(s)" in report[2]["output"]
