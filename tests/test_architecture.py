"""The package order of docs/architecture.md holds: `lint-imports` (pyproject.toml's
[tool.importlinter] contracts) fails on a wrong import, and the doc names the packages the
contracts check.

Each wrong import is added to a copy of the packages in a temporary folder, so the real tree
is never touched; lint-imports runs there in a subprocess with the repository's contracts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
LINTER = CONFIG["tool"]["importlinter"]
ROOTS: list[str] = LINTER["root_packages"]
CONTRACTS: dict[str, str] = {c["id"]: c["name"] for c in LINTER["contracts"]}

# Imports that break a contract in the tree today, while the restructuring that removes them
# is under way. The test below fails when one is added AND when one is gone (then delete it
# here): once this is empty, the unmodified tree must keep every contract.
KNOWN_VIOLATIONS: dict[str, set[str]] = {}

# An import line that matters: "- alerts.delivery -> pipeline.config (l.33)", also when it is a
# link of an indirect chain (indented, no dash).
_IMPORT = re.compile(r"^[-\s]*(?P<importer>[\w.]+) -> (?P<imported>[\w.]+) \(l\.[\d, ]+\)",
                     re.MULTILINE)


@dataclass(frozen=True)
class LintRun:
    returncode: int
    output: str

    def status(self, contract_id: str) -> str:
        """"KEPT" or "BROKEN", from the summary line of that contract."""
        name = CONTRACTS[contract_id]
        found = re.search(rf"^{re.escape(name)} (KEPT|BROKEN)\b", self.output, re.MULTILINE)
        assert found, f"no summary line for {name!r} in:\n{self.output}"
        return found.group(1)

    def violations(self, contract_id: str) -> set[str]:
        """The imports listed under one broken contract, as "importer -> imported"."""
        heading = re.compile(rf"^{re.escape(CONTRACTS[contract_id])}\n-+\n", re.MULTILINE)
        start = heading.search(self.output)
        if start is None:
            return set()
        # The section runs to the next contract's heading (a line underlined with dashes).
        end = re.compile(r"^[^\n]+\n-{3,}\n", re.MULTILINE).search(self.output, start.end())
        section = self.output[start.end():end.start() if end else None]
        return {f"{m['importer']} -> {m['imported']}" for m in _IMPORT.finditer(section)}


def lint_imports(root: Path) -> LintRun:
    """lint-imports over the packages in `root`, with the repository's contracts."""
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "1000"}   # 1000: no wrapping
    done = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
         "--no-logo", "--no-cache", str(REPO / "pyproject.toml")],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)
    return LintRun(done.returncode, done.stdout + done.stderr)


def copy_packages(dest: Path) -> Path:
    for name in ROOTS:
        shutil.copytree(REPO / name, dest / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> LintRun:
    return lint_imports(copy_packages(tmp_path_factory.mktemp("unmodified")))


def test_unmodified_tree_breaks_only_the_known_imports(baseline: LintRun) -> None:
    found = {cid: baseline.violations(cid) for cid in CONTRACTS}
    found = {cid: imports for cid, imports in found.items() if imports}
    assert found == KNOWN_VIOLATIONS, (
        "the contracts' violations changed: fix a new one (docs/architecture.md says where "
        "code goes), or delete a fixed one from KNOWN_VIOLATIONS\n" + baseline.output)
    for cid in CONTRACTS:
        assert baseline.status(cid) == ("BROKEN" if cid in KNOWN_VIOLATIONS else "KEPT")
    assert (baseline.returncode == 0) == (not KNOWN_VIOLATIONS), baseline.output


# (module the wrong import is added to, the import, contracts it must break, the import as
# lint-imports names it)
WRONG_IMPORTS = [
    ("scrapers/fetch.py", "import prefect", ["stages-no-runners", "prefect-only-in-flows"],
     "scrapers.fetch -> prefect"),
    ("rules/matcher.py", "from flows import monitor", ["layers", "stages-no-runners"],
     "rules.matcher -> flows.monitor"),
    ("alerts/render.py", "import duckdb", ["duckdb-only-in-warehouse"],
     "alerts.render -> duckdb"),
    ("cli/common.py", "import prefect", ["prefect-only-in-flows"], "cli.common -> prefect"),
    ("warehouse/queries.py", "import apprise", ["apprise-only-in-notify"],
     "warehouse.queries -> apprise"),
    ("scrapers/urls.py", "from core.settings import Settings", ["scrapers-read-no-environment"],
     "scrapers.urls -> core.settings"),
    ("core/durations.py", "from scrapers import models", ["layers"],
     "core.durations -> scrapers.models"),
    ("warehouse/articles.py", "from alerts import render", ["layers"],
     "warehouse.articles -> alerts.render"),
    ("pipeline/fetching.py", "from demo import server", ["demo-and-tools-are-leaves"],
     "pipeline.fetching -> demo.server"),
    ("demo/clock.py", "from core import durations", ["demo-stands-alone"],
     "demo.clock -> core.durations"),
]


@pytest.mark.parametrize(("module", "line", "contracts", "named"), WRONG_IMPORTS,
                         ids=[f"{m}:{line}" for m, line, *_ in WRONG_IMPORTS])
def test_a_wrong_import_breaks_its_contract(tmp_path: Path, baseline: LintRun, module: str,
                                           line: str, contracts: list[str], named: str) -> None:
    root = copy_packages(tmp_path)
    target = root / module
    # At the end, as a function-level import would be: lint-imports counts those too.
    target.write_text(target.read_text(encoding="utf-8") + f"\n\ndef _wrong() -> None:\n"
                      f"    {line}  # noqa\n", encoding="utf-8")
    run = lint_imports(root)
    assert run.returncode != 0, run.output
    for cid in contracts:
        assert named not in baseline.violations(cid)
        assert run.status(cid) == "BROKEN", run.output
        assert named in run.violations(cid), run.output
    untouched = set(CONTRACTS) - set(contracts)
    assert {cid for cid in untouched if named in run.violations(cid)} == set(), run.output


def test_every_contract_is_shown_to_catch_a_wrong_import() -> None:
    assert {cid for *_, contracts, _ in WRONG_IMPORTS for cid in contracts} == set(CONTRACTS)


def _doc_packages() -> list[str]:
    """The first column of docs/architecture.md's package table (rows like "| `core/` | ...")."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    return re.findall(r"^\|\s*`(\w+)/?`\s*\|", text, re.MULTILINE)


def test_architecture_doc_lists_the_contracts_packages() -> None:
    assert sorted(_doc_packages()) == sorted(ROOTS)
    assert len(_doc_packages()) == len(set(_doc_packages()))


@pytest.mark.parametrize("name", ROOTS)
def test_every_root_package_is_a_package(name: str) -> None:
    assert (REPO / name / "__init__.py").is_file(), f"{name}/ has no __init__.py"


def test_readme_links_the_architecture_doc() -> None:
    assert "(docs/architecture.md)" in (REPO / "README.md").read_text(encoding="utf-8")
